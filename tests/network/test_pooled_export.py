"""The pooled package of linked forecasters (`export_network`, "Download pooled data").

On the `linked` studies (tests/network/conftest.py): seven people agree to link in both
"Wave one" and "Wave two"; p7 never does. Each person answers six yes/no questions per
study, so the hand count is 7 people × 2 studies × 6 forecasts in forecasts and scores.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from casecast.audit.models import AuditEvent
from casecast.network.identity import network_key
from casecast.network.pooled import POOLED_FILES, pool_build
from casecast.resolution.exports.columns import Column, ColumnType
from casecast.resolution.exports.writers import Format
from casecast.studies import services
from casecast.studies.models import Arm, Participant, Study
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tests.fixtures_studies import build_study
from tests.network.conftest import LINKED, PEOPLE
from tests.resolution.test_export_package import READERS, _assert_same, _expected, _time_text
from tests.sign_in import sign_in

pytestmark = pytest.mark.django_db

UNLINKED = "p7@example.org"
assert UNLINKED in PEOPLE and UNLINKED not in LINKED


def _hmac(key: str, kind: str, pk: int) -> str:
    return hmac.new(key.encode(), f"{kind}:{pk}".encode(), hashlib.sha256).hexdigest()


def _export(tmp_path: Path, format: Format = Format.CSV, *studies: str) -> Path:
    out = tmp_path / format.value
    args = ["--format", format.value, "--out", str(out)]
    for slug in studies:
        args += ["--study", slug]
    call_command("export_network", *args, stdout=io.StringIO())
    return out


def _rows(directory: Path, stem: str) -> list[dict[str, str]]:
    with (directory / f"{stem}.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def _network_id(user_id: int) -> str:
    # Independent of the code: HMAC-SHA256 of "person:<account id>" with the network key.
    return _hmac(network_key(), "person", user_id)


def test_the_same_linked_person_has_one_network_id_and_each_studys_own_pseudonym(linked, tmp_path):
    out = _export(tmp_path)
    participants = _rows(out, "participants")
    assert len(participants) == len(LINKED) * 2
    for email in LINKED:
        mine = [linked.participants[(i, email)] for i in (0, 1)]
        expected_network_id = _network_id(mine[0].user_id)
        rows = {
            row["study"]: row for row in participants if row["network_id"] == expected_network_id
        }
        assert set(rows) == {"wave-one", "wave-two"}
        for study, participant in zip(linked.studies, mine, strict=True):
            row = rows[study.slug]
            assert row["pseudonym"] == _hmac(study.pseudonym_key, "participant", participant.pk)
        assert rows["wave-one"]["pseudonym"] != rows["wave-two"]["pseudonym"]
    forecasters = {row["network_id"]: row for row in _rows(out, "forecasters")}
    assert len(forecasters) == len(LINKED)
    assert {(r["n_studies"], r["first_study"], r["last_study"]) for r in forecasters.values()} == {
        ("2", "wave-one", "wave-two")
    }
    for stem in ("forecasts", "scores"):
        rows = _rows(out, stem)
        assert len(rows) == len(LINKED) * 2 * 6, stem
        per_person = {(r["network_id"], r["study"]) for r in rows}
        assert per_person == {(n, s) for n in forecasters for s in ("wave-one", "wave-two")}


def test_scores_in_the_pool_are_the_hand_worked_brier_scores(linked, tmp_path):
    out = _export(tmp_path)
    slug = {0: "wave-one", 1: "wave-two"}
    expected = {
        (_network_id(linked.participants[(i, email)].user_id), slug[i], question): brier
        for email, i, question, brier in linked.expected
        if email in LINKED
    }
    got = {
        (r["network_id"], r["study"], int(r["question_id"])): float(r["brier"])
        for r in _rows(out, "scores")
    }
    assert got.keys() == expected.keys()
    for key, brier in expected.items():
        assert got[key] == pytest.approx(brier, abs=1e-12)


def test_an_unlinked_worker_is_in_no_file_of_any_format(linked, tmp_path):
    person = [linked.participants[(i, UNLINKED)] for i in (0, 1)]
    traces = [UNLINKED, _network_id(person[0].user_id)] + [
        _hmac(study.pseudonym_key, "participant", p.pk)
        for study, p in zip(linked.studies, person, strict=True)
    ]
    out = _export(tmp_path)
    for path in out.iterdir():  # CSV, datapackage.json and codebook.md: plain bytes
        content = path.read_bytes()
        for trace in traces:
            assert trace.encode() not in content, (path.name, trace)
    for format in (Format.PARQUET, Format.STATA, Format.SPSS):
        directory = _export(tmp_path, format)
        for pooled in POOLED_FILES:
            values = _read_back(directory, pooled.stem, format)
            text = "\n".join(str(v) for column in values.values() for v in column)
            for trace in traces:
                assert trace not in text, (format, pooled.name)


def _read_back(directory: Path, stem: str, format: Format) -> dict[str, list]:
    if format is Format.PARQUET:
        return pq.read_table(directory / f"{stem}.parquet").to_pydict()
    frame, meta = READERS[format](str(directory / f"{stem}.{format.value}"))
    values = {name: frame[name].tolist() for name in frame.columns}
    for name, labels in meta.variable_value_labels.items():
        values[f"{name} (labels)"] = list(labels.values())
    return values


def _pooled_columns(stem: str) -> dict[str, Column]:
    pooled = next(p for p in POOLED_FILES if p.stem == stem)
    return {column.name: column for column in pooled.source(pool_build(), False).columns}


@pytest.mark.parametrize("format", [Format.PARQUET, Format.STATA, Format.SPSS])
def test_every_pooled_file_holds_the_csv_values_in_every_format(linked, tmp_path, format):
    csv_dir = _export(tmp_path, Format.CSV)
    out = _export(tmp_path, format)
    for pooled in POOLED_FILES:
        rows = _rows(csv_dir, pooled.stem)
        columns = _pooled_columns(pooled.stem)
        assert rows, pooled.name
        if format is Format.PARQUET:
            table = pq.read_table(out / f"{pooled.stem}.parquet")
            assert table.column_names == list(columns) == list(rows[0])
            for name in table.column_names:
                column = columns[name]
                assert table.schema.field(name).metadata[b"label"].decode() == column.label
                for row, value in zip(rows, table.column(name).to_pylist(), strict=True):
                    if column.type is ColumnType.TIME:
                        assert _time_text(value) == (row[name] or None), name
                    else:
                        assert value == _expected(column, row[name]), (pooled.name, name)
            continue
        frame, meta = READERS[format](str(out / f"{pooled.stem}.{format.value}"))
        assert list(frame.columns) == list(columns) == list(rows[0]), pooled.name
        assert len(frame) == len(rows), pooled.name
        for name, column in columns.items():
            assert meta.column_names_to_labels[name] == column.label, (pooled.name, name)
            declared = {str(code): label for code, label in column.value_labels}
            for row, value in zip(rows, frame[name].tolist(), strict=True):
                _assert_same(column, row[name], value, meta.variable_value_labels, declared)


def test_the_package_describes_its_files_and_keys(linked, tmp_path):
    out = _export(tmp_path)
    descriptor = json.loads((out / "datapackage.json").read_text())
    assert [r["name"] for r in descriptor["resources"]] == [p.name for p in POOLED_FILES]
    forecasts = next(r for r in descriptor["resources"] if r["name"] == "forecasts")
    assert forecasts["schema"]["primaryKey"] == ["study", "forecast_id"]
    assert forecasts["schema"]["fields"][0]["name"] == "network_id"
    codebook = (out / "codebook.md").read_text()
    assert "## forecasters.csv" in codebook and "7 rows." in codebook


def test_a_blinded_study_in_the_pool_shows_arm_codes_and_an_unblinded_one_names(linked, tmp_path):
    one, two = linked.studies
    now = timezone.now()
    # Both closed (arms are blank until then); only wave two is unblinded.
    Study.objects.filter(pk=one.pk).update(status=Study.Status.CLOSED)
    Study.objects.filter(pk=two.pk).update(
        status=Study.Status.CLOSED, data_locked_at=now, unblinded_at=now
    )
    out = _export(tmp_path)
    arms = {(r["study"], r["arm"]) for r in _rows(out, "participants")}
    code = Arm.objects.get(study=one, key="control").blind_code
    assert code and code != "control"
    assert arms == {("wave-one", code), ("wave-two", "control")}
    scores_arms = {(r["study"], r["arm"]) for r in _rows(out, "scores")}
    assert scores_arms == arms
    codebook = (out / "codebook.md").read_text()
    assert "Arm (coded while its study is blinded)" in codebook


def test_only_the_chosen_studies_are_pooled(linked, tmp_path):
    out = _export(tmp_path, Format.CSV, "wave-two")
    assert {r["study"] for r in _rows(out, "forecasts")} == {"wave-two"}
    assert {r["n_studies"] for r in _rows(out, "forecasters")} == {"1"}
    assert not any(b"wave-one" in path.read_bytes() for path in out.iterdir())


def test_withdrawing_without_keeping_data_leaves_that_study_and_keeping_it_stays(linked, tmp_path):
    erased = linked.participants[(0, LINKED[0])]  # withdraws from wave one, data erased
    kept = linked.participants[(1, LINKED[1])]  # withdraws from wave two, data kept
    network_ids = {person: _network_id(person.user_id) for person in (erased, kept)}
    services.participant_withdraw(participant=erased, keep_data=False, by=erased.user)
    services.participant_withdraw(participant=kept, keep_data=True, by=kept.user)
    out = _export(tmp_path)
    forecasts, forecasters = _rows(out, "forecasts"), _rows(out, "forecasters")
    participants = _rows(out, "participants")
    for person, studies in ((erased, ["wave-two"]), (kept, ["wave-one", "wave-two"])):
        network_id = network_ids[person]
        assert sorted({r["study"] for r in forecasts if r["network_id"] == network_id}) == studies
        (forecaster,) = [r for r in forecasters if r["network_id"] == network_id]
        assert forecaster["studies"] == ";".join(studies)
        assert [r["study"] for r in participants if r["network_id"] == network_id] == studies
    (row,) = [
        r for r in participants if r["network_id"] == network_ids[kept] and r["study"] == "wave-two"
    ]
    assert (row["withdrawn"], row["keep_data"]) == ("1", "1")
    erased_pseudonym = _hmac(linked.studies[0].pseudonym_key, "participant", erased.pk)
    assert not any(erased_pseudonym.encode() in path.read_bytes() for path in out.iterdir())


def test_the_command_audits_who_which_studies_format_and_options(linked, tmp_path):
    _export(tmp_path, Format.STATA)
    event = AuditEvent.objects.get(action="network.pooled_export")
    assert event.actor is None and event.data["via"].startswith("command line")
    assert event.data["studies"] == ["wave-one", "wave-two"]
    assert event.data["format"] == "dta" and event.data["include_reasoning"] is False
    assert event.data["rows"]["forecasts"] == len(LINKED) * 2 * 6
    per_study = AuditEvent.objects.filter(action="exports.pooled")
    assert sorted(per_study.values_list("study_id", flat=True)) == sorted(
        s.pk for s in linked.studies
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--study", "no-such-study", "--out", "{tmp}/x"], "no-such-study"),
        (["--out", "{tmp}/full"], "is not empty"),
    ],
)
def test_the_command_refuses_bad_input_and_writes_nothing(linked, tmp_path, arguments, message):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    args = [a.format(tmp=tmp_path) for a in arguments]
    with pytest.raises(CommandError, match=message):
        call_command("export_network", *args, stdout=io.StringIO())
    assert not (tmp_path / "x").exists()
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["keep.txt"]
    assert not AuditEvent.objects.filter(action__in=["network.pooled_export", "exports.pooled"])


def test_a_study_that_does_not_offer_linking_cannot_be_pooled(linked, researcher, tmp_path):
    closed_off = build_study(by=researcher, title="Not linked")
    with pytest.raises(CommandError, match=closed_off.slug):
        _export(tmp_path, Format.CSV, closed_off.slug)


URL = "network:pooled_data"


def test_the_site_administrator_downloads_the_pooled_zip_and_it_is_audited(
    client, site_admin, linked
):
    sign_in(client, site_admin)
    page = client.get(reverse("network:track_record")).content.decode()
    assert reverse(URL) in page and "Download pooled data" in page
    form = client.get(reverse(URL)).content.decode()
    assert 'value="wave-one"' in form and "checked" in form
    response = client.get(reverse(URL), {"studies": ["wave-one", "wave-two"], "format": "sav"})
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = {Path(name).name for name in archive.namelist()}
    assert names == {f"{p.stem}.sav" for p in POOLED_FILES} | {"datapackage.json", "codebook.md"}
    event = AuditEvent.objects.get(action="network.pooled_export")
    assert event.actor == site_admin and event.data["via"] == "page"
    assert event.data["studies"] == ["wave-one", "wave-two"] and event.data["format"] == "sav"


def test_choosing_no_study_gets_a_specific_error_and_no_download(client, site_admin, linked):
    sign_in(client, site_admin)
    response = client.get(reverse(URL), {"format": "csv"})
    assert "Choose at least one study to pool" in response.content.decode()
    response = client.get(reverse(URL), {"studies": ["wave-one"], "format": "xlsx"})
    assert "Choose CSV, Parquet, Stata or SPSS" in response.content.decode()
    assert not AuditEvent.objects.filter(action="network.pooled_export").exists()


def test_study_staff_cannot_download_pooled_data(client, researcher, linked):
    sign_in(client, researcher)  # administrator of both studies, not a site administrator
    response = client.get(reverse(URL), {"studies": ["wave-one"], "format": "csv"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="network.pooled_export").exists()


def test_the_command_seed_demo_prints_pools_the_linked_forecasters_of_both_studies(tmp_path):
    printed = io.StringIO()
    call_command("seed_demo", stdout=printed)
    (line,) = [line for line in printed.getvalue().splitlines() if "export_network" in line]
    args = line.split("manage.py export_network ")[1].split()
    out = tmp_path / "demo"
    args[args.index("--out") + 1] = str(out)
    call_command("export_network", *args, stdout=io.StringIO())
    linked = Participant.objects.filter(linked_across_studies_at__isnull=False)
    studies = sorted(set(linked.values_list("study__slug", flat=True)))
    assert len(studies) == 2
    both = {
        _network_id(user)
        for user in set(linked.values_list("user_id", flat=True))
        if linked.filter(user_id=user).count() == 2
    }
    stem_format = args[args.index("--format") + 1]
    assert (out / f"forecasters.{stem_format}").exists()
    if stem_format != "csv":
        call_command("export_network", "--out", str(tmp_path / "csv"), stdout=io.StringIO())
        out = tmp_path / "csv"
    forecasters = _rows(out, "forecasters")
    assert {r["network_id"] for r in forecasters if r["n_studies"] == "2"} == both
    assert {r["study"] for r in _rows(out, "scores")} == set(studies)
    unlinked = Participant.objects.filter(
        study__slug__in=studies, linked_across_studies_at__isnull=True, user__isnull=False
    )
    assert unlinked.exists()  # the demo has people who did not agree
    content = b"".join(path.read_bytes() for path in out.iterdir())
    for participant in unlinked:
        assert (
            _hmac(participant.study.pseudonym_key, "participant", participant.pk).encode()
            not in content
        )
