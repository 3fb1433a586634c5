"""Demo content for blinding, the DMC and council-lead roles and recruitment by council.

`seed_demo_blinding(study=)` (one line in `seed_demo`) leaves:

- the main demo study (recruiting, so blinded from its first randomisation) with a data
  monitoring committee member and a council lead for its first council;
- a small completed two-arm trial, simulated through the real services, then closed,
  data-locked and unblinded, so its results, CONSORT and exports show real arm names.

Idempotent: a second run finds both and changes nothing.
"""

from __future__ import annotations

from django.db import transaction

from casecast.accounts.models import User
from casecast.resolution import summaries
from casecast.resolution.simulation import SimulationOptions, simulate_study
from casecast.studies import services
from casecast.studies.models import Study, StudyMembership

DMC_EMAIL = "dmc@example.org"
COUNCIL_LEAD_EMAIL = "council-lead@example.org"
DEMO_PASSWORD = "casecast-demo-2026"
COMPLETED_TITLE = "Completed trial, unblinded (demo)"


def _staff(email: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name)
    return user


def _completed_study(admin: User) -> Study:
    study = Study.objects.filter(title=COMPLETED_TITLE).first()
    if study is not None:
        return study
    report = simulate_study(
        options=SimulationOptions(
            participants=40, arms=2, clusters=3, seed=2019, title=COMPLETED_TITLE
        ),
        by=admin,
    )
    study = Study.objects.get(pk=report.study_id)
    StudyMembership.objects.get_or_create(
        study=study, user=admin, defaults={"role": StudyMembership.Role.ADMIN}
    )
    services.study_status_change(study=study, to=Study.Status.CLOSED, by=admin, reason="Demo")
    services.study_data_lock(study=study, by=admin, reason="Demo: all outcomes recorded")
    services.study_unblind(
        study=study, by=admin, reason="Demo: analysis plan signed off", confirmed=True
    )
    return study


@transaction.atomic
def seed_demo_blinding(*, study: Study) -> None:
    """The roles on the main demo study, and the completed unblinded trial."""
    StudyMembership.objects.get_or_create(
        study=study,
        user=_staff(DMC_EMAIL, "Demo Data Monitoring Committee"),
        defaults={"role": StudyMembership.Role.DMC},
    )
    StudyMembership.objects.get_or_create(
        study=study,
        user=_staff(COUNCIL_LEAD_EMAIL, "Demo Council Lead"),
        defaults={
            "role": StudyMembership.Role.COUNCIL_LEAD,
            "council": study.councils.order_by("name").first(),
        },
    )
    admin = study.memberships.filter(role=StudyMembership.Role.ADMIN).order_by("pk").first()
    if admin is not None:
        _completed_study(admin.user)
    # Summaries of the demo study's last scored answers may still wait in the coalescing
    # queue (scoring refreshes at most every few seconds); bring them in now, so the
    # demo's results count everyone and a second seed_demo finds nothing left to do.
    summaries.pending_refresh(study_id=study.pk)
