"""The demo study: seeded through the real services, idempotent, and usable."""

from casecast.audit.models import AuditEvent
from casecast.studies import demo
from casecast.studies.models import Participant, Study, StudyMembership


def _snapshot(study):
    return (
        list(study.arms.values_list("key", "ratio", "training_module")),
        list(study.councils.values_list("name", "region")),
        list(study.phases.values_list("position", "name", "randomise_before")),
        list(Participant.objects.filter(study=study).values_list("status", "council__name")),
        list(study.memberships.values_list("user__email", "role")),
        study.design_versions.count(),
        study.consent_versions.count(),
    )


def test_seeding_twice_leaves_the_same_demo_study(researcher):
    study = demo.seed_demo_study(researcher=researcher)
    demo.seed_demo_participants(study=study)
    first = _snapshot(study)
    study_again = demo.seed_demo_study(researcher=researcher)
    demo.seed_demo_participants(study=study_again)
    assert study_again.pk == study.pk
    assert _snapshot(study_again) == first
    assert Study.objects.filter(slug=demo.DEMO_SLUG).count() == 1


def test_demo_study_is_a_recruiting_four_arm_trial_with_an_analyst(researcher):
    study = demo.seed_demo_study(researcher=researcher)
    assert study.status == Study.Status.RECRUITING
    assert [a.key for a in study.arms.all()] == ["control", "feedback", "calibration", "debiasing"]
    assert study.councils.count() == 3
    third = study.phases.get(position=3)
    assert third.opens_at is not None and not third.randomise_before
    assert study.memberships.get(user=researcher).role == StudyMembership.Role.ADMIN
    analyst = study.memberships.get(user__email=demo.ANALYST_EMAIL)
    assert analyst.role == StudyMembership.Role.ANALYST
    assert analyst.user.check_password(demo.ANALYST_PASSWORD)


def test_demo_participants_are_at_the_promised_steps(researcher):
    study = demo.seed_demo_study(researcher=researcher)
    people = dict(demo.seed_demo_participants(study=study))
    fresh = Participant.objects.get(study=study, user=people["New participant (consent step)"])
    assert fresh.user.email == "participant@example.org"
    assert fresh.consented_at is None
    done = Participant.objects.filter(study=study, baseline_completed_at__isnull=False)
    assert done.count() == 2
    assert AuditEvent.objects.filter(action="participant.baseline", study_id=study.pk).count() == 2


def test_printed_demo_link_reaches_consent_then_baseline(client, researcher):
    from casecast.accounts.links import participant_link

    study = demo.seed_demo_study(researcher=researcher)
    people = dict(demo.seed_demo_participants(study=study))
    link = participant_link(user=people["New participant (consent step)"])
    response = client.get(link.split("8000", 1)[1] if "8000" in link else link, follow=True)
    assert response.redirect_chain[-1][0] == f"/s/{study.slug}/consent/"
    assert "Participant information sheet" in response.content.decode()
    version = study.consent_versions.last()
    response = client.post(
        f"/s/{study.slug}/consent/", {"consent_version": version.pk, "agree": "on"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/s/{study.slug}/about-you/"
    assert "What is your current role?" in response.content.decode()
