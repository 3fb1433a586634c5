"""Every export names a participant the same way, so researchers can join the files."""

import hashlib
import hmac

import pytest
from casecast.core.pseudonyms import pseudonym
from casecast.resolution import exports as resolution_exports
from casecast.studies import design as study_design


def test_a_pseudonym_is_the_keyed_hmac_of_kind_and_id():
    expected = hmac.new(b"secret", b"participant:42", hashlib.sha256).hexdigest()
    assert pseudonym(key="secret", kind="participant", pk=42) == expected
    assert pseudonym(key="secret", kind="council", pk=42) != expected
    assert pseudonym(key="other", kind="participant", pk=42) != expected
    assert pseudonym(key="secret", kind="participant", pk=None) == ""


@pytest.mark.django_db
def test_allocation_and_score_exports_share_the_participant_pseudonym(participant):
    study = participant.study
    in_allocation_export = study_design.pseudonym(study=study, participant_id=participant.pk)
    in_score_export = resolution_exports.pseudonym(
        key=study.pseudonym_key, kind="participant", pk=participant.pk
    )
    assert in_allocation_export == in_score_export
    assert str(participant.pk) != in_allocation_export
