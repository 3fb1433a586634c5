from django.urls import path

from casecast.studies.views import (
    audit,
    design,
    links,
    participant,
    participants,
    progress,
    study,
    team,
)

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
    path("studies/", study.study_list, name="list"),
    path("studies/new/", study.study_create, name="create"),
    path("studies/import/", design.design_upload, name="design_import"),
    path(f"{_study}/", study.study_detail, name="detail"),
    path(f"{_study}/details/", study.study_edit, name="edit"),
    path(f"{_study}/status/", study.study_status, name="status"),
    path(f"{_study}/arms/", design.arm_list, name="arms"),
    path(f"{_study}/arms/new/", design.arm_edit, name="arm_add"),
    path(f"{_study}/arms/<slug:key>/", design.arm_edit, name="arm_edit"),
    path(f"{_study}/arms/<slug:key>/remove/", design.arm_delete, name="arm_delete"),
    path(f"{_study}/randomisation/", design.randomisation_edit, name="randomisation"),
    path(f"{_study}/councils/", design.council_list, name="councils"),
    path(f"{_study}/councils/new/", design.council_edit, name="council_add"),
    path(f"{_study}/councils/<int:pk>/", design.council_edit, name="council_edit"),
    path(f"{_study}/councils/<int:pk>/remove/", design.council_delete, name="council_delete"),
    path(f"{_study}/phases/", design.phase_list, name="phases"),
    path(f"{_study}/phases/new/", design.phase_edit, name="phase_add"),
    path(f"{_study}/phases/<int:pk>/", design.phase_edit, name="phase_edit"),
    path(f"{_study}/phases/<int:pk>/remove/", design.phase_delete, name="phase_delete"),
    path(f"{_study}/phases/<int:pk>/move/", design.phase_move, name="phase_move"),
    path(f"{_study}/questions/", design.baseline_list, name="questions"),
    path(f"{_study}/questions/new/", design.baseline_edit, name="baseline_add"),
    path(f"{_study}/questions/<int:pk>/", design.baseline_edit, name="baseline_edit"),
    path(f"{_study}/questions/<int:pk>/remove/", design.baseline_delete, name="baseline_delete"),
    path(f"{_study}/questions/<int:pk>/move/", design.baseline_move, name="baseline_move"),
    path(f"{_study}/eligibility/new/", design.eligibility_add, name="eligibility_add"),
    path(
        f"{_study}/eligibility/<int:pk>/remove/",
        design.eligibility_delete,
        name="eligibility_delete",
    ),
    path(f"{_study}/consent/", design.consent_view, name="consent_text"),
    path(f"{_study}/consent/change/", design.consent_edit, name="consent_edit"),
    path(f"{_study}/team/", team.staff_list, name="staff"),
    path(f"{_study}/team/new/", team.staff_add, name="staff_add"),
    path(f"{_study}/team/<int:pk>/", team.staff_change, name="staff_change"),
    path(f"{_study}/team/<int:pk>/remove/", team.staff_remove, name="staff_remove"),
    path(f"{_study}/participants/", participants.participant_list, name="participants"),
    path(
        f"{_study}/participants/<int:pk>/withdraw/",
        participants.participant_withdraw,
        name="participant_withdraw",
    ),
    path(
        f"{_study}/participants/<int:pk>/revoke-link/",
        links.participant_link_revoke,
        name="participant_link_revoke",
    ),
    path(f"{_study}/invitations/", participants.invitations, name="invitations"),
    path(f"{_study}/invitations/codes.csv", participants.codes_download, name="codes_download"),
    path(f"{_study}/audit/", audit.study_audit, name="audit"),
    path(f"{_study}/audit.csv", audit.study_audit_csv, name="audit_csv"),
    path(f"{_study}/consort/", participants.consort, name="consort"),
    path(f"{_study}/design/", design.design_versions, name="design_versions"),
    path(f"{_study}/design.yaml", design.design_download, name="design_download"),
    path(
        f"{_study}/allocations.csv", participants.allocations_download, name="allocations_download"
    ),
    path(f"{_study}/allocation-list/", participants.advance_list, name="advance_list"),
    path(f"{_study}/recruitment/", progress.recruitment, name="recruitment"),
    path(f"{_study}/data-lock/", progress.data_lock, name="data_lock"),
    path(f"{_study}/unblind/", progress.unblind, name="unblind"),
]
