"""The report's numbers, its JSON, its cache and its task."""

from __future__ import annotations

import io
import json
from datetime import date

import numpy as np
import pytest
import statsmodels.api as sm
from casecast.analysis import analyse
from casecast.reports import document, jobs, services
from casecast.reports.models import TrialReport
from casecast.reports.selectors import report_inputs
from casecast.resolution import services as resolution_services
from casecast.resolution.models import ForecastScore
from casecast.resolution.outcomes import Outcome
from casecast.studies import services as study_services
from casecast.studies.analysis_plan import DEFAULTS
from casecast.studies.models import Participant, StudyMembership
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.sign_in import sign_in

KEYS = {
    "stamp", "sap", "consort", "table1", "arms", "primary", "sensitivity", "secondary", "icc",
    "calibration_by_arm",
}  # fmt: skip
# The demo study recruits and so is blinded: arm-level numbers are read as the DMC.
DMC = "dmc"
INSIGHT_KEYS = {"calibration", "questions", "noise", "thresholds", "updating"}


def _arm_of(study):
    return {arm.pk: arm.name for arm in study.arms.all()}


def _design(study, inputs, rows):
    """Intercept, one dummy per non-control arm (control first), baseline Brier: built here
    from the arrays, not by the report."""
    arms = [a for a in inputs.arms if (inputs.arm[rows] == a).any()]
    X = np.column_stack(
        [np.ones(rows.shape[0])]
        + [(inputs.arm[rows] == a).astype(float) for a in arms[1:]]
        + [inputs.baseline_brier[rows]]
    )
    return arms, X


def test_the_primary_comparison_equals_statsmodels_ols_with_hc2(demo, researcher):
    study_services.analysis_plan_save(
        study=demo, by=researcher, covariates=["baseline_brier"], reason="Test: one covariate"
    )
    doc = services.study_report_json(study=demo, role=DMC)
    _, plan = jobs.analysis_plan_current(study=demo)
    inputs = report_inputs(study=demo, plan=plan)
    rows = np.flatnonzero(np.isfinite(inputs.outcome) & np.isfinite(inputs.baseline_brier))
    assert len(rows) == len(inputs.participant), "every demo participant has both"
    arms, X = _design(demo, inputs, rows)
    fit = sm.OLS(inputs.outcome[rows], X).fit(cov_type="HC2")
    names = _arm_of(demo)
    effects = {e["arm"]: e for e in doc["primary"]["effects"]}
    assert len(effects) == len(arms) - 1 == 3
    for j, arm in enumerate(arms[1:], start=1):
        effect = effects[names[arm]]
        assert effect["difference"] == pytest.approx(fit.params[j], abs=1e-9)
        assert effect["se"] == pytest.approx(fit.bse[j], rel=1e-8)
        mine = inputs.outcome[rows][inputs.arm[rows] == arm]
        assert effect["n"] == mine.shape[0]
        assert effect["mean"] == pytest.approx(mine.mean(), abs=1e-12)
        assert effect["sd"] == pytest.approx(mine.std(ddof=1), abs=1e-12)
    # The unadjusted sensitivity analysis is the difference of the raw means.
    control = inputs.outcome[rows][inputs.arm[rows] == arms[0]].mean()
    unadjusted = {e["arm"]: e for e in doc["sensitivity"][0]["effects"]}
    for arm in arms[1:]:
        raw = inputs.outcome[rows][inputs.arm[rows] == arm].mean() - control
        assert unadjusted[names[arm]]["difference"] == pytest.approx(raw, abs=1e-12)


def test_p_values_and_the_bootstrap_equal_calling_the_engine_directly(demo):
    doc = services.study_report_json(study=demo, role=DMC)
    _, plan = jobs.analysis_plan_current(study=demo)
    inputs = report_inputs(study=demo, plan=plan)
    assert plan == DEFAULTS
    codes = np.array([inputs.arms.index(a) for a in inputs.arm], dtype=np.intp)
    councils = sorted(set(inputs.factors["council"]))
    covariates = {"baseline_brier": inputs.baseline_brier}
    for name in councils[1:]:
        column = np.array([c == name for c in inputs.factors["council"]], dtype=float)
        if column.any():
            covariates[f"council={name}"] = column
    direct = analyse(
        inputs.outcome, codes, covariates, question_matrix=inputs.brier,
        question_outcome=inputs.question_outcome, n_boot=1000, seed=1, mixed=False,
    )  # fmt: skip
    for mine, theirs in zip(doc["primary"]["effects"], direct.effects, strict=True):
        assert mine["difference"] == pytest.approx(theirs.difference, abs=1e-10)
        assert mine["p"] == pytest.approx(theirs.p, rel=1e-9)
        assert mine["p_adjusted"] == pytest.approx(theirs.p_adjusted, rel=1e-9)
        assert mine["hedges_g"] == pytest.approx(theirs.hedges_g, rel=1e-9)
    like = next(s for s in doc["sensitivity"] if s["key"] == "like_these")
    assert direct.vignettes_like_these is not None
    for row, se in zip(like["effects"], direct.vignettes_like_these.se, strict=True):
        assert row["se"] == pytest.approx(se, rel=1e-9)


