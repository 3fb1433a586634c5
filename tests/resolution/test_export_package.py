"""The study export package: every file read back in every format equals the CSV value by
value, with its labels; datapackage.json describes the files it sits beside; pseudonyms,
reasoning text and formula neutralising hold in every format; every export is audited.

The data are `run_trial`'s (hand-worked scores, a decision, reasoning text starting with
`=`), in a study whose council is named like a formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import UTC
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
from casecast.audit.models import AuditEvent
from casecast.resolution.exports import FILES
from casecast.resolution.exports.columns import Column, ColumnType
from casecast.resolution.exports.package import study_package_write
from casecast.resolution.exports.writers import Format
from casecast.studies.models import Study
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.resolution.test_exports import REASONING, hmac_hex, run_trial

pytestmark = pytest.mark.django_db

COUNCIL_NAME = "=HYPERLINK(Eastshire)"
READERS = {Format.STATA: pyreadstat.read_dta, Format.SPSS: pyreadstat.read_sav}


@pytest.fixture
def trial(casebook, people):
    for n, council in enumerate(casebook.study.councils.all()):
        council.name = f"{COUNCIL_NAME}{n}"
        council.save(update_fields=["name"])
    return run_trial(casebook, people)


def _write(study, tmp_path: Path, format: Format, **options) -> Path:
    directory = tmp_path / format.value
    study_package_write(study=study, format=format, directory=directory, via="test", **options)
    return directory


def _csv(directory: Path, stem: str) -> list[dict[str, str]]:
    with (directory / f"{stem}.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def _columns(study, name: str) -> dict[str, Column]:
    export = next(export for export in FILES if export.name == name)
    return {column.name: column for column in export.columns(study)}


def _expected(column: Column, cell: str):
    """What a typed format must hold for a CSV cell (None: missing)."""
    if cell == "":
        return None
    if column.type in (ColumnType.INTEGER, ColumnType.FLAG):
        return int(cell)
    if column.type is ColumnType.NUMBER:
        return float(cell)
    return cell


def _time_text(value) -> str | None:
    if value is None or bool(pd.isna(value)):
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_every_parquet_file_holds_the_csv_values_typed_with_labels(trial, tmp_path):
    study = trial_study(trial)
    csv_dir = _write(study, tmp_path, Format.CSV, include_reasoning=True)
    parquet_dir = _write(study, tmp_path, Format.PARQUET, include_reasoning=True)
    for export in FILES:
        rows = _csv(csv_dir, export.stem)
        table = pq.read_table(parquet_dir / f"{export.stem}.parquet")
        columns = _columns(study, export.name)
        assert table.column_names == list(rows[0] if rows else table.column_names)
        assert table.num_rows == len(rows), export.name
        read_back = table.to_pylist()
        for name in table.column_names:
            column, field = columns[name], table.schema.field(name)
            assert field.metadata[b"label"].decode() == column.label
            if column.value_labels and column.type is ColumnType.TEXT:
                assert str(field.type).startswith("dictionary"), name
            for row, value in zip(rows, read_back, strict=True):
                if column.type is ColumnType.TIME:
                    assert _time_text(value[name]) == (row[name] or None), name
                else:
                    assert value[name] == _expected(column, row[name]), (export.name, name)


@pytest.mark.parametrize("format", [Format.STATA, Format.SPSS])
def test_every_stata_and_spss_file_holds_the_csv_values_with_variable_and_value_labels(
    trial, tmp_path, format
):
    study = trial_study(trial)
    csv_dir = _write(study, tmp_path, Format.CSV, include_reasoning=True)
    out = _write(study, tmp_path, format, include_reasoning=True)
    for export in FILES:
        rows = _csv(csv_dir, export.stem)
        frame, meta = READERS[format](str(out / f"{export.stem}.{format.value}"))
        columns = _columns(study, export.name)
        assert list(frame.columns) == list(columns), export.name
        assert len(frame) == len(rows), export.name
        labels = meta.column_names_to_labels
        for name, column in columns.items():
            assert labels[name] == column.label, (export.name, name)
            if column.type is ColumnType.FLAG:
                assert meta.variable_value_labels[name] == {0: "No", 1: "Yes"}
            declared = {str(code): label for code, label in column.value_labels}
            for row, value in zip(rows, frame[name].tolist(), strict=True):
                _assert_same(column, row[name], value, meta.variable_value_labels, declared)


def _assert_same(column: Column, cell: str, value, value_labels, declared) -> None:
    missing = value is None or value == "" or bool(pd.isna(value))
    if cell == "":
        assert missing, (column.name, value)
        return
    if column.type is ColumnType.TIME:
        assert _time_text(value) == cell, column.name
    elif column.type is ColumnType.TEXT and column.value_labels:
        # A numbered code whose value label is the declared label of the CSV's value.
        assert value_labels[column.name][int(value)] == declared[cell], column.name
    elif column.type is ColumnType.TEXT:
        assert value == cell, column.name
    else:
        assert float(value) == float(cell), column.name


def trial_study(trial) -> Study:
    return Study.objects.get(pk=trial.forecasts["ann-last"].participant.study_id)


def test_datapackage_describes_the_files_beside_it_and_its_keys_hold(trial, tmp_path):
    study = trial_study(trial)
    out = _write(study, tmp_path, Format.CSV)
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    files = {resource["name"]: resource for resource in package["resources"]}
    assert list(files) == [export.name for export in FILES]
    types = {"integer", "number", "string", "datetime"}
    for name, resource in files.items():
        rows = _csv(out, Path(resource["path"]).stem)
        with (out / resource["path"]).open(encoding="utf-8") as file:
            header = next(csv.reader(file))
        schema = resource["schema"]
        assert [field["name"] for field in schema["fields"]] == header, name
        assert schema["missingValues"] == [""]
        for field in schema["fields"]:
            assert field["type"] in types and field["title"] and field["description"]
            values = {row[field["name"]] for row in rows} - {""}
            if field["type"] == "integer":
                assert all(v.lstrip("-").isdigit() for v in values), field["name"]
            if "enum" in field.get("constraints", {}):
                assert {int(v) for v in values} <= set(field["constraints"]["enum"])
        key = schema.get("primaryKey")
        if key:
            keys = [tuple(row[k] for k in key) for row in rows]
            assert len(keys) == len(set(keys)) and all(all(k) for k in keys), name
        for foreign in schema.get("foreignKeys", []):
            (field,) = foreign["fields"]
            (target,) = foreign["reference"]["fields"]
            referenced = {row[target] for row in _csv(out, foreign["reference"]["resource"])}
            assert {row[field] for row in rows} - {""} <= referenced, (name, field)
    codebook = (out / "codebook.md").read_text(encoding="utf-8")
    assert "| brier_multi | number |" in codebook and "## questions.csv" in codebook


def test_reasoning_is_left_out_unless_asked_for_and_never_a_formula(trial, tmp_path):
    study = trial_study(trial)
    without = _write(study, tmp_path, Format.PARQUET)
    assert "rationale" not in pq.read_table(without / "forecasts.parquet").column_names
    for format in (Format.PARQUET, Format.STATA, Format.SPSS):
        out = _write(study, tmp_path / "with", format, include_reasoning=True)
        path = out / f"forecasts.{format.value}"
        if format is Format.PARQUET:
            texts = pq.read_table(path).column("rationale").to_pylist()
        else:
            texts = READERS[format](str(path))[0]["rationale"].tolist()
        assert "'" + REASONING in texts, format  # whole, line break kept, never run


def test_one_pseudonym_per_participant_and_council_in_every_file_and_no_council_name(
    trial, people, tmp_path
):
    study = trial_study(trial)
    ann, council = people["ann"], people["ann"].council
    out = _write(study, tmp_path, Format.CSV, include_reasoning=True)
    name, council_name = (
        hmac_hex(study, "participant", ann.pk),
        hmac_hex(study, "council", council.pk),
    )
    for stem in ("participants", "forecasts", "scores", "allocations"):
        mine = [row for row in _csv(out, stem) if row["pseudonym"] == name]
        assert mine, stem
        assert {row["council"] for row in mine} == {council_name}, stem
    for format in Format:
        formatted = _write(study, tmp_path / "all", format, include_reasoning=True)
        for path in formatted.iterdir():
            data = path.read_bytes()
            assert b"HYPERLINK" not in data and b"@example.org" not in data, path.name


def test_a_recruiting_study_exports_no_arm_and_no_allocation_in_any_format(
    casebook, people, tmp_path
):
    run_trial(casebook, people, close=False)
    study = casebook.study
    for format in (Format.PARQUET, Format.STATA):
        out = _write(study, tmp_path, format)
        if format is Format.PARQUET:
            assert set(pq.read_table(out / "scores.parquet").column("arm").to_pylist()) == {None}
            assert pq.read_table(out / "allocations.parquet").num_rows == 0
            assert pq.read_table(out / "exposures.parquet").num_rows == 0
        else:
            frame, _ = pyreadstat.read_dta(str(out / "participants.dta"))
            assert frame["arm"].isna().all()


def test_the_command_writes_the_package_and_audits_who_and_which_options(trial, tmp_path):
    study = trial_study(trial)
    out = tmp_path / "package"
    stdout = io.StringIO()
    call_command("export_study", study.slug, "--format", "sav", "--out", str(out), stdout=stdout)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{export.stem}.sav" for export in FILES] + ["datapackage.json", "codebook.md"]
    )
    event = AuditEvent.objects.get(action="exports.package", study_id=study.pk)
    assert event.actor is None and event.data["via"].startswith("command line")
    assert event.data["format"] == "sav" and event.data["include_reasoning"] is False
    assert event.data["rows"]["scores"] == len(pyreadstat.read_sav(str(out / "scores.sav"))[0])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["no-such-study", "--out", "{tmp}/x"], "No study with slug"),
        (["{slug}", "--out", "{tmp}/full"], "is not empty"),
    ],
)
def test_the_command_refuses_bad_input_and_writes_nothing(trial, tmp_path, arguments, message):
    study = trial_study(trial)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    args = [a.format(tmp=tmp_path, slug=study.slug) for a in arguments]
    with pytest.raises(CommandError, match=message):
        call_command("export_study", *args, stdout=io.StringIO())
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["keep.txt"]
    assert not AuditEvent.objects.filter(action="exports.package").exists()


def _package_url(study) -> str:
    return reverse("resolution:export_package", kwargs={"slug": study.slug})


def test_download_all_data_gives_a_zip_of_the_package_and_is_audited(client, trial, study_analyst):
    study = trial_study(trial)
    client.force_login(study_analyst)
    page = client.get(
        reverse("resolution:results", kwargs={"slug": study.slug}), follow=True
    ).content
    assert b"Download all data" in page and b"include_reasoning" in page
    response = client.get(_package_url(study), {"format": "dta", "include_reasoning": "on"})
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = {Path(name).name for name in archive.namelist()}
    assert {"scores.dta", "questions.dta", "datapackage.json", "codebook.md"} <= names
    event = AuditEvent.objects.get(action="exports.package")
    assert event.actor == study_analyst and event.data["via"] == "page"
    assert event.data["format"] == "dta" and event.data["include_reasoning"] is True


def test_a_single_file_download_is_audited(client, trial, study_analyst):
    study = trial_study(trial)
    client.force_login(study_analyst)
    url = reverse("resolution:export_questions", kwargs={"slug": study.slug})
    b"".join(client.get(url).streaming_content)
    event = AuditEvent.objects.get(action="exports.download")
    assert event.actor == study_analyst
    assert event.data == {"file": "questions.csv", "format": "csv", "include_reasoning": False}


def test_an_unknown_format_is_refused_and_nothing_is_audited(client, trial, study_analyst):
    study = trial_study(trial)
    client.force_login(study_analyst)
    response = client.get(_package_url(study), {"format": "xlsx"})
    assert response.status_code == 400
    assert "Choose CSV, Parquet, Stata or SPSS" in response.content.decode()
    assert not AuditEvent.objects.filter(action="exports.package").exists()


def test_an_outsider_gets_no_package(client, trial, outsider):
    study = trial_study(trial)
    client.force_login(outsider)
    assert client.get(_package_url(study), {"format": "csv"}).status_code in (403, 404)
    assert not AuditEvent.objects.filter(action="exports.package").exists()


def test_the_command_seed_demo_prints_exports_the_demo_in_every_format(tmp_path):
    printed = io.StringIO()
    call_command("seed_demo", stdout=printed)
    (line,) = [line for line in printed.getvalue().splitlines() if "export_study" in line]
    args = line.split("manage.py export_study ")[1].split()
    slug = args[0]
    for format in Format:
        out = tmp_path / format.value
        call_command(
            "export_study", slug, "--format", format.value, "--out", str(out), stdout=io.StringIO()
        )
        assert (out / f"scores.{format.value}").stat().st_size > 0
    frame, meta = pyreadstat.read_dta(str(tmp_path / "dta" / "scores.dta"))
    assert len(frame) > 0 and meta.column_names_to_labels["brier"].startswith("Brier")
    assert "--format" in args and "--out" in args


def test_the_consort_file_agrees_with_the_participants_file(trial, tmp_path):
    study = trial_study(trial)
    out = _write(study, tmp_path, Format.CSV)
    participants = _csv(out, "participants")
    totals = {row["step"]: int(row["n"]) for row in _csv(out, "consort") if row["arm"] == ""}
    assert totals["Enrolled"] == len(participants)
    assert totals["Randomised"] == sum(row["randomised"] == "1" for row in participants)
    assert totals["Analysed"] == sum(row["analysed"] == "1" for row in participants) - sum(
        row["analysed"] == "1" and row["randomised"] == "0" for row in participants
    )
    by_arm = {
        row["arm"]: int(row["n"])
        for row in _csv(out, "consort")
        if row["step"] == "Randomised" and row["arm"]
    }
    for arm, n in by_arm.items():
        assert n == sum(row["arm"] == arm for row in participants), arm


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["resolution:list", "resolution:results"])
def test_every_page_with_the_download_form_offers_every_format(client, researcher, study, page):
    # The form is included by two pages; each must pass it the formats and labels.
    client.force_login(researcher)
    html = client.get(reverse(page, kwargs={"slug": study.slug}), follow=True).content.decode()
    for value in ("csv", "parquet", "dta", "sav"):
        assert f'id="package-format-{value}"' in html
    label = re.search(r'<label[^>]*for="package-include-reasoning">([^<]*)</label>', html)
    assert label is not None and label.group(1).strip()
