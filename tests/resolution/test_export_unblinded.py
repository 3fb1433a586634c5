"""`export_study --unblinded`: real arm keys for the data monitoring committee only.

`run_trial`'s study, closed (so arms are exported at all) but not unblinded: by default
every file carries the arm codes; a committee member's `--unblinded` export carries the
keys (control, feedback) and is audited; anyone else is refused and nothing is written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from casecast.audit.models import AuditEvent
from casecast.studies.models import Arm, StudyMembership
from django.core.management import CommandError, call_command

from tests.resolution.test_exports import close_study, hmac_hex, run_trial

pytestmark = pytest.mark.django_db

KEYS = {"ann": "control", "ben": "control", "cat": "feedback", "dan": "feedback"}


@pytest.fixture
def blinded(casebook, people):
    run_trial(casebook, people, close=False)
    close_study(casebook, unblind=False)
    return casebook.study


@pytest.fixture
def committee_member(django_user_model, blinded):
    user = django_user_model.objects.create_user(email="dmc@example.org", password="x" * 20)
    StudyMembership.objects.create(study=blinded, user=user, role=StudyMembership.Role.DMC)
    return user


@pytest.fixture
def study_researcher_of(django_user_model, blinded):
    user = django_user_model.objects.create_user(email="res@example.org", password="x" * 20)
    StudyMembership.objects.create(study=blinded, user=user, role=StudyMembership.Role.RESEARCHER)
    return user


def _arms(out: Path, stem: str) -> set[str]:
    with (out / f"{stem}.csv").open(encoding="utf-8", newline="") as file:
        return {row["arm"] for row in csv.DictReader(file)}


def _export(study, out: Path, *extra: str) -> None:
    call_command("export_study", study.slug, "--out", str(out), *extra, stdout=io.StringIO())


def test_by_default_a_blinded_study_exports_arm_codes(blinded, tmp_path):
    _export(blinded, tmp_path / "coded")
    codes = set(Arm.objects.filter(study=blinded).values_list("blind_code", flat=True))
    assert len(codes) == 2 and not codes & set(KEYS.values())
    for stem in ("participants", "scores", "forecasts", "allocations"):
        assert _arms(tmp_path / "coded", stem) == codes, stem
    assert "control = Control" not in (tmp_path / "coded" / "codebook.md").read_text()
    event = AuditEvent.objects.get(action="exports.package")
    assert event.data["unblinded"] is False
    assert not AuditEvent.objects.filter(action="exports.unblinded_command").exists()


def test_a_committee_member_gets_real_arm_keys_and_it_is_audited(
    blinded, committee_member, people, tmp_path
):
    out = tmp_path / "dmc"
    _export(blinded, out, "--unblinded", "--user", "dmc@example.org")
    for stem in ("participants", "scores", "forecasts", "allocations"):
        assert _arms(out, stem) == {"control", "feedback"}, stem
    with (out / "participants.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    by_pseudonym = {row["pseudonym"]: row["arm"] for row in rows}
    for name, key in KEYS.items():
        assert by_pseudonym[hmac_hex(blinded, "participant", people[name].pk)] == key
    assert "control = Control (control)" in (out / "codebook.md").read_text()
    command = AuditEvent.objects.get(action="exports.unblinded_command")
    assert command.actor == committee_member and command.study_id == blinded.pk
    package = AuditEvent.objects.get(action="exports.package")
    assert package.actor == committee_member and package.data["unblinded"] is True


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--unblinded", "--user", "res@example.org"], "not on the data monitoring committee"),
        (["--unblinded"], "--unblinded needs --user"),
        (["--unblinded", "--user", "nobody@example.org"], "No account with the email"),
        (["--user", "dmc@example.org"], "only used with --unblinded"),
    ],
)
def test_anyone_else_is_refused_and_nothing_is_written(
    blinded, committee_member, study_researcher_of, tmp_path, extra, message
):
    out = tmp_path / "refused"
    with pytest.raises(CommandError, match=message):
        _export(blinded, out, *extra)
    assert not out.exists()
    assert not AuditEvent.objects.filter(
        action__in=["exports.package", "exports.unblinded_command"]
    ).exists()
