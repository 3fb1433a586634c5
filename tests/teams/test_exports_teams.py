"""Exports carry each member's team pseudonym and the seen-team flag, concealed like the arm."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io

from casecast.resolution.exports.columns import table
from casecast.resolution.exports.forecasts import forecast_export_rows, forecast_source
from casecast.resolution.exports.participants import (
    participant_export_rows,
    participant_source,
)
from casecast.resolution.exports.shared import blinded_arm_codes
from casecast.studies.blinding import is_blinded
from casecast.studies.models import Study
from casecast.teams.models import TeamMembership
from django.utils import timezone

from tests.teams.conftest import question, reveal_team, stages_of, start_case, submit_stage


def _table(rows) -> list[dict[str, str]]:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return list(csv.DictReader(io.StringIO(text.getvalue())))


def _flagged_member(team_member, team_study):
    me = team_member("me@example.org")
    case = start_case(me, team_study)
    submit_stage(case, stages_of(case)[0])
    first = question(team_study, "rereferral-3m")
    assert reveal_team(me, case, first).status_code == 302
    for stage in stages_of(case)[1:]:
        submit_stage(case, stage)
    return me


def _closed(study: Study) -> Study:
    Study.objects.filter(pk=study.pk).update(status=Study.Status.CLOSED)
    study.refresh_from_db()
    return study


def _unblinded(study: Study) -> Study:
    Study.objects.filter(pk=study.pk).update(
        data_locked_at=timezone.now(), unblinded_at=timezone.now()
    )
    study.refresh_from_db()
    return study


def _expected_pseudonym(study: Study, me) -> str:
    team = TeamMembership.objects.get(participant=me).team_id
    key = study.pseudonym_key.encode()
    return hmac.new(key, f"team:{team}".encode(), hashlib.sha256).hexdigest()


def _check_team_columns(study: Study, me, **options) -> None:
    expected = _expected_pseudonym(study, me)
    people = _table(table(study=study, source=participant_source(study=study, **options)))
    assert [row["team_id"] for row in people] == [expected]
    answers = _table(table(study=study, source=forecast_source(study=study, **options)))
    assert {row["team_id"] for row in answers} == {expected}
    flagged = {row["question"] for row in answers if row["seen_team"] == "1"}
    assert flagged == {"rereferral-3m-later"}
    assert {row["seen_team"] for row in answers} == {"0", "1"}


def test_once_unblinded_exports_name_the_team_by_keyed_pseudonym_and_flag_updates(
    team_member, team_study
):
    me = _flagged_member(team_member, team_study)
    _check_team_columns(_unblinded(_closed(team_study)), me)


def test_closed_but_blinded_the_team_columns_stay_blank_except_for_the_committee(
    team_member, team_study
):
    """Only team arms have teams: a team id beside a coded arm would say which code it is."""
    me = _flagged_member(team_member, team_study)
    study = _closed(team_study)
    assert is_blinded(study=study)
    people = _table(participant_export_rows(study=study))
    answers = _table(forecast_export_rows(study=study))
    assert {row["arm"] for row in people} <= set(blinded_arm_codes(study=study).values())
    assert {row["team_id"] for row in people} == {""}
    assert {(row["team_id"], row["seen_team"]) for row in answers} == {("", "")}
    _check_team_columns(study, me, unblinded=True)  # export_study --unblinded


def test_while_recruiting_the_team_columns_are_blank(team_member, team_study):
    _flagged_member(team_member, team_study)
    people = _table(participant_export_rows(study=team_study))
    answers = _table(forecast_export_rows(study=team_study))
    assert {row["team_id"] for row in people} == {""}
    assert {(row["team_id"], row["seen_team"]) for row in answers} == {("", "")}
