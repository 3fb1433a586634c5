"""Every URL in the URL configuration, requested as every role, against a declared table.

The URLs are walked from `get_resolver()`, so a page added later fails
`test_every_url_is_declared` until its expected statuses are written below.
Each URL is requested with its real method (POST for the POST-only actions,
with an empty body) inside a transaction that is rolled back, so one role's
request never changes what the next role sees.

Roles (tests/security/access_world.py): anonymous; a participant of the demo
study; a participant of another study; a withdrawn participant of the demo
study; the demo study's administrator, researcher, analyst, data monitoring
committee member (reads what analysts read) and council lead (reaches only the
recruitment page, counting their own council); the administrator of another
study; the site administrator; a worker invited by the demo study's
administrator to practise only (practice mode, and nothing else).

Expected values: an HTTP status, or
  LOGIN — 302 to the staff sign-in page,
  LINK  — 302 to "get a new link by email" (participants sign in by link),
  LEFT  — 200 showing "You have left this study".
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from tests.security.access_world import (
    DOWNLOADS,
    ROLES,
    UNWRAPPED_DOWNLOADS,
    World,
    all_routes,
    concrete_url,
)

LOGIN, LINK, LEFT = "login", "link", "left"
Expected = dict[str, Any]

READ = ("study_admin", "study_researcher", "study_analyst", "study_dmc")  # READERS
MANAGE = ("study_admin", "study_researcher")  # MANAGERS
DESIGN = ("study_admin",)  # DESIGNERS
PARTICIPANTS = ("participant", "participant_other_study", "participant_withdrawn")
# Accounts that sign in by personal link: participants, and workers invited to practise only.
LINK_ACCOUNTS = (*PARTICIPANTS, "practice_only")
STAFF = (*READ, "study_council_lead", "staff_other_study", "site_admin")


def everyone(status: Any) -> Expected:
    return dict.fromkeys(ROLES, status)


def staff_page(allowed: tuple[str, ...], ok: int = 200) -> Expected:
    """A study's staff page: only `allowed` study roles; participants, staff of other
    studies and site administrators (who are not study staff) are refused."""
    expected = {role: (ok if role in allowed else 403) for role in ROLES}
    expected["anonymous"] = LOGIN
    return expected


def participant_page(
    *, own: Any, other_study: Any, withdrawn: Any = LEFT, practice_only: Any = 404
) -> Expected:
    """A participant page: staff are not participants, so there is nothing for them, nor
    for a worker invited to practise only (except on the practice pages)."""
    expected = dict.fromkeys(STAFF, 404)
    expected.update(
        anonymous=LINK, participant=own, participant_other_study=other_study,
        participant_withdrawn=withdrawn, practice_only=practice_only,
    )  # fmt: skip
    return expected


def signed_in(*, anonymous: Any, others: Any, **overrides: Any) -> Expected:
    return {"anonymous": anonymous, **dict.fromkeys(ROLES[1:], others), **overrides}


POST = "POST"
PRACTICE_PAGE = participant_page(own=200, other_study=200, practice_only=200)
CREATE = signed_in(anonymous=LOGIN, others=200, **dict.fromkeys(LINK_ACCOUNTS, 403))

# Trial-results studies: anyone signed in forecasts; people who run a study (any study's
# administrator or researcher) and site administrators set them up.
SIGNED_IN = signed_in(anonymous=LOGIN, others=200)
RESULTS_MANAGERS = signed_in(
    anonymous=LOGIN, others=403, study_admin=200, study_researcher=200,
    staff_other_study=200, site_admin=200,
)  # fmt: skip

# Pages that pool studies (the network): site administrators only.
SITE_ADMIN_ONLY = signed_in(anonymous=LOGIN, others=403, site_admin=200)
TOKEN_PAGE = CREATE
# The research API's data URLs (casecast/api/urls.py).
API_DATA = (
    "studies", "study", "arms", "councils", "participants", "questions", "outcomes",
    "forecasts", "scores", "results",
)  # fmt: skip

# url name -> expected status per role, and POST for POST-only actions.
TABLE: dict[str, tuple[Expected, str]] = {
    # Forecasters across studies (casecast.network)
    "network:track_record": (SITE_ADMIN_ONLY, "GET"),
    "network:invite": (SITE_ADMIN_ONLY, "GET"),
    "network:pooled_data": (SITE_ADMIN_ONLY, "GET"),
    # Forecasting the centre's trial results (casecast.trial_results)
    "trial_results:list": (SIGNED_IN, "GET"),
    "trial_results:study": (SIGNED_IN, "GET"),
    # The demo's first trial is resolved: its forecast page leads to its result.
    "trial_results:forecast": (signed_in(anonymous=LOGIN, others=302), "GET"),
    "trial_results:results": (SIGNED_IN, "GET"),
    "trial_results:manage": (RESULTS_MANAGERS, "GET"),
    "trial_results:manage_study": (RESULTS_MANAGERS, "GET"),
    "trial_results:question_add": (RESULTS_MANAGERS, "GET"),
    "trial_results:question_edit": (RESULTS_MANAGERS, "GET"),
    "trial_results:resolve": (RESULTS_MANAGERS, "GET"),
    "trial_results:export": (RESULTS_MANAGERS, "GET"),
    # Public pages and sign-in
    "core:start": (everyone(200), "GET"),
    "core:home": (signed_in(anonymous=LOGIN, others=302, site_admin=200), "GET"),
    "core:privacy": (everyone(200), "GET"),
    "core:accessibility": (everyone(200), "GET"),
    "core:contact": (everyone(200), "GET"),
    "core:healthz": (everyone(200), "GET"),
    # Readiness depends on the broker and a worker's heartbeat, not on who asks: 200
    # where tasks run in-process, 503 until a worker has beaten where a broker is set.
    "core:readyz": (everyone(frozenset({200, 503})), "GET"),
    # Second factor: the code step is for accounts that have a device (the demo's
    # study and site administrators); participants have no password, so no factor.
    "accounts:two_factor": (
        signed_in(anonymous=LOGIN, others=302, study_admin=200, site_admin=200),
        "GET",
    ),
    "accounts:two_factor_setup": (
        signed_in(anonymous=LOGIN, others=200, **dict.fromkeys(LINK_ACCOUNTS, 302)),
        "GET",
    ),
    # Password reset is public; a made-up reset link shows its "link not valid" page.
    "accounts:password_reset": (everyone(200), "GET"),
    "accounts:password_reset_done": (everyone(200), "GET"),
    "accounts:password_reset_confirm": (everyone(200), "GET"),
    "accounts:password_reset_complete": (everyone(200), "GET"),
    "accounts:login": (signed_in(anonymous=200, others=302), "GET"),
    "accounts:logout": (signed_in(anonymous=LOGIN, others=302), POST),
    "accounts:link": (everyone(403), "GET"),  # no token: refused, whoever asks
    "accounts:request_link": (everyone(200), "GET"),
    "studies:enrol_code": (everyone(200), "GET"),
    "studies:enrol_eligibility": (everyone(302), "GET"),  # no code entered yet
    "studies:enrol_details": (everyone(302), "GET"),
    "notifications:unsubscribe": (everyone(404), "GET"),  # a forged token
    # Participant pages of the demo study
    "studies:consent": (participant_page(own=302, other_study=404), "GET"),
    "studies:baseline": (participant_page(own=302, other_study=404), "GET"),
    "studies:withdraw": (participant_page(own=200, other_study=404), "GET"),
    # The demo study offers linking across studies; "Another study" does not.
    "studies:linking": (participant_page(own=200, other_study=404), "GET"),
    "forecasts:tasks": (participant_page(own=200, other_study=200), "GET"),
    "forecasts:phase_start": (participant_page(own=302, other_study=404), POST),
    "forecasts:case": (participant_page(own=302, other_study=404, withdrawn=404), "GET"),
    "forecasts:stage": (participant_page(own=200, other_study=404, withdrawn=404), "GET"),
    # A finished part is locked: saving a draft of it is a conflict.
    "forecasts:draft": (participant_page(own=409, other_study=404, withdrawn=404), POST),
    "forecasts:complete": (participant_page(own=200, other_study=404, withdrawn=404), "GET"),
    # Team arms (casecast.teams). The persona is not in a team arm: no panel (404), as for
    # anyone else's case. The comment to hide belongs to the team demo study, not the
    # matrix's study, so its managers get 404 there too (other roles are refused first).
    "teams:panel": (participant_page(own=404, other_study=404, withdrawn=404), "GET"),
    "teams:staff_overview": (staff_page(READ), "GET"),
    "teams:comments": (staff_page(READ), "GET"),
    "teams:comment_hide": (staff_page(MANAGE, ok=404), "GET"),
    "feedback:home": (participant_page(own=200, other_study=200), "GET"),
    "feedback:case": (participant_page(own=200, other_study=404), "GET"),
    "feedback:case_status": (participant_page(own=200, other_study=404), "GET"),
    # The demo participant's arm has every kind of feedback; the other study's arm has
    # outcome feedback only.
    "feedback:track_record": (participant_page(own=200, other_study=404), "GET"),
    "feedback:standing": (participant_page(own=200, other_study=404), "GET"),
    "feedback:profile": (participant_page(own=200, other_study=404), "GET"),
    "training:start": (participant_page(own=404, other_study=404), "GET"),
    "training:step": (participant_page(own=404, other_study=404), "GET"),
    "training:results": (participant_page(own=404, other_study=404), "GET"),
    # Practice forecasts on one's own cases: any participant taking part in a study, about
    # their own forecasts only; staff accounts never practise (404); staff of the study see
    # counts and shared anonymised records.
    "practice:home": (PRACTICE_PAGE, "GET"),
    "practice:new": (PRACTICE_PAGE, "GET"),
    "practice:resolve": (  # the demo participant's own forecast
        participant_page(own=200, other_study=404, practice_only=404),
        "GET",
    ),
    "practice:calibration": (PRACTICE_PAGE, "GET"),
    "practice:export": (PRACTICE_PAGE, "GET"),
    "practice:delete_all": (PRACTICE_PAGE, "GET"),
    "practice:sharing": (PRACTICE_PAGE, "GET"),
    "practice:study_practice": (staff_page(READ), "GET"),
    # Inviting workers to practise only, and removing them: the study's administrators.
    "practice:invite": (staff_page(DESIGN), "GET"),
    "practice:invite_revoke": (staff_page(DESIGN, ok=302), POST),
    # Staff: studies
    "studies:list": (signed_in(anonymous=LOGIN, others=200), "GET"),
    "studies:create": (CREATE, "GET"),
    # The trial planner: study staff of any study, in any role, and site administrators.
    "studies:plan_trial": (CREATE, "GET"),
    "studies:design_import": (CREATE, "GET"),
    "studies:detail": (staff_page(READ), "GET"),
    "studies:edit": (staff_page(DESIGN), "GET"),
    "studies:status": (staff_page(DESIGN), "GET"),
    "studies:arms": (staff_page(READ), "GET"),
    "studies:arm_add": (staff_page(DESIGN), "GET"),
    "studies:arm_edit": (staff_page(DESIGN), "GET"),
    "studies:arm_delete": (staff_page(DESIGN, ok=302), POST),
    "studies:randomisation": (staff_page(DESIGN), "GET"),
    "studies:councils": (staff_page(READ), "GET"),
    "studies:council_add": (staff_page(DESIGN), "GET"),
    "studies:council_edit": (staff_page(DESIGN), "GET"),
    "studies:council_delete": (staff_page(DESIGN, ok=302), POST),
    "studies:phases": (staff_page(READ), "GET"),
    "studies:phase_add": (staff_page(DESIGN), "GET"),
    "studies:phase_edit": (staff_page(DESIGN), "GET"),
    "studies:phase_delete": (staff_page(DESIGN, ok=302), POST),
    "studies:phase_move": (staff_page(DESIGN, ok=302), POST),
    "studies:questions": (staff_page(READ), "GET"),
    "studies:baseline_add": (staff_page(DESIGN), "GET"),
    "studies:baseline_edit": (staff_page(DESIGN), "GET"),
    "studies:baseline_delete": (staff_page(DESIGN, ok=302), POST),
    "studies:baseline_move": (staff_page(DESIGN, ok=302), POST),
    "studies:eligibility_add": (staff_page(DESIGN), "GET"),
    "studies:eligibility_delete": (staff_page(DESIGN, ok=302), POST),
    "studies:consent_text": (staff_page(READ), "GET"),
    "studies:consent_edit": (staff_page(DESIGN), "GET"),
    "studies:staff": (staff_page(READ), "GET"),
    "studies:staff_add": (staff_page(DESIGN), "GET"),
    "studies:staff_change": (staff_page(DESIGN), "GET"),
    "studies:staff_remove": (staff_page(DESIGN, ok=302), POST),
    "studies:participants": (staff_page(READ), "GET"),
    "studies:participant_withdraw": (staff_page(MANAGE), "GET"),
    "studies:participant_link_revoke": (staff_page(MANAGE, ok=302), POST),
    "studies:invitations": (staff_page(MANAGE), "GET"),
    "studies:codes_download": (staff_page(MANAGE), "GET"),
    "studies:consort": (staff_page(READ), "GET"),
    "studies:design_versions": (staff_page(READ), "GET"),
    "studies:analysis_plan": (staff_page(READ), "GET"),
    "studies:analysis_plan_print": (staff_page(READ), "GET"),
    "studies:analysis_plan_edit": (staff_page(DESIGN), "GET"),
    "studies:design_download": (staff_page(READ), "GET"),
    # Concealment: no allocations while the study recruits, not even for its admin.
    "studies:allocations_download": (staff_page(()), "GET"),
    # The advance allocation list is the site administrator's alone (docs/randomisation.md).
    "studies:advance_list": ({**staff_page(()), "site_admin": 200}, "GET"),
    # Recruitment by council: every reader, and council leads (their own council only).
    "studies:recruitment": (staff_page((*READ, "study_council_lead")), "GET"),
    # Data lock and unblinding: the study administrator (the demo recruits, so the
    # forms are shown; the services refuse until the study is closed / locked).
    "studies:data_lock": (staff_page(DESIGN), "GET"),
    "studies:unblind": (staff_page(DESIGN), "GET"),
    # Staff: outcomes, results, exports
    "resolution:list": (staff_page(READ), "GET"),
    "resolution:outcome": (staff_page(MANAGE), "GET"),
    "resolution:annul": (staff_page(MANAGE), "GET"),
    "resolution:reinstate": (staff_page(MANAGE), "GET"),
    "resolution:import": (staff_page(MANAGE), "GET"),
    "resolution:import_template": (staff_page(MANAGE), "GET"),
    "resolution:rescore": (staff_page(READ), "GET"),
    "resolution:rescore_start": (staff_page(MANAGE, ok=302), POST),
    "resolution:rescore_status": (staff_page(READ), "GET"),
    "resolution:results": (staff_page(READ, ok=302), "GET"),  # to reports:report
    # Staff: the trial report and its progress
    "reports:report": (staff_page(READ), "GET"),
    "reports:status": (staff_page(READ), "GET"),
    # Judgement insights: read-only, every study staff role; never participants.
    "judgement:overview": (staff_page(READ), "GET"),
    "judgement:calibration": (staff_page(READ), "GET"),
    "judgement:questions": (staff_page(READ), "GET"),
    "judgement:noise": (staff_page(READ), "GET"),
    "judgement:thresholds": (staff_page(READ), "GET"),
    "judgement:updating": (staff_page(READ), "GET"),
    "judgement:json": (staff_page(READ), "GET"),
    "resolution:export_scores": (staff_page(READ), "GET"),
    "resolution:export_forecasts": (staff_page(READ), "GET"),
    "resolution:export_participants": (staff_page(READ), "GET"),
    "resolution:export_dictionary": (staff_page(READ), "GET"),
    "resolution:export_questions": (staff_page(READ), "GET"),
    "resolution:export_outcomes": (staff_page(READ), "GET"),
    "resolution:export_allocations": (staff_page(READ), "GET"),
    "resolution:export_exposures": (staff_page(READ), "GET"),
    "resolution:export_consort": (staff_page(READ), "GET"),
    # Without ?format= the package answers 400 saying so (the zip: test_export_package.py).
    "resolution:export_package": (staff_page(READ, ok=400), "GET"),
    # Staff: content
    "vignettes:list": (staff_page(READ), "GET"),
    "vignettes:upload": (staff_page(MANAGE), "GET"),
    "vignettes:download": (staff_page(READ), "GET"),
    "vignettes:phases": (staff_page(READ), "GET"),
    "vignettes:phase_edit": (staff_page(MANAGE), "GET"),
    "vignettes:detail": (staff_page(READ), "GET"),
    "training:staff_overview": (staff_page(READ), "GET"),
    "training:staff_edit": (staff_page(MANAGE), "GET"),
    "training:staff_version": (staff_page(READ), "GET"),
    "notifications:staff_emails": (staff_page(READ), "GET"),
    "notifications:staff_email_edit": (staff_page(MANAGE), "GET"),
    # The audit trail: the study's administrators, and site administrators.
    "studies:audit": ({**staff_page(DESIGN), "site_admin": 200}, "GET"),
    "studies:audit_csv": ({**staff_page(DESIGN), "site_admin": 200}, "GET"),
    # API tokens: any staff account manages its own (participants never have one); the
    # revoke page is for the demo administrator's token, so everyone else finds nothing.
    "api:tokens": (TOKEN_PAGE, "GET"),
    "api:token_create": (TOKEN_PAGE, "GET"),
    "api:token_revoke": ({**TOKEN_PAGE, **dict.fromkeys(STAFF, 404), "study_admin": 200}, "GET"),
    # The research API's schema and docs describe it and hold no data: public.
    "api:schema": (everyone(200), "GET"),
    "api:docs": (everyone(200), "GET"),
    # The research API answers bearer tokens only: a signed-in session is no token (401
    # for everyone). What each role's token reaches: tests/security/test_api_token_matrix.py.
    **{f"api:{name}": (everyone(401), "GET") for name in API_DATA},
}

# The Django admin (/site-admin/) is declared as one rule, because Django's own
# `admin_view` guards every page of it the same way: anonymous visitors are sent
# to sign in, every other account to the admin's sign-in page (which refuses
# anyone who is not a site administrator). For the site administrator the
# admin's own model permissions decide (the audit trail and allocation log can
# be read, never added to or deleted: 403), so the rule asks only that they are
# let in and nothing fails. Its sign-in and sign-out pages are listed separately.
ADMIN_LOGIN, LET_IN = "admin-login", "let-in"
# Anonymous visitors meet either sign-in page: the admin marks some of its views
# as handling sign-in themselves, and the site's middleware catches the rest.
EITHER_SIGN_IN = frozenset({LOGIN, ADMIN_LOGIN})
ADMIN_EXCEPTIONS: dict[str, tuple[Expected, str]] = {
    "admin:login": (signed_in(anonymous=200, others=200, site_admin=302), "GET"),
    "admin:logout": (signed_in(anonymous=EITHER_SIGN_IN, others=302), POST),
}
ADMIN_RULE: Expected = {**everyone(ADMIN_LOGIN), "anonymous": EITHER_SIGN_IN, "site_admin": LET_IN}


def declaration(name: str) -> tuple[Expected, str] | None:
    if name in TABLE:
        return TABLE[name]
    if name.startswith("admin:"):
        return ADMIN_EXCEPTIONS.get(name, (ADMIN_RULE, "GET"))
    return None


def observed(response: Any) -> Any:
    """What a response is, in the table's terms."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/accounts/sign-in/"):
            return LOGIN
        if location.startswith("/accounts/new-link/"):
            return LINK
        if location.startswith("/site-admin/login/"):
            return ADMIN_LOGIN
    streamed = getattr(response, "streaming", False)
    if response.status_code == 200 and not streamed and b"You have left" in response.content:
        return LEFT
    return response.status_code


def matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, frozenset):
        return actual in expected
    if expected == LET_IN:
        return actual not in (LOGIN, ADMIN_LOGIN) and (isinstance(actual, str) or actual < 500)
    return expected == actual


ROUTES = all_routes()


def test_every_url_is_declared():
    missing = sorted({name for _, name in ROUTES if declaration(name) is None})
    assert not missing, f"declare the expected status per role for: {', '.join(missing)}"


def test_the_table_declares_no_url_that_does_not_exist():
    names = {name for _, name in ROUTES}
    assert set(TABLE) - names == set()
    assert len(names) > 100


def test_every_declaration_covers_every_role():
    for name, (expected, _) in {**TABLE, **ADMIN_EXCEPTIONS}.items():
        assert set(expected) == set(ROLES), name


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name"), ROUTES, ids=[f"{n}@{r}" for r, n in ROUTES])
def test_each_role_gets_the_declared_answer(world: World, route: str, name: str):
    declared = declaration(name)
    if declared is None:
        pytest.fail(f"{name} has no declaration (see test_every_url_is_declared)")
    expected, method = declared
    url = concrete_url(world, route, name)
    wrong = []
    for role in ROLES:
        client = world.client(role)
        with transaction.atomic():
            response = client.post(url) if method == POST else client.get(url)
            transaction.set_rollback(True)
        actual = observed(response)
        if not matches(expected[role], actual):
            wrong.append(f"{role}: expected {expected[role]}, got {actual}")
        if _is_file(response) and name not in DOWNLOADS | UNWRAPPED_DOWNLOADS:
            wrong.append(f"{role}: a file from a view not in access_world.DOWNLOADS")
    assert not wrong, f"{method} {url}\n" + "\n".join(wrong)


def _is_file(response: Any) -> bool:
    """A download: a file or streamed response, or one the browser is told to save."""
    return response.streaming or "attachment" in response.get("Content-Disposition", "")
