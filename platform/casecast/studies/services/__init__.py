"""Writes for studies: set-up, design versions, enrolment, consent, randomisation, withdrawal.

Every function is keyword-only and audit-logs what it changes. User-facing
problems are raised as `django.core.exceptions.ValidationError` with a message
a researcher or participant can act on.

Callers use the package (`from casecast.studies import services`, then
`services.participant_randomise(...)`); every name is re-exported here from:

- `study_setup`: creating a study, its details and status, staff memberships.
- `design_changes`: arms and randomisation settings (design versions), councils,
  phases, baseline and eligibility questions, consent text. The rules a design
  must meet are in `casecast.studies.design`.
- `enrolment`: enrolment by code, CSV invitations and invitation codes,
  consent and the baseline questionnaire.
- `allocation`: the randomisation service (participants, or councils in cluster
  trials) over the pure schemes in `casecast.randomisation`.
- `withdrawal`: withdrawal and erasure.
- `lifecycle`: data lock and unblinding.
- `_common`: status rules and helpers the modules above share.
"""

from casecast.studies.services._common import RANDOMISING, TRANSITIONS, Role, Status
from casecast.studies.services.allocation import participant_randomise
from casecast.studies.services.design_changes import (
    ARM_FROZEN_FIELDS,
    FEEDBACK_POLICIES,
    NOT_FOR_CONTROL,
    TRAINING_MODULES,
    analysis_plan_save,
    arm_delete,
    arm_save,
    baseline_question_delete,
    baseline_question_move,
    baseline_question_save,
    consent_save,
    council_delete,
    council_save,
    eligibility_question_delete,
    eligibility_question_save,
    phase_delete,
    phase_move,
    phase_save,
    randomisation_save,
)
from casecast.studies.services.enrolment import (
    AccountInvitations,
    CsvRowError,
    EnrolmentRefused,
    EnrolmentResult,
    InvitationCsvError,
    enrolment_refusal_notify,
    invitation_codes_generate,
    invitations_for_accounts,
    invitations_import_csv,
    participant_baseline_submit,
    participant_consent,
    participant_eligible,
    participant_enrol,
    participant_linking_set,
)
from casecast.studies.services.lifecycle import (
    DATA_LOCKED_MESSAGE,
    LOCKABLE,
    data_lock_check,
    study_data_lock,
    study_unblind,
)
from casecast.studies.services.study_setup import (
    DEFAULT_BASELINE_QUESTIONS,
    STUDY_DETAIL_FIELDS,
    membership_add,
    membership_change,
    membership_remove,
    study_create,
    study_readiness_problems,
    study_status_change,
    study_update,
)
from casecast.studies.services.withdrawal import participant_withdraw

__all__ = [
    "ARM_FROZEN_FIELDS",
    "DATA_LOCKED_MESSAGE",
    "DEFAULT_BASELINE_QUESTIONS",
    "FEEDBACK_POLICIES",
    "LOCKABLE",
    "NOT_FOR_CONTROL",
    "RANDOMISING",
    "STUDY_DETAIL_FIELDS",
    "TRAINING_MODULES",
    "TRANSITIONS",
    "AccountInvitations",
    "CsvRowError",
    "EnrolmentRefused",
    "EnrolmentResult",
    "InvitationCsvError",
    "Role",
    "Status",
    "analysis_plan_save",
    "arm_delete",
    "arm_save",
    "baseline_question_delete",
    "baseline_question_move",
    "baseline_question_save",
    "consent_save",
    "council_delete",
    "council_save",
    "data_lock_check",
    "eligibility_question_delete",
    "eligibility_question_save",
    "enrolment_refusal_notify",
    "invitation_codes_generate",
    "invitations_for_accounts",
    "invitations_import_csv",
    "membership_add",
    "membership_change",
    "membership_remove",
    "participant_baseline_submit",
    "participant_consent",
    "participant_eligible",
    "participant_enrol",
    "participant_linking_set",
    "participant_randomise",
    "participant_withdraw",
    "phase_delete",
    "phase_move",
    "phase_save",
    "randomisation_save",
    "study_create",
    "study_data_lock",
    "study_readiness_problems",
    "study_status_change",
    "study_unblind",
    "study_update",
]