def test_consort_analysed_counts_are_the_tables_n(demo):
    doc = services.study_report_json(study=demo, role=DMC)
    analysed = {arm["arm"]: arm["analysed"] for arm in doc["consort"]["arms"]}
    assert analysed == {arm["label"]: arm["n"] for arm in doc["arms"]}
    control = doc["primary"]["control"]
    assert analysed[control["arm"]] == control["n"]
    for effect in doc["primary"]["effects"]:
        assert analysed[effect["arm"]] == effect["n"]
    table1 = doc["table1"][0]
    assert {c["group"]: c["n"] + c["missing"] for c in table1["cells"]} == {
        "All participants": sum(analysed.values()),
        **analysed,
    }
    randomised = Participant.objects.filter(study=demo, arm__isnull=False).count()
    assert doc["consort"]["totals"]["randomised"] == randomised


def test_table1_counts_equal_the_baseline_answers(demo):
    doc = services.study_report_json(study=demo, role=DMC)
    names = _arm_of(demo)
    for row in doc["table1"][1:]:
        if row["kind"] != "choice":
            continue
        for cell in row["cells"]:
            people = Participant.objects.filter(study=demo, arm__isnull=False)
            if cell["group"] != "All participants":
                people = people.filter(arm__name=cell["group"])
            answers = [p.baseline.get(row["key"]) for p in people]
            for level, count in cell["levels"].items():
                assert count == answers.count(level), (row["key"], cell["group"], level)
        assert set(names.values()) < {c["group"] for c in row["cells"]}


def _json(slug: str) -> str:
    out = io.StringIO()
    call_command("analyse_study", slug, "--json", stdout=out)
    return out.getvalue()


def test_analyse_study_json_is_identical_on_a_rerun_and_from_a_fresh_computation(demo):
    first = _json(demo.slug)
    assert _json(demo.slug) == first
    TrialReport.objects.all().delete()
    cache.clear()  # the judgement insights are cached too: recompute them as well
    assert _json(demo.slug) == first
    data = json.loads(first)
    assert set(data) == KEYS | INSIGHT_KEYS
    assert data["calibration"] and data["noise"] and data["updating"]
    assert data["stamp"]["sap_version"] == 1 and len(data["stamp"]["input_hash"]) == 64
    assert data["icc"]["icc"] is not None and 0 <= data["icc"]["icc"] <= 1
    assert "Z" not in data["stamp"] and "finished_at" not in first


def test_the_command_refuses_an_unknown_study_and_names_a_failed_analysis(study):
    with pytest.raises(CommandError, match="No study"):
        call_command("analyse_study", "no-such-study", "--json")
    with pytest.raises(CommandError, match="could not run"):
        call_command("analyse_study", study.slug, "--json")


def test_the_report_is_cached_until_a_score_an_outcome_or_the_plan_changes(
    demo, researcher, django_capture_on_commit_callbacks
):
    first, _ = services.report_request(study=demo)
    again, _ = services.report_request(study=demo)
    assert again.pk == first.pk and first.status == "done"
    assert TrialReport.objects.filter(study=demo).count() == 1

    score = ForecastScore.objects.filter(study=demo, brier__isnull=False).first()
    ForecastScore.objects.filter(pk=score.pk).update(brier=score.brier / 2)
    after_score, _ = services.report_request(study=demo)
    assert after_score.pk != first.pk and after_score.input_hash != first.input_hash

    question = score.question
    outcome = Outcome(binary=not question.outcome_binary)
    with django_capture_on_commit_callbacks(execute=True):  # the rescore task
        resolution_services.question_correct(
            question=question, outcome=outcome, known_at=date(2026, 1, 5), source="Test",
            by=researcher, reason="Recorded the wrong way round",
        )  # fmt: skip
    after_outcome, _ = services.report_request(study=demo)
    assert after_outcome.pk not in (first.pk, after_score.pk)

    study_services.analysis_plan_save(study=demo, by=researcher, alpha=0.01, reason="Stricter")
    after_plan, plan = services.report_request(study=demo)
    assert after_plan.pk not in (first.pk, after_score.pk, after_outcome.pk)
    assert after_plan.sap_version == 2 and plan["alpha"] == 0.01
    assert TrialReport.objects.filter(study=demo).count() == 4


