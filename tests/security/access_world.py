"""The demo study plus the personas of the access-control matrix, and the URL walk.

`build_world()` runs `seed_demo` and adds what the demo lacks: a researcher,
a data monitoring committee member, a council lead, a withdrawn participant,
a second study with its own administrator and participant.
`concrete_urls(world)` turns every URL pattern into a real URL for objects of
the demo study. Used by test_access_matrix.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from casecast.accounts.models import User
from casecast.api.demo import DEMO_TOKEN_PREFIX
from casecast.api.models import ApiToken
from casecast.forecasts.models import Assignment
from casecast.practice.models import PracticeAccess, PracticeForecast
from casecast.studies import services
from casecast.studies.demo import DEMO_SLUG
from casecast.studies.models import Participant, Study, StudyMembership
from casecast.teams.models import TeamComment
from casecast.trial_results.models import ResultsStudy
from casecast.vignettes.models import Question
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.fixtures_studies import build_study, create_participant
from tests.sign_in import sign_in

ADMIN_EMAIL = "researcher@example.org"  # the demo study's administrator

ROLES = (
    "anonymous",
    "participant",
    "participant_other_study",
    "participant_withdrawn",
    "study_admin",
    "study_researcher",
    "study_analyst",
    "study_dmc",
    "study_council_lead",
    "staff_other_study",
    "site_admin",
    "practice_only",
)
# The participant persona: a demo participant in the outcome-feedback arm with
# finished and scored cases, so case feedback and the track record exist.
PARTICIPANT_EMAIL = "demo-outcome-feedback@example.org"
WITHDRAWN_EMAIL = "demo-baseline-2@example.org"
PRACTICE_ONLY_EMAIL = "demo-practice-only@example.org"


@dataclass
class World:
    study: Study
    other_study: Study
    users: dict[str, User | None]
    kwargs: dict[str, Any]
    sessions: dict[str, SimpleCookie] = field(default_factory=dict)

    def client(self, role: str) -> Client:
        """A client signed in as `role` (a copy of its session cookie: a request that
        signs out cannot sign the role out for the next test)."""
        client = Client()
        if role in self.sessions:
            client.cookies = SimpleCookie(self.sessions[role].output(header=""))
        return client


def build_world() -> World:
    call_command("seed_demo", stdout=_Null())
    study = Study.objects.get(slug=DEMO_SLUG)
    admin = User.objects.get(email=ADMIN_EMAIL)
    researcher = User.objects.create_user(email="matrix-researcher@example.org", password="x" * 12)
    StudyMembership.objects.create(
        study=study, user=researcher, role=StudyMembership.Role.RESEARCHER
    )
    withdrawn = Participant.objects.get(study=study, user__email=WITHDRAWN_EMAIL)
    services.participant_withdraw(participant=withdrawn, keep_data=True, by=withdrawn.user)
    withdrawn.user.refresh_from_db()  # withdrawal ended its old sessions; sign in afresh
    other_owner = User.objects.create_user(email="matrix-other@example.org", password="x" * 12)
    other_study = build_study(by=other_owner, title="Another study")
    elsewhere = create_participant(
        study=other_study, email="matrix-elsewhere@example.org", arm="feedback"
    )
    participant = Participant.objects.get(study=study, user__email=PARTICIPANT_EMAIL)
    dmc = User.objects.create_user(email="matrix-dmc@example.org", password="x" * 12)
    StudyMembership.objects.create(study=study, user=dmc, role=StudyMembership.Role.DMC)
    lead = User.objects.create_user(email="matrix-lead@example.org", password="x" * 12)
    StudyMembership.objects.create(
        study=study,
        user=lead,
        role=StudyMembership.Role.COUNCIL_LEAD,
        council=study.councils.order_by("pk").first(),
    )
    users: dict[str, User | None] = {
        "anonymous": None,
        "participant": participant.user,
        "participant_other_study": elsewhere.user,
        "participant_withdrawn": withdrawn.user,
        "study_admin": admin,
        "study_researcher": researcher,
        "study_analyst": User.objects.get(email="analyst@example.org"),
        "study_dmc": dmc,
        "study_council_lead": lead,
        "staff_other_study": other_owner,
        "site_admin": User.objects.get(email="admin@example.org"),
        # A worker the demo study's administrator invited to practise only (seed_demo).
        "practice_only": User.objects.get(email=PRACTICE_ONLY_EMAIL),
    }
    world = World(
        study=study, other_study=other_study, users=users, kwargs=_kwargs(study, participant)
    )
    for role, user in users.items():
        if user is not None:
            client = Client()
            sign_in(client, user)
            world.sessions[role] = client.cookies
    return world


def _kwargs(study: Study, participant: Participant) -> dict[str, Any]:
    """A real object of the demo study for each URL parameter name."""
    assignment = (
        Assignment.objects.filter(participant=participant, completed_at__isnull=False)
        .order_by("pk")
        .first()
    )
    assert assignment is not None, "the demo participant has finished cases"
    phase = study.phases.order_by("position").first()
    assert phase is not None
    return {
        "slug": study.slug,
        "key": study.arms.order_by("pk").values_list("key", flat=True).first(),
        "assignment_id": assignment.pk,
        "part": 1,
        "phase_id": phase.pk,
        "question_id": Question.objects.filter(stage__version__vignette__study=study)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first(),
        "position": phase.position,
        "fmt": "yaml",
        "number": 1,
        "kind": "reminder",
        "token": "not-a-real-token",
        "uidb64": "MQ",  # a password-reset link for user 1 with a made-up token
    }


def _routes(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            name = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), name)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}:{pattern.name}", pattern.callback


# Every view that gives a file of study data or content (each audited), by URL name: each
# is wrapped in `casecast.core.downloads.from_our_pages` (tests/security/
# test_download_origin.py). The access matrix fails on a file from a view named in neither
# this nor `UNWRAPPED_DOWNLOADS`.
DOWNLOADS = {
    "resolution:export_scores",
    "resolution:export_forecasts",
    "resolution:export_participants",
    "resolution:export_questions",
    "resolution:export_outcomes",
    "resolution:export_allocations",
    "resolution:export_exposures",
    "resolution:export_consort",
    "resolution:export_dictionary",
    "resolution:export_package",
    "resolution:import_template",
    "network:pooled_data",
    "studies:audit_csv",
    "studies:codes_download",
    "studies:allocations_download",
    "studies:design_download",
    "vignettes:download",
    "judgement:json",
    "trial_results:export",
    "training:staff_version",
}
# Files served without that check, and why.
UNWRAPPED_DOWNLOADS = {
    # A worker's own practice forecasts, not audited: another site making their browser
    # save their own file gains nothing, and the participant side stays friction-free.
    "practice:export",
}


def all_routes() -> list[tuple[str, str]]:
    """(route, name) of every URL pattern in the URL configuration."""
    return [(route, name) for route, name, _ in _routes(get_resolver().url_patterns)]


def all_views() -> list[tuple[str, Any]]:
    """(name, view) of every URL pattern in the URL configuration."""
    return [(name, view) for _, name, view in _routes(get_resolver().url_patterns)]


# Parameters whose object depends on the URL: `pk` names a council, phase,
# question, team member… and `key` an arm, a vignette or a training module.
PK_FOR = {
    "studies:council": lambda s: s.councils.order_by("pk").first().pk,
    # The authenticator of the demo's study administrator (seed_demo gives it one).
    "admin:otp_totp_totpdevice_": lambda s: TOTPDevice.objects.get(user__email=ADMIN_EMAIL).pk,
    "studies:phase": lambda s: s.phases.order_by("pk").first().pk,
    "studies:baseline": lambda s: s.baseline_questions.order_by("pk").first().pk,
    "studies:eligibility": lambda s: s.eligibility_questions.order_by("pk").first().pk,
    "studies:staff": lambda s: s.memberships.exclude(role="admin").order_by("pk").first().pk,
    # The demo participant persona's own practice forecast (seed_demo gives them some).
    "practice:resolve": lambda s: (
        PracticeForecast.objects.filter(owner__email=PARTICIPANT_EMAIL).order_by("pk").first().pk
    ),
    "practice:invite": lambda s: PracticeAccess.objects.get(study=s).pk,
    "studies:participant": lambda s: (
        s.participants.filter(withdrawn_at__isnull=True).order_by("pk").first().pk
    ),
    # A comment in the team demo study (seed_demo hides one and leaves others shown).
    "teams:comment_hide": lambda s: (
        TeamComment.objects.filter(hidden_at__isnull=True).order_by("pk").first().pk
    ),
    # The demo administrator's API token (seed_demo makes it).
    "api:token": lambda s: ApiToken.objects.get(prefix=DEMO_TOKEN_PREFIX).pk,
}
KEY_FOR = {
    "vignettes:": lambda s: s.vignettes.order_by("pk").first().key,
    "training:": lambda s: "calibration",
}


def concrete_url(world: World, route: str, name: str) -> str:
    values = dict(world.kwargs)
    for prefix, pk in PK_FOR.items():
        if name.startswith(prefix):
            values["pk"] = pk(world.study)
    for prefix, key in KEY_FOR.items():
        if name.startswith(prefix):
            values["key"] = key(world.study)
    if name.startswith("trial_results:"):
        first = ResultsStudy.objects.order_by("pk").first()
        assert first is not None, "seed_demo makes a trial-results study"
        values["slug"] = first.slug
        values["pk"] = first.questions.order_by("position", "pk").values_list("pk", flat=True)[0]
    if route.startswith("site-admin/"):
        values.update(object_id=str(world.users["study_admin"].pk), app_label="accounts")
        values.setdefault("pk", world.users["study_admin"].pk)
        values.update(content_type_id="1", url="x")
    return "/" + re.sub(
        r"<(?:(\w+):)?(\w+)>", lambda m: str(values[m.group(2)]), _regex_free(route)
    )


def _regex_free(route: str) -> str:
    """The admin's regex routes (`^(?P<app_label>accounts)/$`) as plain paths."""
    route = route.replace("^", "").replace("$", "").replace("\\Z", "")
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)


class _Null:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass
