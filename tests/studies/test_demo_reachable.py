"""Every kind of question in the demo bank can be tried by a demo participant now, not only
in the second wave that opens months later (issue 14: the demo's multiple-choice question
sat in a phase that opens next year)."""

import pytest
from casecast.studies.demo import DEMO_SLUG
from casecast.vignettes.models import PhaseVignette, Question
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone


@pytest.mark.django_db
def test_every_question_kind_in_the_demo_is_in_a_phase_open_now():
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    open_now = Q(phase__opens_at__isnull=True) | Q(phase__opens_at__lte=timezone.now())
    planned = PhaseVignette.objects.filter(open_now, phase__study__slug=DEMO_SLUG)
    reachable = set(
        Question.objects.filter(version__vignette__in=planned.values("vignette")).values_list(
            "kind", flat=True
        )
    )
    in_bank = set(
        Question.objects.filter(version__vignette__study__slug=DEMO_SLUG).values_list(
            "kind", flat=True
        )
    )
    assert Question.Kind.MULTIPLE_CHOICE in reachable
    assert reachable == in_bank
