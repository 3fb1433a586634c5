"""Which forecasts the insights read, against a hand-listed expectation.

One small study is written answer by answer below; each test states, from that list
alone, which rows the selectors must return (final forecast per participant and
question, repeats apart, erased and withdrawn-without-data people left out, decisions
linked by `relates_to`, staged updates by `earlier`, questions merged across versions).
"""

from __future__ import annotations

import pytest
from casecast.judgement import selectors
from casecast.studies import services as study_services
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cases, make_worker):
    ann, ben, cat = make_worker("control", 0), make_worker("feedback", 1), make_worker("feedback")
    erased, gone, kept = make_worker(), make_worker(), make_worker("feedback")
    a = cases.case("a", staged=True, options=("No action", "Assessment", "Plan"), outcome=True)
    b = cases.case("b", options=("No action", "Act"), outcome=False)
    b2 = cases.case("b", options=("No action", "Act"), outcome=False, version=2)
    open_case = cases.case("c")  # no outcome yet
    # Case a: stage 1 then stage 2 (the update) and a decision on stage 2's question.
    cases.answer(ann, a.risk, pct=30, phase=cases.baseline)
    cases.answer(ann, a.risk, pct=40, phase=cases.baseline)  # replaces 30: final is 40
    cases.answer(ann, a.later, pct=70, phase=cases.baseline)
    cases.answer(ann, a.decision, decision=2, phase=cases.baseline)
    cases.answer(ben, a.risk, pct=60)
    cases.answer(ben, a.later, pct=50)
    cases.answer(ben, a.decision, decision=0)
    # Case b: ann on version 1, cat on version 2 (one question); ann repeats it.
    cases.answer(ann, b.risk, pct=20)
    cases.answer(ann, b.decision, decision=0)
    cases.answer(ann, b.risk, pct=35, retest=True)
    cases.answer(ann, b.decision, decision=1, retest=True)
    cases.answer(cat, b2.risk, pct=10)
    cases.answer(cat, open_case.risk, pct=55)
    # People whose data are not analysed, and one who withdrew but let it be kept.
    for person in (erased, gone, kept):
        cases.answer(person, open_case.risk, pct=99)
    study_services.participant_withdraw(participant=erased, keep_data=False, by=None)
    study_services.participant_withdraw(participant=gone, keep_data=False, by=None)
    study_services.participant_withdraw(participant=kept, keep_data=True, by=None)
    return {"ann": ann, "ben": ben, "cat": cat, "kept": kept, "cases": cases}


def _name(world, pk):
    return next(name for name, p in world.items() if getattr(p, "pk", None) == pk)


def _slot(inputs, index):
    s = inputs.slots[index]
    return f"{s.vignette_key}/{s.key}"


def test_final_forecasts_per_participant_and_question(world, study):
    inputs = selectors.insight_inputs(study=study)
    f = inputs.forecasts
    got = {
        (_name(world, w), _slot(inputs, s), round(p, 2), bool(after))
        for w, s, p, after in zip(f.participant, f.slot, f.p, f.after, strict=True)
    }
    assert got == {
        ("ann", "a/risk", 0.40, False),  # the update, not the first answer; baseline phase
        ("ann", "a/risk-later", 0.70, False),
        ("ben", "a/risk", 0.60, True),
        ("ben", "a/risk-later", 0.50, True),
        ("ann", "b/risk", 0.20, True),  # not the repeat's 35
        ("cat", "b/risk", 0.10, True),  # version 2 is the same question
        ("cat", "c/risk", 0.55, True),
        ("kept", "c/risk", 0.99, True),  # withdrew, data kept
    }


def test_slots_carry_outcomes_and_the_newest_version(world, study):
    inputs = selectors.insight_inputs(study=study)
    by_name = {f"{s.vignette_key}/{s.key}": s for s in inputs.slots}
    assert by_name["a/risk"].outcome == 1
    assert by_name["b/risk"].outcome == 0
    assert by_name["c/risk"].outcome == -1
    assert by_name["a/decision"].options == ("No action", "Assessment", "Plan")
    assert by_name["b/risk"].title == "Case b"


