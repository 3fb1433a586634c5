"""The YAML design file: export then import reproduces the study; problems name the path."""

import pytest
import yaml
from casecast.studies import design_yaml, services
from casecast.studies.models import Study
from django.urls import reverse

from tests.fixtures_studies import build_study


def _design(study):
    return {
        "arms": list(
            study.arms.values_list(
                "key", "name", "ratio", "is_control", "feedback_policies", "training_module"
            )
        ),
        "councils": list(study.councils.values_list("name", "region")),
        "phases": list(study.phases.values_list("position", "name", "randomise_before")),
        "baseline": list(study.baseline_questions.values_list("key", "kind", "choices")),
        "eligibility": list(study.eligibility_questions.values_list("text", "eligible_answer")),
        "consent": study.consent_versions.last().text,
        "scheme": study.design_versions.values_list(
            "scheme", "unit", "strata", "block_multiples", "minimisation_probability"
        ).last(),
    }


def test_export_then_import_reproduces_the_design_as_a_new_draft(researcher, study):
    services.eligibility_question_save(study=study, by=researcher, text="Qualified?")
    text = design_yaml.design_export(study=study)
    copy = design_yaml.design_import(text=text, by=researcher)
    assert copy.slug != study.slug
    assert copy.status == Study.Status.DRAFT
    assert _design(copy) == _design(study)
    assert copy.allocation_seed != study.allocation_seed


def test_export_is_versioned_and_holds_no_secrets_or_codes(study):
    text = design_yaml.design_export(study=study)
    assert yaml.safe_load(text)["casecast_design"] == 1
    assert study.allocation_seed not in text and study.pseudonym_key not in text
    for council in study.councils.all():
        assert council.enrolment_code not in text


def test_problems_name_the_path_and_nothing_is_created(researcher, study):
    data = yaml.safe_load(design_yaml.design_export(study=study))
    data["arms"][1]["ratio"] = 0
    data["arms"][0]["feedback_policies"] = ["hindsight"]
    data["randomisation"]["strata"] = ["shoe_size"]
    data["phases"][0]["name"] = ""
    before = Study.objects.count()
    with pytest.raises(design_yaml.DesignFileError) as error:
        design_yaml.design_import(text=yaml.safe_dump(data), by=researcher)
    paths = {problem.path for problem in error.value.problems}
    assert {
        "arms[1].ratio",
        "arms[0].feedback_policies",
        "randomisation.strata[0]",
        "phases[0].name",
    } <= paths
    assert Study.objects.count() == before


def test_wrong_format_version_is_refused(researcher):
    with pytest.raises(design_yaml.DesignFileError, match="casecast_design"):
        design_yaml.design_import(text="casecast_design: 99\n", by=researcher)


def test_invalid_yaml_is_reported_with_a_line(researcher):
    with pytest.raises(design_yaml.DesignFileError, match="line"):
        design_yaml.design_import(text="casecast_design: 1\narms: [\n", by=researcher)


def test_import_is_atomic_when_a_late_step_fails(researcher, study, monkeypatch):
    text = design_yaml.design_export(study=study)
    before = Study.objects.count()

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "consent_save", broken)
    with pytest.raises(RuntimeError):
        design_yaml.design_import(text=text, by=researcher)
    assert Study.objects.count() == before


def test_cluster_minimisation_design_round_trips(researcher):
    study = build_study(
        by=researcher,
        title="Cluster min",
        unit="council",
        scheme="minimisation",
        strata=("region",),
        status="draft",
    )
    copy = design_yaml.design_import(text=design_yaml.design_export(study=study), by=researcher)
    version = copy.design_versions.get()
    assert (version.unit, version.scheme, version.strata) == ("council", "minimisation", ["region"])


def test_download_and_upload_pages(client, researcher, study):
    client.force_login(researcher)
    response = client.get(reverse("studies:design_download", args=[study.slug]))
    assert response["Content-Disposition"].endswith('-design.yaml"')
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("design.yaml", response.content, content_type="application/yaml")
    response = client.post(reverse("studies:design_import"), {"file": upload})
    copy = Study.objects.exclude(pk=study.pk).get()
    assert response.url == reverse("studies:detail", args=[copy.slug])


def test_upload_page_lists_every_problem(client, researcher):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(researcher)
    upload = SimpleUploadedFile("design.yaml", b"casecast_design: 1\narms: []\n")
    page = client.post(reverse("studies:design_import"), {"file": upload}).content.decode()
    assert "Nothing was imported" in page
    assert "a trial needs at least two arms" in page
    assert "study.title" in page


def test_a_judgement_profile_travels_in_the_design_file_but_never_on_the_control_arm(
    researcher, study
):
    data = yaml.safe_load(design_yaml.design_export(study=study))
    treated = next(i for i, arm in enumerate(data["arms"]) if not arm.get("is_control"))
    data["arms"][treated]["feedback_policies"] = ["outcome", "profile"]
    copy = design_yaml.design_import(text=yaml.safe_dump(data), by=researcher)
    key = data["arms"][treated]["key"]
    assert copy.arms.get(key=key).feedback_policies == ["outcome", "profile"]
    assert "- profile" in design_yaml.design_export(study=Study.objects.get(pk=copy.pk))

    control = next(i for i, arm in enumerate(data["arms"]) if arm.get("is_control"))
    data["arms"][control]["feedback_policies"] = ["profile"]
    before = Study.objects.count()
    with pytest.raises(design_yaml.DesignFileError) as error:
        design_yaml.design_import(text=yaml.safe_dump(data), by=researcher)
    assert f"arms[{control}].feedback_policies" in {p.path for p in error.value.problems}
    assert Study.objects.count() == before


def test_a_freshly_imported_study_exports_again_without_reloading(researcher, study):
    """A design file without `outcome_release` gets the default as a plain value, so the
    study object `design_import` returns can be exported at once (YAML has no enums)."""
    data = yaml.safe_load(design_yaml.design_export(study=study))
    del data["study"]["outcome_release"]
    copy = design_yaml.design_import(text=yaml.safe_dump(data), by=researcher)
    again = yaml.safe_load(design_yaml.design_export(study=copy))
    assert again["study"]["outcome_release"] == Study.OutcomeRelease.AFTER_PHASE.value
