"""Study staff pages: every page renders for staff, roles limit who may change what."""

from casecast.audit.models import AuditEvent
from casecast.studies.models import Study, StudyMembership
from django.urls import reverse

from tests.fixtures_studies import build_study

READ_PAGES = [
    "detail",
    "arms",
    "councils",
    "phases",
    "questions",
    "consent_text",
    "staff",
    "participants",
    "consort",
    "design_versions",
]
DESIGN_PAGES = [
    "edit",
    "status",
    "arm_add",
    "randomisation",
    "council_add",
    "phase_add",
    "baseline_add",
    "eligibility_add",
    "consent_edit",
    "staff_add",
]


def _url(name, study, *args):
    return reverse(f"studies:{name}", args=[study.slug, *args])


def test_study_administrator_can_open_every_staff_page(client, researcher, study):
    client.force_login(researcher)
    for name in [*READ_PAGES, *DESIGN_PAGES, "invitations"]:
        response = client.get(_url(name, study))
        assert response.status_code == 200, name
        assert b"govuk-heading-l" in response.content, name


def test_analyst_reads_pages_but_cannot_open_or_post_to_change_pages(client, study_analyst, study):
    client.force_login(study_analyst)
    for name in READ_PAGES:
        assert client.get(_url(name, study)).status_code == 200, name
    for name in [*DESIGN_PAGES, "invitations"]:
        assert client.get(_url(name, study)).status_code == 403, name
        assert client.post(_url(name, study), {}).status_code == 403, name


def test_researcher_role_cannot_change_the_design(client, study_researcher, study):
    client.force_login(study_researcher)
    for name in DESIGN_PAGES:
        assert client.post(_url(name, study), {}).status_code == 403, name


def test_researcher_role_can_manage_invitations(client, study_researcher, study):
    client.force_login(study_researcher)
    assert client.get(_url("invitations", study)).status_code == 200


def test_outsiders_and_participants_get_403(client, outsider, participant, study):
    for user in (outsider, participant.user):
        client.force_login(user)
        for name in READ_PAGES:
            assert client.get(_url(name, study)).status_code == 403, name


def test_staff_of_another_study_cannot_see_this_one(client, study, other_study):
    owner = other_study.memberships.get().user
    client.force_login(owner)
    assert client.get(_url("detail", study)).status_code == 403


def test_study_list_shows_only_my_studies(client, researcher, study, other_study):
    client.force_login(researcher)
    page = client.get(reverse("studies:list")).content.decode()
    assert study.title in page
    assert other_study.title not in page


def test_researcher_creates_a_draft_study_and_becomes_its_administrator(client, researcher):
    client.force_login(researcher)
    response = client.post(reverse("studies:create"), {"title": "Threshold decisions"})
    study = Study.objects.get(title="Threshold decisions")
    assert response.url == reverse("studies:detail", args=[study.slug])
    assert study.status == Study.Status.DRAFT
    assert study.memberships.get(user=researcher).role == StudyMembership.Role.ADMIN
    assert study.baseline_questions.count() == 3


def test_a_draft_study_is_set_up_through_the_pages(client, researcher):
    client.force_login(researcher)
    client.post(reverse("studies:create"), {"title": "Pages study"})
    study = Study.objects.get(title="Pages study")
    post = lambda name, data, *args: client.post(_url(name, study, *args), data)  # noqa: E731
    assert (
        post(
            "arm_add", {"key": "control", "name": "Control", "ratio": "1", "is_control": "on"}
        ).status_code
        == 302
    )
    assert (
        post(
            "arm_add",
            {
                "key": "feedback",
                "name": "Feedback",
                "ratio": "2",
                "feedback_policies": ["outcome", "calibration"],
            },
        ).status_code
        == 302
    )
    assert (
        post(
            "randomisation",
            {
                "scheme": "minimisation",
                "unit": "participant",
                "strata": ["council", "role"],
                "block_multiples": "1, 2",
                "minimisation_probability": "0.9",
            },
        ).status_code
        == 302
    )
    assert post("council_add", {"name": "Northshire", "region": "North East"}).status_code == 302
    assert (
        post(
            "phase_add", {"name": "Cases", "randomise_before": "on", "ordering": "fixed"}
        ).status_code
        == 302
    )
    assert post("consent_edit", {"text": "# About\n\nPlease take part."}).status_code == 302
    assert post("status", {"status": "recruiting"}).status_code == 302
    study.refresh_from_db()
    assert study.status == Study.Status.RECRUITING
    version = study.design_versions.get()
    assert version.scheme == "minimisation" and version.minimisation_probability == 0.9
    assert [(a["key"], a["ratio"]) for a in version.arms] == [("control", 1), ("feedback", 2)]