def test_the_task_computes_a_queued_report_and_the_progress_endpoint_reports_it(
    demo, client, researcher
):
    from tasks.reports import build_report

    TrialReport.objects.all().delete()
    prepared = jobs.report_prepare(study=demo)
    row, created = jobs.report_row(study=demo, prepared=prepared)
    assert created and row.status == "queued"
    sign_in(client, researcher)
    url = reverse("reports:status", kwargs={"slug": demo.slug})
    assert client.get(url).json()["status"] == "queued"
    build_report.apply(args=[row.pk]).get()
    status = client.get(url).json()
    assert status["status"] == "done" and status["percent"] == 100
    row.refresh_from_db()
    assert row.result["primary"]["effects"]
    build_report.apply(args=[row.pk]).get()  # a duplicate leaves it alone
    assert TrialReport.objects.get(pk=row.pk).result == row.result


def test_a_report_queued_before_the_data_changed_fails_and_asks_to_reload(demo):
    TrialReport.objects.all().delete()
    row, _ = jobs.report_row(study=demo, prepared=jobs.report_prepare(study=demo))
    score = ForecastScore.objects.filter(study=demo, brier__isnull=False).first()
    ForecastScore.objects.filter(pk=score.pk).update(brier=0.0)
    jobs.report_build(report_id=row.pk)
    row.refresh_from_db()
    assert row.status == "failed" and "changed meanwhile" in row.error


def test_while_blinded_every_arm_is_pooled_and_no_difference_is_shown(demo, monkeypatch):
    monkeypatch.setattr(document, "is_blinded", lambda **kwargs: True)
    doc = services.study_report_json(study=demo, role="analyst")
    text = json.dumps(doc)
    for arm in demo.arms.all():
        assert arm.name not in text
    assert doc["primary"]["effects"] == [] and "control" not in doc["primary"]
    assert doc["sensitivity"] == [] and doc["consort"]["arms"] == []
    assert [a["label"] for a in doc["arms"]] == ["All participants"]
    assert all(s["effects"] == [] and s["arms"] == [] for s in doc["secondary"])
    assert [c["group"] for c in doc["calibration_by_arm"]] == ["All participants"]
    assert doc["arms"][0]["n"] == doc["consort"]["totals"]["analysed"]


def test_the_results_address_leads_to_the_report_page(demo, client, django_user_model):
    # The demo study recruits, so it is blinded: the data monitoring committee sees arms.
    dmc = django_user_model.objects.create_user(email="dmc-member@example.org", password="x" * 12)
    StudyMembership.objects.create(study=demo, user=dmc, role=DMC)
    sign_in(client, dmc)
    response = client.get(reverse("resolution:results", kwargs={"slug": demo.slug}))
    url = reverse("reports:report", kwargs={"slug": demo.slug})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    doc = services.study_report_json(study=demo, role=DMC)
    headings = ("CONSORT flow", "Table 1", "Primary outcome", "Forest plot",
                "Sensitivity analyses", "Secondary outcomes", "Calibration by arm")  # fmt: skip
    for heading in headings:
        assert heading in page, heading
    assert doc["stamp"]["input_hash"] in page
    first = doc["primary"]["effects"][0]
    assert f"{first['difference']:.3f}".replace("-", "−") in page
    assert 'id="package-format-dta"' in page, "the download form stays on the page"


def test_a_study_without_data_shows_why_there_is_no_report(
    study, client, researcher, django_capture_on_commit_callbacks
):
    sign_in(client, researcher)
    url = reverse("reports:report", kwargs={"slug": study.slug})
    with django_capture_on_commit_callbacks(execute=False) as queued:
        waiting = client.get(url).content.decode()
    assert "<progress" in waiting and len(queued) == 1, "the first visit queues the task"
    queued[0]()  # the transaction commits: the (eager) task runs
    page = client.get(url).content.decode()
    assert "could not be computed" in page
    assert "every arm needs at least two analysed participants" in page
    assert "the arms have 0, 0 (control first)" in page
    assert TrialReport.objects.get(study=study).status == "failed"


