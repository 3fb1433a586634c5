from django.urls import path

from casecast.studies.views import design, links, participant, staff

app_name = "studies"

_study = "studies/<slug:slug>"

urlpatterns = [
    # Participants
    path("enrol/", participant.enrol_code, name="enrol_code"),
    path("enrol/questions/", participant.enrol_eligibility, name="enrol_eligibility"),
    path("enrol/details/", participant.enrol_details, name="enrol_details"),
    path("s/<slug:slug>/consent/", participant.consent, name="consent"),
    path("s/<slug:slug>/about-you/", participant.baseline, name="baseline"),
    path("s/<slug:slug>/withdraw/", participant.withdraw, name="withdraw"),
    # Study staff
    path("studies/", staff.study_list, name="list"),
    path("studies/new/", staff.study_create, name="create"),
    path("studies/import/", design.design_upload, name="design_import"),
    path(f"{_study}/", staff.study_detail, name="detail"),
    path(f"{_study}/details/", staff.study_edit, name="edit"),
    path(f"{_study}/status/", staff.study_status, name="status"),
    path(f"{_study}/arms/", staff.arm_list, name="arms"),
    path(f"{_study}/arms/new/", staff.arm_edit, name="arm_add"),
    path(f"{_study}/arms/<slug:key>/", staff.arm_edit, name="arm_edit"),
    path(f"{_study}/arms/<slug:key>/remove/", staff.arm_delete, name="arm_delete"),
    path(f"{_study}/randomisation/", staff.randomisation_edit, name="randomisation"),
    path(f"{_study}/councils/", staff.council_list, name="councils"),
    path(f"{_study}/councils/new/", staff.council_edit, name="council_add"),
    path(f"{_study}/councils/<int:pk>/", staff.council_edit, name="council_edit"),
    path(f"{_study}/councils/<int:pk>/remove/", staff.council_delete, name="council_delete"),
    path(f"{_study}/phases/", staff.phase_list, name="phases"),
    path(f"{_study}/phases/new/", staff.phase_edit, name="phase_add"),
    path(f"{_study}/phases/<int:pk>/", staff.phase_edit, name="phase_edit"),
    path(f"{_study}/phases/<int:pk>/remove/", staff.phase_delete, name="phase_delete"),
    path(f"{_study}/phases/<int:pk>/move/", staff.phase_move, name="phase_move"),
    path(f"{_study}/questions/", staff.baseline_list, name="questions"),
    path(f"{_study}/questions/new/", staff.baseline_edit, name="baseline_add"),
    path(f"{_study}/questions/<int:pk>/", staff.baseline_edit, name="baseline_edit"),
    path(f"{_study}/questions/<int:pk>/remove/", staff.baseline_delete, name="baseline_delete"),
    path(f"{_study}/questions/<int:pk>/move/", staff.baseline_move, name="baseline_move"),
    path(f"{_study}/eligibility/new/", staff.eligibility_add, name="eligibility_add"),
    path(
        f"{_study}/eligibility/<int:pk>/remove/",
        staff.eligibility_delete,
        name="eligibility_delete",
    ),
    path(f"{_study}/consent/", staff.consent_view, name="consent_text"),
    path(f"{_study}/consent/change/", staff.consent_edit, name="consent_edit"),
    path(f"{_study}/team/", staff.staff_list, name="staff"),
    path(f"{_study}/team/new/", staff.staff_add, name="staff_add"),
    path(f"{_study}/team/<int:pk>/", staff.staff_change, name="staff_change"),
    path(f"{_study}/team/<int:pk>/remove/", staff.staff_remove, name="staff_remove"),
    path(f"{_study}/participants/", staff.participant_list, name="participants"),
    path(
        f"{_study}/participants/<int:pk>/withdraw/",
        staff.participant_withdraw,
        name="participant_withdraw",
    ),
    path(
        f"{_study}/participants/<int:pk>/revoke-link/",
        links.participant_link_revoke,
        name="participant_link_revoke",
    ),
    path(f"{_study}/invitations/", design.invitations, name="invitations"),
    path(f"{_study}/invitations/codes.csv", design.codes_download, name="codes_download"),
    path(f"{_study}/consort/", staff.consort, name="consort"),
    path(f"{_study}/design/", design.design_versions, name="design_versions"),
    path(f"{_study}/design.yaml", design.design_download, name="design_download"),
    path(f"{_study}/allocations.csv", design.allocations_download, name="allocations_download"),
    path(f"{_study}/allocation-list/", design.advance_list, name="advance_list"),
]