def test_opening_an_incomplete_study_lists_what_is_missing(client, researcher):
    client.force_login(researcher)
    client.post(reverse("studies:create"), {"title": "Empty"})
    study = Study.objects.get(title="Empty")
    page = client.post(_url("status", study), {"status": "recruiting"}).content.decode()
    assert "Write the consent text." in page
    assert "Add at least one council." in page
    study.refresh_from_db()
    assert study.status == Study.Status.DRAFT


def test_admin_manages_the_team_and_cannot_remove_the_last_admin(
    client, researcher, study, outsider
):
    client.force_login(researcher)
    client.post(_url("staff_add", study), {"email": outsider.email, "role": "analyst"})
    membership = study.memberships.get(user=outsider)
    assert membership.role == "analyst"
    client.post(_url("staff_change", study, membership.pk), {"role": "researcher"})
    membership.refresh_from_db()
    assert membership.role == "researcher"
    own = study.memberships.get(user=researcher)
    client.post(_url("staff_remove", study, own.pk))
    assert study.memberships.filter(user=researcher).exists()
    assert AuditEvent.objects.filter(action="membership.change", study_id=study.pk).exists()


def test_adding_someone_without_a_staff_account_is_explained(client, researcher, study):
    client.force_login(researcher)
    page = client.post(
        _url("staff_add", study), {"email": "nobody@example.org", "role": "analyst"}
    ).content.decode()
    assert "There is no staff account with this email address" in page


def test_arm_delete_is_refused_once_recruiting(client, researcher, study):
    client.force_login(researcher)
    response = client.post(_url("arm_delete", study, "feedback"), follow=True)
    assert study.arms.filter(key="feedback").exists()
    assert response.redirect_chain[-1][0] == _url("arms", study)
    assert b"govuk-notification-banner" in response.content
    assert b"Arm removed." not in response.content


def test_removing_a_council_in_a_draft_study_confirms_it(client, researcher):
    study = build_study(by=researcher, title="Draft", status="draft")
    council = study.councils.first()
    client.force_login(researcher)
    response = client.post(_url("council_delete", study, council.pk), follow=True)
    assert not study.councils.filter(pk=council.pk).exists()
    assert response.redirect_chain[-1][0] == _url("councils", study)
    assert b"Council removed." in response.content


def test_cluster_design_councils_table_hides_arms_until_closed(client, researcher):
    study = build_study(by=researcher, title="Cluster", unit="council", strata=("region",))
    from tests.fixtures_studies import create_participant

    create_participant(study=study, email="c@example.org")
    client.force_login(researcher)
    assert (
        '<th scope="col" class="govuk-table__header">Arm</th>'
        not in client.get(_url("councils", study)).content.decode()
    )


def test_the_overview_links_to_every_staff_area_of_the_study(client, study_analyst, study):
    """Every study page a staff member may open is reachable from the overview."""
    client.force_login(study_analyst)
    page = client.get(reverse("studies:detail", args=[study.slug])).content.decode()
    for name in [
        "studies:arms",
        "studies:councils",
        "studies:phases",
        "studies:participants",
        "studies:consort",
        "vignettes:list",
        "training:staff_overview",
        "notifications:staff_emails",
        "resolution:list",
        "reports:report",
        "studies:analysis_plan",
    ]:
        url = reverse(name, args=[study.slug])
        assert f'href="{url}"' in page, name
        assert client.get(url).status_code == 200, name
