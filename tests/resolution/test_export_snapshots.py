"""The demo study's downloads are byte for byte the files saved in `snapshots/`.

The snapshots were written by the exports as they stood before the exports became
column declarations (resolution/exports/), and are kept to prove that refactors of the
exports change no byte of what a researcher downloads. Two states of the demo study:

- `recruiting/`: exactly what `seed_demo` leaves (arms blank: allocation concealment);
- `closed/`: the same study closed (and data-locked and unblinded, so arms show by key),
  after one participant withdrew asking for their data
  not to be used and one withdrew letting it be kept (arm columns filled, withdrawal rules
  exercised).

How the seeded demo is made repeatable, honestly rather than by editing the files: the
demo is seeded by the real `seed_demo` command, with three sources of variation pinned
while it runs:

- the clock: `django.utils.timezone.now` returns one fixed moment (every time the
  exports show is written through it, by `auto_now_add` fields or by services);
- the study's secrets: `secrets.token_hex` returns one fixed value, so the pseudonym key
  (and with it every pseudonym) and the allocation seed (and with it every arm) are the
  same on every run; nothing else the demo stores comes from it;
- row ids: database sequences are reset before the test, so `forecast_id` and the ids
  that pseudonyms are computed from start at 1 on SQLite and PostgreSQL alike.

Everything else the demo does is already deterministic (its simulated forecasts come
from a seeded generator). To write the snapshots again after a deliberate change to an
export, run this module with CASECAST_WRITE_EXPORT_SNAPSHOTS=1, then review the diff of
`tests/resolution/snapshots/` before committing it; the run fails so that it can never
pass by rewriting.
"""

from __future__ import annotations

import difflib
import io
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest
from casecast.studies.models import Participant, Study
from casecast.studies.services import (
    participant_withdraw,
    study_data_lock,
    study_status_change,
    study_unblind,
)
from django.core.management import call_command
from django.urls import reverse

from tests.sign_in import sign_in

SNAPSHOTS = Path(__file__).parent / "snapshots"
WRITE = os.environ.get("CASECAST_WRITE_EXPORT_SNAPSHOTS") == "1"
MOMENT = datetime(2026, 11, 26, 15, 20, 42, tzinfo=UTC)
SECRET = "5eed" * 16  # 64 hex characters, as secrets.token_hex(32) gives
DEMO_SLUG = "judgement-2019-demo"
RESEARCHER_EMAIL = "researcher@example.org"
# Every download the results page links (resolution/includes/exports.html).
DOWNLOADS = {
    "export_scores": "scores.csv",
    "export_forecasts": "forecasts.csv",
    "export_participants": "participants.csv",
    "export_questions": "questions.csv",
    "export_outcomes": "outcomes.csv",
    "export_allocations": "allocations.csv",
    "export_exposures": "exposures.csv",
    "export_consort": "consort.csv",
    "export_dictionary": "data-dictionary.csv",
}


@pytest.fixture
def pinned_demo() -> Iterator[Study]:
    """The demo study as `seed_demo` leaves it; clock and secrets stay pinned for the
    whole test, so what the test then does to the study is repeatable too."""
    with (
        mock.patch("django.utils.timezone.now", return_value=MOMENT),
        mock.patch("secrets.token_hex", return_value=SECRET),
    ):
        call_command("seed_demo", stdout=io.StringIO())
        yield Study.objects.get(slug=DEMO_SLUG)


def _downloads(client, study: Study) -> dict[str, bytes]:
    files = {}
    for view, filename in DOWNLOADS.items():
        response = client.get(reverse(f"resolution:{view}", kwargs={"slug": study.slug}))
        assert response.status_code == 200, view
        files[filename] = b"".join(response.streaming_content)
    return files


def _close_after_withdrawals(study: Study) -> None:
    researcher = study.memberships.get(user__email=RESEARCHER_EMAIL).user
    first, second = Participant.objects.filter(study=study, arm__isnull=False).order_by("pk")[:2]
    participant_withdraw(participant=first, keep_data=False, by=researcher, reason="demo")
    participant_withdraw(participant=second, keep_data=True, by=researcher, reason="demo")
    study_status_change(study=study, to=Study.Status.CLOSED, by=researcher)
    # Unblinded, so the arm columns carry the arm keys (codes are random per study).
    study_data_lock(study=study, by=researcher, reason="demo")
    study_unblind(study=study, by=researcher, reason="demo", confirmed=True)


