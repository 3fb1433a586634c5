"""The pseudonymised exports: scores, every answer, participants, and their data dictionary.

Expected values are worked out here from the answers the tests create (Brier = (p - y)²),
never read back from the code under test.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from statistics import mean

import pytest
from casecast.audit.models import AuditEvent
from casecast.forecasts.models import Assignment, Forecast, StageVisit
from casecast.resolution import exports
from casecast.resolution.models import ArmSummary
from casecast.resolution.outcomes import Outcome
from casecast.resolution.scoring_pipeline import score_questions
from casecast.studies.models import Participant, Study
from casecast.vignettes.models import Question
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.fixtures_studies import BASELINE_ANSWERS, create_participant
from tests.resolution.test_pipeline import resolve_quietly

pytestmark = pytest.mark.django_db

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
DECISIONS = ["No further action", "Early help", "Child protection plan"]
REASONING = "=SUM(A1) looked risky\nSecond line"


def url(name: str, study) -> str:
    return reverse(f"resolution:{name}", kwargs={"slug": study.slug})


def download(client, name: str, study, include_reasoning: bool = False) -> list[dict[str, str]]:
    response = client.get(
        url(name, study), {"include_reasoning": "on"} if include_reasoning else {}
    )
    assert response.status_code == 200
    assert response.streaming, "exports are streamed, not built in memory"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert not body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body)))


def hmac_hex(study, kind: str, pk: int) -> str:
    return hmac.new(
        study.pseudonym_key.encode(), f"{kind}:{pk}".encode(), hashlib.sha256
    ).hexdigest()


@dataclass
class Trial:
    """What the tests wrote, to check the files against."""

    forecasts: dict[str, Forecast]
    decision: Question
    rationale: Question
    viewed_at: object
    submitted_at: object


def extra_questions(casebook) -> tuple[Question, Question]:
    stage = casebook.q("rereferral").stage
    version = stage.version
    decision = Question.objects.create(
        version=version,
        stage=stage,
        key="decision",
        position=10,
        kind=Question.Kind.DECISION,
        text="What would you do?",
        options=DECISIONS,
    )
    rationale = Question.objects.create(
        version=version,
        stage=stage,
        key="why",
        position=11,
        kind=Question.Kind.RATIONALE,
        text="Why?",
        required=False,
    )
    return decision, rationale


def run_trial(casebook, people, close: bool = True) -> Trial:
    """Two arms of two. Yes/no 'rereferral' happened (y = 1). Primary Briers by hand:
    ann 80% -> 0.04 (her 30% was updated), ben 66% -> 0.1156, cat 90% -> 0.01 (her retest
    at 20% is left out), dan 55% on version 2 -> 0.2025. Baseline-phase answers (10%)
    are counted but not primary."""
    q, q2 = casebook.q("rereferral"), casebook.q("rereferral", 2)
    decision, rationale = extra_questions(casebook)
    f: dict[str, Forecast] = {}
    for name in people:
        f[f"{name}-baseline"] = casebook.answer(
            people[name], q, phase=casebook.baseline, probability_pct=10
        )
    f["ann-first"] = casebook.answer(people["ann"], q, probability_pct=30)
    f["ann-last"] = casebook.answer(people["ann"], q, probability_pct=80)
    f["ben"] = casebook.answer(people["ben"], q, probability_pct=66)
    f["cat"] = casebook.answer(people["cat"], q, probability_pct=90)
    f["cat-retest"] = casebook.answer(people["cat"], q, retest=True, probability_pct=20)
    f["dan"] = casebook.answer(people["dan"], q2, probability_pct=55)
    f["ann-plan"] = casebook.answer(
        people["ann"], casebook.q("plan"), probabilities_pct=[20, 30, 50]
    )
    f["ann-severity"] = casebook.answer(
        people["ann"], casebook.q("severity"), probabilities_pct=[60, 30, 10]
    )
    f["ann-visits"] = casebook.answer(
        people["ann"], casebook.q("visits"), lower=1.5, median=3, upper=8
    )
    f["ann-decision"] = casebook.answer(people["ann"], decision, decision=1, decision_confidence=4)
    f["ann-why"] = casebook.answer(people["ann"], rationale, rationale=REASONING)
    # Ann's after-randomisation case: shown, submitted 95 s later, complete.
    assignment = f["ann-last"].assignment
    viewed = timezone.now() - timedelta(minutes=10)
    submitted = viewed + timedelta(seconds=95)
    visit = StageVisit.objects.create(assignment=assignment, stage=q.stage, submitted_at=submitted)
    StageVisit.objects.filter(pk=visit.pk).update(first_viewed_at=viewed)
    Assignment.objects.filter(pk=assignment.pk).update(started_at=viewed, completed_at=submitted)
    ids = resolve_quietly(q, Outcome(binary=True))
    ids += resolve_quietly(casebook.q("plan"), Outcome(category=2))
    ids += resolve_quietly(casebook.q("visits"), Outcome(numeric=4))
    score_questions(question_ids=ids)
    if close:
        close_study(casebook)
    return Trial(f, decision, rationale, viewed, submitted)


def close_study(casebook, *, unblind: bool = True) -> None:
    """Arms appear in the exports only once the study has closed (allocation concealment),
    and by key only once it is unblinded (codes before: tests/studies/test_blinding.py).
    Data lock comes with unblinding (a constraint), so outcomes are recorded before."""
    now = timezone.now() if unblind else None
    Study.objects.filter(pk=casebook.study.pk).update(
        status=Study.Status.CLOSED, data_locked_at=now, unblinded_at=now
    )
    casebook.study.refresh_from_db()


HAND_PRIMARY = {"ann": 0.04, "ben": 0.1156, "cat": 0.01, "dan": 0.2025}


def test_each_arms_mean_primary_brier_is_reproduced_from_the_csv_by_one_column(
    client, casebook, people, study_analyst, django_capture_on_commit_callbacks
):
    run_trial(casebook, people)
    client.force_login(study_analyst)
    rows = download(client, "export_scores", casebook.study)
    by_person: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in rows:
        if row["primary"] == "1":
            by_person[(row["arm"], row["pseudonym"])].append(float(row["brier"]))
    by_arm: dict[str, list[float]] = defaultdict(list)
    for (arm, _), briers in by_person.items():
        by_arm[arm].append(mean(briers))
    study = casebook.study
    for arm_key, names in (("control", ("ann", "ben")), ("feedback", ("cat", "dan"))):
        summary = ArmSummary.objects.get(arm__study=study, arm__key=arm_key)
        expected = mean(HAND_PRIMARY[n] for n in names)
        assert mean(by_arm[arm_key]) == pytest.approx(expected, abs=1e-12)
        assert summary.mean_brier == pytest.approx(mean(by_arm[arm_key]), abs=1e-12)
        assert summary.n_participants == len(by_arm[arm_key]) == 2
        primary_rows = [r for r in rows if r["primary"] == "1" and r["arm"] == arm_key]
        assert summary.n_forecasts == len(primary_rows) == 2
    results = reverse("resolution:results", kwargs={"slug": study.slug})
    with django_capture_on_commit_callbacks(execute=True):  # the trial report's task
        client.get(results, follow=True)
    page = client.get(results, follow=True).content.decode()
    assert f"{mean(by_arm['control']):.3f}" in page  # 0.078
    assert f"{mean(by_arm['feedback']):.3f}" in page  # 0.106


def test_counted_rows_before_randomisation_are_not_primary(client, casebook, people, study_analyst):
    trial = run_trial(casebook, people)
    client.force_login(study_analyst)
    rows = {int(r["forecast_id"]): r for r in download(client, "export_scores", casebook.study)}
    baseline = rows[trial.forecasts["ann-baseline"].pk]
    assert (baseline["after_randomisation"], baseline["counted"], baseline["primary"]) == (
        "0",
        "1",
        "0",
    )
    first, last = rows[trial.forecasts["ann-first"].pk], rows[trial.forecasts["ann-last"].pk]
    assert (first["is_last"], first["counted"], first["primary"]) == ("0", "0", "0")
    assert (last["is_last"], last["counted"], last["primary"]) == ("1", "1", "1")
    retest = rows[trial.forecasts["cat-retest"].pk]
    assert (retest["is_retest"], retest["counted"], retest["primary"]) == ("1", "0", "0")
    plan = rows[trial.forecasts["ann-plan"].pk]
    assert (plan["counted"], plan["primary"]) == ("1", "0")  # not a yes/no question


def test_scores_are_written_cleanly_with_1_based_options_and_whole_second_utc_times(
    client, casebook, people, study_analyst
):
    trial = run_trial(casebook, people)
    client.force_login(study_analyst)
    rows = {int(r["forecast_id"]): r for r in download(client, "export_scores", casebook.study)}
    ben = rows[trial.forecasts["ben"].pk]
    # (1 - 0.66)² = 0.1156, which repr() writes as 0.11559999999999998.
    assert ben["brier"] == "0.1156" and ben["probability"] == "0.66" and ben["outcome"] == "1"
    plan = rows[trial.forecasts["ann-plan"].pk]
    assert plan["outcome"] == "3"  # 'Child protection', the third option
    assert plan["probabilities"] == "0.2;0.3;0.5"
    # Multi-category Brier: (0.2² + 0.3² + (1 - 0.5)²) = 0.38
    assert plan["brier_multi"] == "0.38"
    assert plan["brier"] == ""  # a column holds one scale: yes/no Brier only
    visits = rows[trial.forecasts["ann-visits"].pk]
    assert (visits["lower"], visits["median"], visits["upper"], visits["outcome"]) == (
        "1.5",
        "3",
        "8",
        "4",
    )
    for row in rows.values():
        assert TIME.match(row["submitted_at"]) and TIME.match(row["scored_at"])
        for column in ("brier", "log_score", "spherical", "rps", "interval_score", "wis"):
            value = row[column]
            assert value == "" or len(value.split(".")[-1]) <= 12, (column, value)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (0.4355999999999999, "0.4356"),
        (1 / 3, "0.333333333333"),
        (2.0, "2"),
        (-0.0, "0"),
        (1e-05, "1e-05"),
        (1234.5, "1234.5"),
        (float("nan"), ""),
        (float("inf"), ""),
    ],
)
def test_numbers_are_rounded_to_12_places_and_read_back(value, written):
    assert exports.number_cell(value) == written
    if written:
        assert float(written) == round(value, 12)


def test_the_forecasts_export_has_every_answer_with_its_flags_and_timings(
    client, casebook, people, study_analyst
):
    trial = run_trial(casebook, people)
    client.force_login(study_analyst)
    rows = {
        int(r["forecast_id"]): r
        for r in download(client, "export_forecasts", casebook.study, include_reasoning=True)
    }
    assert set(rows) == {f.pk for f in trial.forecasts.values()}  # 17 answers, scored or not
    study = casebook.study
    decision = rows[trial.forecasts["ann-decision"].pk]
    assert decision["kind"] == "decision"
    assert (decision["decision"], decision["decision_label"]) == ("2", "Early help")
    assert decision["decision_confidence"] == "4"
    assert decision["scored"] == "0" and decision["probability"] == ""
    why = rows[trial.forecasts["ann-why"].pk]
    assert why["rationale"] == "'" + REASONING  # kept whole, never a spreadsheet formula
    severity = rows[trial.forecasts["ann-severity"].pk]
    assert (severity["scored"], severity["probabilities"]) == ("0", "0.6;0.3;0.1")
    last = rows[trial.forecasts["ann-last"].pk]
    assert last["pseudonym"] == hmac_hex(study, "participant", people["ann"].pk)
    assert last["council"] == hmac_hex(study, "council", people["ann"].council_id)
    assert (last["arm"], last["vignette"], last["question"], last["kind"]) == (
        "control",
        "referral",
        "rereferral",
        "binary",
    )
    assert (last["phase"], last["stage"], last["after_randomisation"]) == ("2", "1", "1")
    assert (last["is_last"], last["counted"], last["scored"], last["primary"]) == (
        "1",
        "1",
        "1",
        "1",
    )
    assert rows[trial.forecasts["ann-first"].pk]["is_last"] == "0"
    assert rows[trial.forecasts["cat-retest"].pk]["is_retest"] == "1"
    assert rows[trial.forecasts["dan"].pk]["vignette_version"] == "2"
    assert last["stage_viewed_at"] == trial.viewed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert last["stage_submitted_at"] == trial.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert last["stage_seconds"] == "95"
    for row in rows.values():
        assert TIME.match(row["submitted_at"])


def test_scores_and_forecasts_agree_on_the_flags_they_share(
    client, casebook, people, study_analyst
):
    run_trial(casebook, people)
    client.force_login(study_analyst)
    scores = {r["forecast_id"]: r for r in download(client, "export_scores", casebook.study)}
    answers = {r["forecast_id"]: r for r in download(client, "export_forecasts", casebook.study)}
    assert {k for k, r in answers.items() if r["scored"] == "1"} == set(scores)
    shared = ("pseudonym", "arm", "council", "phase", "after_randomisation", "is_last")
    for key, row in scores.items():
        for column in (*shared, "counted", "primary", "submitted_at"):
            assert answers[key][column] == row[column], (key, column)


def test_the_participants_export_has_baseline_answers_status_and_phase_progress(
    client, casebook, people, study_analyst
):
    run_trial(casebook, people, close=False)
    study = casebook.study
    waiting = create_participant(study=study, email="waiting@example.org", stage="consented")
    close_study(casebook)
    client.force_login(study_analyst)
    rows = {r["pseudonym"]: r for r in download(client, "export_participants", study)}
    assert len(rows) == Participant.objects.filter(study=study).count() == 5
    ann = rows[hmac_hex(study, "participant", people["ann"].pk)]
    for key, answer in BASELINE_ANSWERS.items():
        assert ann[f"baseline_{key}"] == answer
    assert (ann["arm"], ann["randomised"], ann["withdrawn"], ann["analysed"]) == (
        "control",
        "1",
        "0",
        "1",
    )
    assert TIME.match(ann["consented_at"]) and TIME.match(ann["randomised_at"])
    # Phase 1 (baseline): one case given, not finished. Phase 2: one case, done in 95 s.
    assert (ann["phase1_cases"], ann["phase1_cases_completed"], ann["phase1_completed"]) == (
        "1",
        "0",
        "0",
    )
    assert (ann["phase2_cases"], ann["phase2_completed"], ann["phase2_seconds"]) == ("1", "1", "95")
    assert TIME.match(ann["phase2_completed_at"]) and ann["phase1_completed_at"] == ""
    other = rows[hmac_hex(study, "participant", waiting.pk)]
    assert (other["consented"], other["baseline_done"], other["randomised"], other["arm"]) == (
        "1",
        "0",
        "0",
        "",
    )
    assert other["phase1_cases"] == "0" and other["phase1_completed"] == ""


def test_people_who_withdrew_without_keeping_their_data_have_no_data_rows(
    client, casebook, people, study_analyst
):
    study = casebook.study
    q = casebook.q("rereferral")
    eve = create_participant(study=study, email="eve@example.org", arm="control")
    casebook.answer(eve, q, probability_pct=50)
    casebook.answer(people["ann"], q, probability_pct=70)
    kept = casebook.answer(people["ben"], q, probability_pct=40)
    now = timezone.now()
    # Eve withdrew and took her data back (not erased yet); Ben withdrew but let it be used.
    Participant.objects.filter(pk=eve.pk).update(
        withdrawn_at=now, keep_data=False, status="withdrawn"
    )
    Participant.objects.filter(pk=people["ben"].pk).update(
        withdrawn_at=now, keep_data=True, status="withdrawn"
    )
    score_questions(question_ids=resolve_quietly(q, Outcome(binary=True)))
    close_study(casebook)
    client.force_login(study_analyst)
    eve_name = hmac_hex(study, "participant", eve.pk)
    ben_name = hmac_hex(study, "participant", people["ben"].pk)
    for export in ("export_scores", "export_forecasts"):
        names = {r["pseudonym"] for r in download(client, export, study)}
        assert eve_name not in names and ben_name in names
    assert kept.pk in {int(r["forecast_id"]) for r in download(client, "export_forecasts", study)}
    rows = {r["pseudonym"]: r for r in download(client, "export_participants", study)}
    eve_row, ben_row = rows[eve_name], rows[ben_name]
    assert (eve_row["withdrawn"], eve_row["keep_data"], eve_row["analysed"]) == ("1", "0", "0")
    assert eve_row["arm"] == "control" and TIME.match(eve_row["withdrawn_at"])
    answers = [f"baseline_{key}" for key in BASELINE_ANSWERS]
    assert all(eve_row[k] == "" for k in answers)
    assert all(v == "" for k, v in eve_row.items() if k.startswith("phase"))
    assert (ben_row["keep_data"], ben_row["analysed"]) == ("1", "1")
    assert ben_row["baseline_role"] == BASELINE_ANSWERS["role"]


def test_an_erased_participant_keeps_only_the_trial_process_columns(
    client, casebook, people, study_analyst
):
    from casecast.studies.services import participant_withdraw

    casebook.answer(people["dan"], casebook.q("rereferral"), probability_pct=50)
    participant_withdraw(participant=people["dan"], keep_data=False, by=None)
    close_study(casebook)
    client.force_login(study_analyst)
    study = casebook.study
    name = hmac_hex(study, "participant", people["dan"].pk)
    assert name not in {r["pseudonym"] for r in download(client, "export_forecasts", study)}
    row = {r["pseudonym"]: r for r in download(client, "export_participants", study)}[name]
    assert (row["erased"], row["analysed"], row["arm"]) == ("1", "0", "feedback")
    assert row["baseline_role"] == "" and row["phase2_cases"] == ""


def _queries(rows) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        count = sum(1 for _ in rows)
    return len(captured.captured_queries), count


def test_the_number_of_queries_does_not_grow_with_the_rows(casebook, people):
    study = casebook.study
    q = casebook.q("rereferral")
    casebook.answer(people["ann"], q, probability_pct=40)
    score_questions(question_ids=resolve_quietly(q, Outcome(binary=True)))
    small = {name: _queries(rows(study=study)) for name, (_, rows) in exports.EXPORTS.items()}
    for i in range(6):
        person = create_participant(study=study, email=f"more{i}@example.org", arm="feedback")
        for name in ("rereferral", "plan", "severity"):
            question = casebook.q(name)
            values = {"probability_pct": 60} if name == "rereferral" else {}
            if name != "rereferral":
                values = {"probabilities_pct": [30, 30, 40]}
            casebook.answer(person, question, **values)
    score_questions(question_ids=[q.pk, casebook.q("rereferral", 2).pk])
    large = {name: _queries(rows(study=study)) for name, (_, rows) in exports.EXPORTS.items()}
    for name in ("scores", "forecasts", "participants"):
        assert large[name][1] > small[name][1], name
    for name in exports.EXPORTS:  # questions, consort... do not gain rows, but may not query more
        assert large[name][0] == small[name][0], name


def test_the_dictionary_describes_every_column_of_every_file(client, casebook, people, researcher):
    run_trial(casebook, people)
    client.force_login(researcher)
    study = casebook.study
    dictionary = download(client, "export_dictionary", study)
    for name, export in (
        ("scores.csv", "export_scores"),
        ("forecasts.csv", "export_forecasts"),
        ("participants.csv", "export_participants"),
    ):
        # With reasoning text: the dictionary describes the column for when it is asked for.
        response = client.get(url(export, study), {"include_reasoning": "on"})
        header = next(csv.reader(io.StringIO(next(iter(response.streaming_content)).decode())))
        described = [row["column"] for row in dictionary if row["file"] == name]
        assert described == header, name
        assert all(row["description"] for row in dictionary if row["file"] == name)
    general = {
        row["column"]: row["description"] for row in dictionary if row["file"] == "all files"
    }
    assert "missing or not applicable" in general["(empty cell)"]
    assert "2026-11-26T15:20:42Z" in general["(times)"]
    assert "12 decimal places" in general["(numbers)"]
    assert "numbered from 1" in general["(options)"]
    assert "no rows" in general["(withdrawal)"]
    arm = next(row for row in dictionary if row["file"] == "scores.csv" and row["column"] == "arm")
    assert "control = Control (control)" in arm["description"]
    assert "feedback = Feedback" in arm["description"]
    outcome = next(
        row for row in dictionary if row["file"] == "scores.csv" and row["column"] == "outcome"
    )
    assert "from 1" in outcome["description"] and "from 0" not in outcome["description"]


def test_the_results_page_links_every_export_and_its_dictionary(client, casebook, study_analyst):
    client.force_login(study_analyst)
    page = client.get(url("results", casebook.study), follow=True).content.decode()
    for name in ("export_scores", "export_forecasts", "export_participants", "export_dictionary"):
        assert f'href="{url(name, casebook.study)}"' in page


def test_outsiders_cannot_download_any_export(client, casebook, outsider):
    client.force_login(outsider)
    for name in ("export_scores", "export_forecasts", "export_participants", "export_dictionary"):
        assert client.get(url(name, casebook.study)).status_code == 403


def test_every_export_names_a_participant_as_the_allocation_export_does(
    client, casebook, people, study_analyst
):
    from casecast.studies.design import pseudonym as allocation_pseudonym

    run_trial(casebook, people)
    client.force_login(study_analyst)
    study = casebook.study
    expected = {allocation_pseudonym(study=study, participant_id=p.pk) for p in people.values()}
    for name in ("export_scores", "export_forecasts", "export_participants"):
        assert {row["pseudonym"] for row in download(client, name, study)} == expected, name


def test_while_the_study_runs_no_export_shows_arms_or_allocation_times(
    client, casebook, people, researcher
):
    """Per-participant arms and randomisation times would let staff rebuild the
    allocation sequence; like the allocation list, they wait for the study to close."""
    run_trial(casebook, people, close=False)
    assert casebook.study.status != Study.Status.CLOSED
    client.force_login(researcher)
    for name in ("export_scores", "export_forecasts", "export_participants"):
        rows = download(client, name, casebook.study)
        assert rows, name
        assert {row["arm"] for row in rows} == {""}, name
        assert {row.get("randomised_at", "") for row in rows} == {""}, name
    participants = download(client, "export_participants", casebook.study)
    assert {row["randomised"] for row in participants} == {"1"}  # the fact, not the arm


def test_the_forecasts_download_leaves_reasoning_out_unless_asked_and_audits_the_choice(
    client, casebook, people, study_analyst
):
    trial = run_trial(casebook, people)
    client.force_login(study_analyst)
    plain = download(client, "export_forecasts", casebook.study)
    assert "rationale" not in plain[0]
    assert len(plain) == len(trial.forecasts)  # every answer is still there
    why = str(trial.forecasts["ann-why"].pk)
    included = download(client, "export_forecasts", casebook.study, include_reasoning=True)
    assert {r["forecast_id"]: r["rationale"] for r in included}[why] == "'" + REASONING
    events = AuditEvent.objects.filter(
        study_id=casebook.study.pk, action="exports.download", data__file="forecasts.csv"
    ).order_by("pk")
    assert [e.data["include_reasoning"] for e in events] == [False, True]
    assert {e.actor_id for e in events} == {study_analyst.pk}