@pytest.mark.parametrize(
    ("change", "check"),
    [
        ({"estimand": "like_these"}, lambda d: d["primary"]["method"] == "two-way bootstrap"),
        ({"multiplicity": "dunnett"}, lambda d: d["primary"]["multiplicity"] == "dunnett"),
        (
            {"analysis_set": "per_protocol"},
            lambda d: d["consort"]["totals"]["analysed"] == d["consort"]["totals"]["per_protocol"],
        ),
        (
            {"covariates": [], "secondary_outcomes": ["auc"]},
            lambda d: (
                d["primary"]["covariates"] == [] and [s["key"] for s in d["secondary"]] == ["auc"]
            ),
        ),
    ],
)
def test_the_report_follows_the_plan(demo, researcher, change, check):
    study_services.analysis_plan_save(study=demo, by=researcher, reason="Test", **change)
    doc = services.study_report_json(study=demo, role=DMC)
    assert doc["stamp"]["sap_version"] == 2 and doc["sap"] == {**DEFAULTS, **change}
    assert check(doc)
    if change.get("estimand") == "like_these":
        # the primary interval is the bootstrap's; participant-level is now the sensitivity
        these = next(s for s in doc["sensitivity"] if s["key"] == "these")
        assert these["effects"][0]["se"] != doc["primary"]["effects"][0]["se"]


def test_the_study_team_sees_the_report_pooled_while_the_trial_is_blinded(demo, client, researcher):
    """The demo study recruits, so it is blinded for its administrator: one pooled row,
    no comparison, no arm named (the page used to fail without a control row)."""
    sign_in(client, researcher)
    page = client.get(reverse("reports:report", kwargs={"slug": demo.slug})).content.decode()
    assert "all arms are pooled" in page
    assert "Forest plot" not in page
    for name in demo.arms.values_list("name", flat=True):
        assert name not in page


def test_the_command_pools_a_blinded_trial_unless_its_committee_asks_to_unblind_audited(
    demo, researcher, django_user_model
):
    from casecast.audit.models import AuditEvent

    blinded = json.loads(_json(demo.slug))
    assert blinded["primary"]["effects"] == [] and blinded["stamp"]["blinded"]
    member = django_user_model.objects.create_user(email="dmc-cli@example.org", password="x" * 12)
    StudyMembership.objects.create(study=demo, user=member, role=StudyMembership.Role.DMC)
    out = io.StringIO()
    call_command(
        "analyse_study", demo.slug, "--json", "--unblinded", "--user", member.email, stdout=out
    )
    unblinded = json.loads(out.getvalue())
    assert len(unblinded["primary"]["effects"]) == demo.arms.count() - 1
    event = AuditEvent.objects.get(action="report.unblinded_command", study_id=demo.pk)
    assert event.actor_id == member.pk


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--unblinded"], "needs --user EMAIL"),
        (["--unblinded", "--user", "nobody@example.org"], "No account with the email"),
        (["--unblinded", "--user", "RESEARCHER"], "not on the data monitoring committee"),
        (["--user", "RESEARCHER"], "only used with --unblinded"),
    ],
)
def test_the_command_refuses_unblinding_to_anyone_off_the_committee(
    demo, researcher, extra, message
):
    from casecast.audit.models import AuditEvent

    extra = [researcher.email if part == "RESEARCHER" else part for part in extra]
    with pytest.raises(CommandError, match=message):
        call_command("analyse_study", demo.slug, "--json", *extra, stdout=io.StringIO())
    assert not AuditEvent.objects.filter(action="report.unblinded_command").exists()


def test_a_switched_off_committee_account_cannot_unblind_and_the_os_user_is_recorded(
    demo, django_user_model
):
    import getpass

    from casecast.audit.models import AuditEvent

    member = django_user_model.objects.create_user(email="dmc-off@example.org", password="x" * 12)
    StudyMembership.objects.create(study=demo, user=member, role=StudyMembership.Role.DMC)
    args = ("analyse_study", demo.slug, "--json", "--unblinded", "--user", member.email)
    member.is_active = False
    member.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="switched off"):
        call_command(*args, stdout=io.StringIO())
    member.is_active = True
    member.save(update_fields=["is_active"])
    call_command(*args, stdout=io.StringIO())
    event = AuditEvent.objects.get(action="report.unblinded_command", study_id=demo.pk)
    assert event.data["via"] == f"command line ({getpass.getuser()})"
