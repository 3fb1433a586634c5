"""How arms are named to whoever is looking: the one place that decides blinding.

Every page, export and command that shows an arm asks `arm_labels` for its label
instead of reading `Arm.name`, so blinding is applied in one place.

The rule (docs/analysis.md, "Blinding and unblinding"):

- From the first randomisation until a study administrator unblinds the study,
  staff see each arm as a code, "Arm A", "Arm B", … The letters are a random
  permutation drawn once per study and stored on the arm (`Arm.blind_code`), so
  neither the letter nor the order arms are listed in (by letter) follows the
  arm's position, its control flag or anything staff set up.
- The data monitoring committee (`dmc` role) sees the real names throughout; so
  does the command line when it asks explicitly (`unblinded=True`).
- After unblinding (which needs data lock first, see `services.study_unblind`)
  everyone sees the real names.
"""

from __future__ import annotations

import secrets

from django.db import transaction

from casecast.accounts.models import User
from casecast.studies.models import Arm, Council, Participant, Study, StudyMembership

# Letters only, without I and O (read as 1 and 0 on paper).
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
POOLED_LABEL = "All arms (pooled while blinded)"


class NotOnCommittee(Exception):
    """The command line asked for unblinded figures for someone who may not see them."""


def committee_member(*, study: Study, email: str | None) -> User:
    """The account `email` names, if it sits on the study's data monitoring committee.

    The command line's `--unblinded` options (`analyse_study`, `export_study`) ask for a
    member by email so that the audit trail names who saw the real arms. The email is not
    a sign-in (whoever runs the command has the server), so the commands also record the
    operating-system user who ran them.
    """
    email = (email or "").strip()
    if not email:
        raise NotOnCommittee(
            "--unblinded needs --user EMAIL: the data monitoring committee member asking."
        )
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        raise NotOnCommittee(f"No account with the email {email}.")
    if not user.is_active:
        raise NotOnCommittee(f"The account {email} is switched off. Nothing was done.")
    on_committee = StudyMembership.objects.filter(
        study=study, user=user, role=StudyMembership.Role.DMC
    ).exists()
    if not on_committee:
        raise NotOnCommittee(
            f"{email} is not on the data monitoring committee of {study.slug}: only its "
            "members may see real arm names while the study is blinded. Nothing was done."
        )
    return user


def blinding_started(*, study: Study) -> bool:
    """Whether anyone (or, in a cluster trial, any council) has been randomised."""
    return (
        Participant.objects.filter(study=study, arm__isnull=False).exists()
        or Council.objects.filter(study=study, arm__isnull=False).exists()
    )


def is_blinded(*, study: Study, role: str | None = None, unblinded: bool = False) -> bool:
    """Whether `role` (a study role, or None for the command line) sees coded arms.

    `unblinded=True` is the command line's explicit request for real names; pages
    never pass it.
    """
    if study.unblinded_at is not None:
        return False
    if role == StudyMembership.Role.DMC or (role is None and unblinded):
        return False
    return blinding_started(study=study)


def arm_codes_assign(*, study: Study) -> dict[int, str]:
    """Give every arm of the study without a code a random unused letter; arm id -> code.

    Called by the randomisation service (inside its transaction) at the first
    randomisation, and again whenever an arm without a code is found. Codes are
    never re-drawn: a code once seen by staff keeps meaning the same arm.
    """
    with transaction.atomic():
        arms = list(Arm.objects.select_for_update().filter(study=study).order_by("pk"))
        used = {arm.blind_code for arm in arms if arm.blind_code}
        uncoded = [arm for arm in arms if not arm.blind_code]
        # The next unused letters (A, B, … for a new study), in a random permutation.
        free = [letter for letter in CODE_LETTERS if letter not in used][: len(uncoded)]
        if len(free) < len(uncoded):
            raise ValueError(f"A blinded study may have at most {len(CODE_LETTERS)} arms.")
        secrets.SystemRandom().shuffle(free)
        for arm, letter in zip(uncoded, free, strict=True):
            arm.blind_code = letter
            arm.save(update_fields=["blind_code"])
        return {arm.pk: arm.blind_code for arm in arms}


def _real_order(arms: list[Arm]) -> list[Arm]:
    return sorted(arms, key=lambda arm: (not arm.is_control, arm.position, arm.pk))


def arm_labels(*, study: Study, role: str | None = None, unblinded: bool = False) -> dict[int, str]:
    """Arm id -> the label `role` may see (the real name, or a code while blinded).

    The dict is in display order: control first then by position for real names;
    by letter while blinded (so the order reveals nothing).
    """
    arms = list(Arm.objects.filter(study=study))
    if not is_blinded(study=study, role=role, unblinded=unblinded):
        return {arm.pk: arm.name for arm in _real_order(arms)}
    codes = {arm.pk: arm.blind_code for arm in arms}
    if not all(codes.values()):
        codes = arm_codes_assign(study=study)
    return {pk: f"Arm {code}" for pk, code in sorted(codes.items(), key=lambda item: item[1])}


def control_arm_id(*, study: Study, role: str | None = None) -> int | None:
    """The control arm's id, or None while `role` is blinded (which arm is control is hidden)."""
    if is_blinded(study=study, role=role):
        return None
    return Arm.objects.filter(study=study, is_control=True).values_list("pk", flat=True).first()
