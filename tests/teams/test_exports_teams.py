"""Exports carry each member's team pseudonym and the seen-team flag, concealed like the arm."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io

from casecast.resolution.exports.forecasts import forecast_export_rows
from casecast.resolution.exports.participants import participant_export_rows
from casecast.studies.models import Study
from casecast.teams.models import TeamMembership

from tests.teams.conftest import client_for, question, stages_of, start_case, submit_stage


def _table(rows) -> list[dict[str, str]]:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return list(csv.DictReader(io.StringIO(text.getvalue())))


def _flagged_member(team_member, team_study):
    me = team_member("me@example.org")
    case = start_case(me, team_study)
    submit_stage(case, stages_of(case)[0])
    first = question(team_study, "rereferral-3m")
    client_for(me).get(f"/cases/{case.pk}/questions/{first.pk}/team/")
    for stage in stages_of(case)[1:]:
        submit_stage(case, stage)
    return me


def test_after_closing_exports_name_the_team_by_keyed_pseudonym_and_flag_updates(
    team_member, team_study
):
    me = _flagged_member(team_member, team_study)
    Study.objects.filter(pk=team_study.pk).update(status=Study.Status.CLOSED)
    team_study.refresh_from_db()
    team = TeamMembership.objects.get(participant=me).team_id
    key = team_study.pseudonym_key.encode()
    expected = hmac.new(key, f"team:{team}".encode(), hashlib.sha256).hexdigest()
    people = _table(participant_export_rows(study=team_study))
    assert [row["team_id"] for row in people] == [expected]
    answers = _table(forecast_export_rows(study=team_study))
    assert {row["team_id"] for row in answers} == {expected}
    flagged = {row["question"] for row in answers if row["seen_team"] == "1"}
    assert flagged == {"rereferral-3m-later"}
    assert {row["seen_team"] for row in answers} == {"0", "1"}


def test_while_recruiting_the_team_columns_are_blank(team_member, team_study):
    _flagged_member(team_member, team_study)
    people = _table(participant_export_rows(study=team_study))
    answers = _table(forecast_export_rows(study=team_study))
    assert {row["team_id"] for row in people} == {""}
    assert {(row["team_id"], row["seen_team"]) for row in answers} == {("", "")}
