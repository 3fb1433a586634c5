"""The CONSORT flow: counts at each stage, per arm, per phase, and councils under clusters."""

from casecast.studies import services
from casecast.studies.selectors import consort_flow
from django.urls import reverse
from django.utils import timezone

from tests.fixtures_studies import build_study, create_participant


def _assign(participant, phase, *, done):
    from casecast.forecasts.models import Assignment
    from casecast.vignettes.models import Vignette, VignetteVersion

    vignette, _ = Vignette.objects.get_or_create(study=participant.study, key=f"v{phase.pk}")
    version, _ = VignetteVersion.objects.get_or_create(
        vignette=vignette, number=1, defaults={"title": "Case"}
    )
    Assignment.objects.create(
        participant=participant,
        phase=phase,
        vignette_version=version,
        position=1,
        completed_at=timezone.now() if done else None,
    )


def test_flow_counts_each_stage(
    study,
    participant_invited,
    participant_consented,
    participant_ready,
    participant_control,
    participant_feedback,
):
    services.participant_withdraw(participant=participant_feedback, keep_data=False, by=None)
    flow = consort_flow(study=study)
    assert (flow.invited, flow.consented, flow.completed_baseline) == (5, 4, 3)
    assert flow.randomised == 2
    by_arm = {arm.key: arm for arm in flow.arms}
    assert by_arm["control"].randomised == 1 and by_arm["feedback"].randomised == 1
    assert by_arm["feedback"].withdrawn_erased == 1
    assert (by_arm["control"].analysed, by_arm["feedback"].analysed) == (1, 0)
    assert flow.analysed == 1
    assert flow.is_cluster is False


def test_phase_completion_needs_every_assignment_in_the_phase_complete(
    study, participant_control, participant_feedback
):
    first = study.phases.get(position=1)
    _assign(participant_control, first, done=True)
    _assign(participant_feedback, first, done=False)
    flow = consort_flow(study=study)
    by_arm = {arm.key: arm for arm in flow.arms}
    assert by_arm["control"].phases[0].completed == 1
    assert by_arm["feedback"].phases[0].completed == 0
    assert by_arm["control"].phases[1].completed == 0


def test_cluster_flow_counts_councils(researcher):
    study = build_study(by=researcher, title="Cluster", unit="council", strata=())
    for council in study.councils.all():
        create_participant(study=study, email=f"{council.pk}@example.org", council=council)
    flow = consort_flow(study=study)
    assert flow.is_cluster
    assert flow.councils_total == 2 and flow.councils_randomised == 2
    assert sum(arm.councils for arm in flow.arms) == 2


def test_consort_page_shows_the_flow(client, researcher, study, participant):
    client.force_login(researcher)
    page = client.get(reverse("studies:consort", args=[study.slug])).content.decode()
    assert "Completed phase 2: After randomisation" in page
    assert "Analysed" in page
