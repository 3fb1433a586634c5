"""Export then import into a fresh study reproduces the same content and outcomes."""

from __future__ import annotations

import json

import pytest
import yaml
from casecast.vignettes.bank import Action, bank_export, bank_import, study_vignette_specs
from casecast.vignettes.demo import DEMO_BANK_PATH

from tests.fixtures_vignettes import import_bank
from tests.vignettes.conftest import content_counts


@pytest.fixture
def demo_study(draft_study):
    import_bank(draft_study, DEMO_BANK_PATH.read_text(), "demo_bank.yaml")
    return draft_study


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_then_import_into_fresh_study_reproduces_the_bank(demo_study, fresh_study, fmt):
    exported = bank_export(study=demo_study, fmt=fmt)

    report = bank_import(study=fresh_study, text=exported, filename=f"bank.{fmt}")

    assert report.ok, [str(p) for p in report.problems]
    assert len(report.keys(Action.CREATED)) == 12
    assert study_vignette_specs(study=fresh_study) == study_vignette_specs(study=demo_study)
    assert bank_export(study=fresh_study, fmt=fmt).replace("Fresh study", "Draft study") == exported


def test_csv_questions_import_into_a_study_with_the_same_stages(demo_study, fresh_study):
    document = yaml.safe_load(bank_export(study=demo_study, fmt="yaml"))
    for vignette in document["vignettes"]:
        for stage in vignette["stages"]:
            stage.pop("questions", None)
    import_bank(fresh_study, json.dumps(document, default=str), "stages-only.json")
    assert study_vignette_specs(study=fresh_study) != study_vignette_specs(study=demo_study)

    report = bank_import(
        study=fresh_study, text=bank_export(study=demo_study, fmt="csv"), filename="questions.csv"
    )

    assert report.ok, [str(p) for p in report.problems]
    assert study_vignette_specs(study=fresh_study) == study_vignette_specs(study=demo_study)


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv"])
def test_reimporting_an_export_changes_nothing(demo_study, fmt):
    before = content_counts()

    report = bank_import(
        study=demo_study, text=bank_export(study=demo_study, fmt=fmt), filename=f"bank.{fmt}"
    )

    assert report.ok and not report.changed
    assert content_counts() == before


def test_yaml_export_writes_case_text_as_readable_blocks(demo_study):
    exported = bank_export(study=demo_study, fmt="yaml")

    assert "    body: |" in exported
    assert "value: Child in need plan" in exported  # categories by label, not index


def test_export_rejects_an_unknown_format(demo_study):
    with pytest.raises(ValueError, match="unknown bank format"):
        bank_export(study=demo_study, fmt="xlsx")


def _doc_block(language: str, starts_with: str) -> str:
    text = (DEMO_BANK_PATH.parents[4] / "docs" / "vignette-format.md").read_text()
    for block in text.split(f"```{language}\n")[1:]:
        block = block.split("```")[0]
        if block.startswith(starts_with):
            return block
    raise AssertionError(f"no {language} block starting {starts_with!r} in the docs")


def test_the_documented_examples_import_cleanly(fresh_study):
    report = import_bank(
        fresh_study, _doc_block("yaml", "format: casecast-bank/1\nvignettes:"), "example.yaml"
    )
    assert report.keys(Action.CREATED) == ["school-neglect"]

    csv_report = import_bank(fresh_study, _doc_block("csv", "vignette,"), "example.csv")

    assert csv_report.actions == {"school-neglect": Action.REPLACED}
    version = fresh_study.vignettes.get().current_version()
    assert list(version.questions.values_list("key", flat=True)) == [
        "rereferral-3m",
        "sessions-missed",
        "risk",
    ]