def test_decisions_are_linked_to_the_related_forecast(world, study):
    inputs = selectors.insight_inputs(study=study)
    d = inputs.decisions
    got = {
        (_name(world, w), _slot(inputs, s), int(level), int(n), round(p, 2))
        for w, s, level, n, p in zip(d.participant, d.slot, d.level, d.n_levels, d.p, strict=True)
    }
    assert got == {
        ("ann", "a/risk-later", 2, 3, 0.70),
        ("ben", "a/risk-later", 0, 3, 0.50),
        ("ann", "b/risk", 0, 2, 0.20),  # the repeat's decision is not counted here
    }


def test_staged_updates_pair_the_earlier_and_later_question(world, study):
    u = selectors.insight_inputs(study=study).updates
    got = {
        (_name(world, w), round(b, 2), round(a, 2), int(y))
        for w, b, a, y in zip(u.participant, u.before, u.after, u.y, strict=True)
    }
    assert got == {("ann", 0.40, 0.70, 1), ("ben", 0.60, 0.50, 1)}


def test_repeats_pair_with_the_first_answer_and_its_decision(world, study):
    r = selectors.insight_inputs(study=study).retests
    got = [
        (_name(world, w), round(a, 2), round(b, 2), int(da), int(db))
        for w, a, b, da, db in zip(
            r.participant, r.first, r.second, r.first_decision, r.second_decision, strict=True
        )
    ]
    assert got == [("ann", 0.20, 0.35, 0, 1)]


def test_arms_and_councils_are_the_participants(world, study):
    inputs = selectors.insight_inputs(study=study, role="dmc")  # blinded for the team
    f = inputs.forecasts
    arms = {_name(world, w): inputs.arms[a] for w, a in zip(f.participant, f.arm, strict=True)}
    assert arms["ann"] == "Control" and arms["ben"] == "Feedback"
    councils = {
        _name(world, w): inputs.councils[c] for w, c in zip(f.participant, f.council, strict=True)
    }
    names = sorted(study.councils.values_list("name", flat=True))
    assert councils["ann"] == names[0] and councils["ben"] == names[1]


def test_the_number_of_queries_does_not_grow_with_the_data(cases, make_worker, study):
    case = cases.case("q", staged=True, options=("No", "Yes"), outcome=True)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.insight_inputs(study=study)
            selectors.inputs_fingerprint(study=study)
        return len(ctx.captured_queries)

    worker = make_worker()
    cases.answer(worker, case.risk, pct=30)
    queries()  # the first read after randomisation gives the arms their blind codes, once
    small = queries()
    for i in range(6):
        w = make_worker("feedback" if i % 2 else "control", i % 2)
        cases.answer(w, case.risk, pct=10 + i)
        cases.answer(w, case.later, pct=20 + i)
        cases.answer(w, case.decision, decision=i % 2)
        cases.case(f"extra-{i}", outcome=bool(i % 2))
    assert queries() == small


def test_the_fingerprint_changes_with_forecasts_outcomes_and_withdrawals(cases, make_worker, study):
    case = cases.case("f")
    worker = make_worker()
    seen = {selectors.inputs_fingerprint(study=study)}
    cases.answer(worker, case.risk, pct=30)
    seen.add(selectors.inputs_fingerprint(study=study))
    case.risk.outcome_binary = True
    case.risk.save()
    seen.add(selectors.inputs_fingerprint(study=study))
    study_services.participant_withdraw(participant=worker, keep_data=False, by=None)
    seen.add(selectors.inputs_fingerprint(study=study))
    assert len(seen) == 4
    assert selectors.inputs_fingerprint(study=study) in seen  # and stable when nothing moves


def test_a_study_without_forecasts_reads_empty_arrays(study):
    from casecast.judgement import report

    inputs = selectors.insight_inputs(study=study)
    assert inputs.forecasts.p.shape == (0,) and inputs.decisions.level.shape == (0,)
    assert report.study_insights(inputs)["calibration"]["groups"] == []