def _write(produced: dict[str, dict[str, bytes]]) -> None:
    for state, files in produced.items():
        (SNAPSHOTS / state).mkdir(parents=True, exist_ok=True)
        for filename, body in files.items():
            (SNAPSHOTS / state / filename).write_bytes(body)


def _differences(produced: dict[str, dict[str, bytes]]) -> list[str]:
    """The first lines of a unified diff for every file that is not its snapshot."""
    lines: list[str] = []
    for state, files in produced.items():
        for filename, body in files.items():
            expected = (SNAPSHOTS / state / filename).read_bytes()
            if body != expected:
                diff = difflib.unified_diff(
                    expected.decode().splitlines(),
                    body.decode().splitlines(),
                    f"snapshot {state}/{filename}",
                    "export now",
                    lineterm="",
                    n=0,
                )
                lines += list(diff)[:20]
    return lines


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_demo_exports_are_byte_for_byte_the_snapshots(client, pinned_demo):
    study = pinned_demo
    sign_in(client, study.memberships.get(user__email=RESEARCHER_EMAIL).user)
    produced = {"recruiting": _downloads(client, study)}
    _close_after_withdrawals(study)
    produced["closed"] = _downloads(client, study)

    if WRITE:
        _write(produced)
        pytest.fail(f"snapshots written to {SNAPSHOTS}: review the diff, then run without the flag")
    assert sorted(path.name for path in (SNAPSHOTS / "recruiting").iterdir()) == sorted(
        DOWNLOADS.values()
    ), "every download has a snapshot"
    differences = _differences(produced)
    assert not differences, "\n".join(differences)


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_answer_files_are_the_snapshots_when_read_in_small_chunks(client, pinned_demo):
    """The linked answers and stage visits are looked up a chunk of rows at a time; with
    chunks of 7 rows, cases (and a decision and its linked forecast) fall across chunk
    boundaries, and the files must still be byte for byte the snapshots."""
    study = pinned_demo
    sign_in(client, study.memberships.get(user__email=RESEARCHER_EMAIL).user)
    _close_after_withdrawals(study)
    with mock.patch("casecast.resolution.exports.columns.CHUNK", 7):
        for view in ("export_forecasts", "export_scores"):
            response = client.get(reverse(f"resolution:{view}", kwargs={"slug": study.slug}))
            body = b"".join(response.streaming_content)
            assert body == (SNAPSHOTS / "closed" / DOWNLOADS[view]).read_bytes(), view


def _comparable(path: Path) -> bytes:
    """The file's bytes without the moment it was written (Stata's and SPSS's headers)."""
    data = path.read_bytes()
    if path.suffix == ".sav":
        return data[:92] + data[109:]  # the header's creation date and time
    if path.suffix == ".dta":
        start, end = data.index(b"<timestamp>"), data.index(b"</timestamp>")
        return data[:start] + data[end:]
    return data


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_answer_files_read_through_psycopg_are_those_read_through_the_orm(pinned_demo, tmp_path):
    """On PostgreSQL the forecasts and scores files read their rows through psycopg
    directly (`exports/fetch.py`, with psycopg's C loader for times); elsewhere, and with
    `ORM_ONLY`, through Django's `.values()`. Both must give the same bytes in every format,
    read in small chunks so that chunk boundaries fall inside cases. (On SQLite both runs
    read through the ORM, so this proves something only on PostgreSQL, as CI runs it.)"""
    from casecast.resolution.exports import fetch
    from casecast.resolution.exports.files import FILES
    from casecast.resolution.exports.writers import WRITERS, Format

    study = pinned_demo
    _close_after_withdrawals(study)
    written: dict[bool, dict[str, bytes]] = {}
    for orm_only in (True, False):
        written[orm_only] = {}
        with (
            mock.patch.object(fetch, "ORM_ONLY", orm_only),
            mock.patch("casecast.resolution.exports.columns.CHUNK", 7),
        ):
            for export in (e for e in FILES if e.name in ("forecasts", "scores")):
                for format in Format:
                    path = tmp_path / f"{orm_only}-{export.name}.{format.value}"
                    rows = WRITERS[format](
                        study=study, source=export.source(study=study), path=path
                    )
                    assert rows > 0
                    written[orm_only][path.name.split("-", 1)[1]] = _comparable(path)
    assert len(written[False]) == 8
    assert written[False] == written[True]
