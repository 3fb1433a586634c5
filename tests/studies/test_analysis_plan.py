"""The statistical analysis plan: part of the design, validated, frozen after randomisation."""

import pytest
import yaml
from casecast.audit.models import AuditEvent
from casecast.studies import selectors, services
from casecast.studies.analysis_plan import DEFAULTS
from casecast.studies.design_yaml import DesignFileError, design_export, design_import
from casecast.studies.models import AnalysisPlan
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.fixtures_studies import build_study, create_participant


def test_a_study_without_a_saved_plan_is_analysed_by_the_defaults(study):
    version, plan = selectors.analysis_plan_current(study=study)
    assert version.number == 1
    assert plan["primary_forecast"] == "last"
    assert plan["covariates"] == ["baseline_brier", "design_factors"]
    assert plan["multiplicity"] == "holm" and plan["alpha"] == 0.05
    assert plan["analysis_set"] == "itt" and plan["estimand"] == "these"


def test_before_randomisation_the_plan_changes_in_place(researcher, study):
    services.analysis_plan_save(study=study, by=researcher, multiplicity="dunnett")
    services.analysis_plan_save(study=study, by=researcher, primary_forecast="first")
    assert study.design_versions.count() == 1
    _, plan = selectors.analysis_plan_current(study=study)
    assert (plan["multiplicity"], plan["primary_forecast"]) == ("dunnett", "first")


def test_after_randomisation_a_change_needs_a_reason_and_makes_a_new_version(researcher, study):
    create_participant(study=study, email="a@example.org")
    with pytest.raises(ValidationError) as refused:
        services.analysis_plan_save(study=study, by=researcher, alpha=0.01)
    assert "reason" in refused.value.message_dict
    assert study.design_versions.count() == 1 and not AnalysisPlan.objects.exists()

    services.analysis_plan_save(study=study, by=researcher, alpha=0.01, reason="Regulator asks")
    versions = list(study.design_versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].reason == "Regulator asks"
    assert versions[1].arms == versions[0].arms and versions[1].strata == versions[0].strata
    version, plan = selectors.analysis_plan_current(study=study)
    assert version.number == 2 and plan["alpha"] == 0.01
    event = AuditEvent.objects.get(action="analysis_plan.change")
    assert event.data["changed"] == ["alpha"] and event.data["new_version"] is True


def test_saving_the_same_plan_again_makes_no_version(researcher, study):
    create_participant(study=study, email="a@example.org")
    services.analysis_plan_save(study=study, by=researcher, alpha=0.01, reason="Tighter")
    services.analysis_plan_save(study=study, by=researcher, alpha=0.01, reason="Again")
    assert study.design_versions.count() == 2


def test_a_later_design_change_carries_the_plan_to_the_new_version(researcher, study):
    services.analysis_plan_save(study=study, by=researcher, estimand="like_these")
    arm = study.arms.get(key="feedback")
    services.arm_save(study=study, by=researcher, arm=arm, ratio=2, reason="Power")
    version, plan = selectors.analysis_plan_current(study=study)
    assert version.number == 2 and plan["estimand"] == "like_these"


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"alpha": 0.5}, "alpha", "at most 0.2"),
        ({"alpha": "0.05"}, "alpha", "a number"),
        ({"multiplicity": "bonferroni"}, "multiplicity", "holm, dunnett"),
        ({"covariates": ["shoe_size"]}, "covariates", "'shoe_size' is not one of"),
        ({"secondary_outcomes": ["auc", "auc"]}, "secondary_outcomes", "more than once"),
        ({"bootstrap_replicates": 10}, "bootstrap_replicates", "from 100 to 20000"),
        ({"primary_forecast": "middle"}, "primary_forecast", "last, first"),
        ({"colour": "blue"}, "colour", "not part of an analysis plan"),
    ],
)
def test_a_bad_plan_is_refused_with_a_specific_error_and_changes_nothing(
    researcher, study, fields, field, words
):
    with pytest.raises(ValidationError) as refused:
        services.analysis_plan_save(study=study, by=researcher, **fields)
    assert words in " ".join(refused.value.message_dict[field])
    assert not AnalysisPlan.objects.exists()


def test_covariates_may_name_baseline_questions_with_answers_to_adjust_for(researcher, study):
    services.analysis_plan_save(
        study=study, by=researcher, covariates=["baseline_brier", "years_qualified"]
    )
    assert selectors.analysis_plan_current(study=study)[1]["covariates"] == [
        "baseline_brier",
        "years_qualified",
    ]


def test_the_plan_round_trips_through_the_design_file(researcher, study):
    services.analysis_plan_save(
        study=study,
        by=researcher,
        primary_forecast="first",
        multiplicity="dunnett",
        secondary_outcomes=["auc"],
        covariates=["baseline_brier"],
        alpha=0.025,
        bootstrap_replicates=500,
        seed=7,
        notes="Subgroup by team type.",
    )
    text = design_export(study=study)
    copy = design_import(text=text, by=researcher)
    assert (
        selectors.analysis_plan_current(study=copy)[1]
        == selectors.analysis_plan_current(study=study)[1]
    )
    assert yaml.safe_load(text)["analysis_plan"]["seed"] == 7


def test_a_design_file_without_a_plan_imports_with_the_defaults(researcher, study):
    data = yaml.safe_load(design_export(study=study))
    del data["analysis_plan"]
    copy = design_import(text=yaml.safe_dump(data), by=researcher)
    assert selectors.analysis_plan_current(study=copy)[1] == DEFAULTS


def test_a_bad_plan_in_the_design_file_is_named_by_its_path(researcher, study):
    data = yaml.safe_load(design_export(study=study))
    data["analysis_plan"]["alpha"] = 2
    data["analysis_plan"]["covariates"] = ["baseline_brier", "nonsense"]
    with pytest.raises(DesignFileError) as refused:
        design_import(text=yaml.safe_dump(data), by=researcher)
    paths = {problem.path for problem in refused.value.problems}
    assert {"analysis_plan.alpha", "analysis_plan.covariates"} <= paths


def test_the_plan_pages_show_the_plan_and_the_admin_can_change_it(client, researcher, study):
    client.force_login(researcher)
    page = client.get(reverse("studies:analysis_plan", kwargs={"slug": study.slug}))
    assert page.status_code == 200
    assert "Holm step-down" in page.content.decode()
    printable = client.get(reverse("studies:analysis_plan_print", kwargs={"slug": study.slug}))
    assert "Statistical analysis plan" in printable.content.decode()
    url = reverse("studies:analysis_plan_edit", kwargs={"slug": study.slug})
    response = client.post(
        url,
        {
            "primary_forecast": "last",
            "secondary_outcomes": ["log_score", "auc"],
            "estimand": "these",
            "covariates": ["baseline_brier"],
            "multiplicity": "dunnett",
            "analysis_set": "itt",
            "missing_baseline": "exclude",
            "alpha": "0.05",
            "bootstrap_replicates": "1000",
            "seed": "3",
            "notes": "",
            "reason": "",
        },
    )
    assert response.status_code == 302
    plan = selectors.analysis_plan_current(study=study)[1]
    assert plan["multiplicity"] == "dunnett" and plan["missing_baseline"] == "exclude"
    assert plan["secondary_outcomes"] == ["log_score", "auc"]


def test_a_draft_study_plan_can_be_changed_freely(researcher):
    study = build_study(by=researcher, status="draft")
    services.analysis_plan_save(study=study, by=researcher, alpha=0.1)
    assert study.design_versions.count() == 1
