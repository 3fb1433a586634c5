"""Every form says what to do when an answer is missing (GOV.UK error messages).

The test walks every Form class in Casecast's `forms` modules, submits it empty
and checks that no message is Django's generic "This field is required.". A
form whose constructor needs arguments is listed in `_instances` with the
arguments it gets in the app; a new form that needs arguments and is not listed
fails the test, so it cannot be left out by accident.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

import casecast
import pytest
from casecast.studies.models import Arm, BaselineQuestion, EligibilityQuestion
from casecast.training.content import CONFIDENCE, LESSON, Check, Step
from casecast.vignettes.models import Question, Vignette
from django import forms
from django.urls import reverse

GENERIC_REQUIRED = str(forms.Field.default_error_messages["required"])


def _form_classes() -> list[type[forms.BaseForm]]:
    found = []
    for module_info in pkgutil.walk_packages(casecast.__path__, "casecast."):
        if module_info.name.rsplit(".", 1)[-1] != "forms":
            continue
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def _baseline_questions() -> list[BaselineQuestion]:
    return [
        BaselineQuestion(
            key="role",
            label="What is your current role?",
            kind=BaselineQuestion.Kind.CHOICE,
            choices=["Social worker", "Team manager"],
        ),
        BaselineQuestion(
            key="caseload", label="How many children are on your caseload?", kind="number"
        ),
        BaselineQuestion(key="team", label="What is your team called?", kind="text"),
    ]


def _outcome_questions() -> list[Question]:
    return [
        Question(key="b", kind=Question.Kind.BINARY, text="Re-referral?"),
        Question(key="n", kind=Question.Kind.NUMERIC, text="Days missed?", unit="days"),
        Question(
            key="m",
            kind=Question.Kind.MULTIPLE_CHOICE,
            text="Conference outcome?",
            options=["No plan", "Child in need plan"],
        ),
    ]


def _confidence_step() -> Step:
    return Step(key="c1", type=CONFIDENCE, question="Which is larger?", options=["A", "B"])


def _check_step() -> Step:
    check = Check(question="What is a base rate?", options=["X", "Y"], correct=0, explanation="")
    return Step(key="l1", type=LESSON, title="Base rates", check=check)


# Keyword arguments for forms that need them, as their views pass them. Each
# entry may give several variants (for example a correction and a first record).
def _instances(study: Any) -> dict[str, list[dict[str, Any]]]:
    arms = list(study.arms.all()) or [Arm(key="control", name="Control")]
    return {
        "EligibilityForm": [
            {"questions": [EligibilityQuestion(pk=1, text="Are you a social worker?")]}
        ],
        "EnrolDetailsForm": [{"allow_no_email": False}, {"allow_no_email": True}],
        "BaselineForm": [{"questions": _baseline_questions()}],
        "RandomisationForm": [{"study": study}],
        "AnalysisPlanForm": [{"study": study}],
        "StatusForm": [{"allowed": [("recruiting", "Recruiting"), ("closed", "Closed")]}],
        "CodesForm": [{"study": study}],
        "RoleForm": [{"study": study}],
        "MembershipForm": [{"study": study}],
        "PhasePlanForm": [{"vignettes": [Vignette(key="v1"), Vignette(key="v2")], "arms": arms}],
        "OutcomeForm": [
            {"question": question, "correction": correction}
            for question in _outcome_questions()
            for correction in (False, True)
        ],
        "ConfidenceAnswerForm": [{"step": _confidence_step()}],
        "CheckAnswerForm": [{"step": _check_step()}],
        "AuditFilterForm": [{"actors": [(1, "researcher@example.org")], "actions": ["arm.update"]}],
        "SharingForm": [{"studies": type(study).objects.filter(pk=study.pk)}],
        "InviteTopForm": [{"studies": type(study).objects.filter(pk=study.pk)}],
        "PooledExportForm": [{"studies": [(study.slug, study.title)]}],
        "ForecastForm": [{"unit": "Brier points", "level": 80}],
        "ConsentForm": [{"offers_linking": False}, {"offers_linking": True}],
    }


def _submitted_empty(cls: type[forms.BaseForm], study: Any) -> Iterator[forms.BaseForm]:
    variants = _instances(study).get(cls.__name__, [{}])
    for kwargs in variants:
        try:
            form = cls(data={}, files={}, **kwargs)
        except TypeError as error:  # a new form that needs arguments
            pytest.fail(
                f"{cls.__module__}.{cls.__name__} needs constructor arguments ({error}): "
                "add them to _instances in tests/core/test_form_messages.py"
            )
        form.is_valid()
        yield form


@pytest.mark.django_db
def test_every_form_in_the_project_names_what_to_enter_when_a_field_is_missing(study):
    classes = _form_classes()
    names = {cls.__name__ for cls in classes}
    # The walk really found the forms (so this test cannot pass by finding none).
    assert {"OutcomeForm", "OutcomeCsvForm", "StudyDetailsForm", "BankUploadForm"} <= names
    assert {"SignInForm", "EmailTemplateForm", "ReminderPolicyForm", "ConsentForm"} <= names
    assert len(classes) >= 30, sorted(names)

    generic: list[str] = []
    required_checked = 0
    for cls in classes:
        for form in _submitted_empty(cls, study):
            for name, field in form.fields.items():
                if field.required:
                    required_checked += 1
                    messages = form.errors.get(name)
                    assert messages, f"{cls.__name__}.{name} is required but had no error"
            for name, messages in form.errors.items():
                for message in messages:
                    if message == GENERIC_REQUIRED or "This field is required" in message:
                        generic.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert required_checked > 50
    assert not generic, "generic 'This field is required.' on:\n" + "\n".join(sorted(generic))


def _required_message(form_factory: Callable[[], forms.BaseForm], field: str) -> str:
    form = form_factory()
    form.is_valid()
    return str(form.errors[field][0])


@pytest.mark.django_db
def test_messages_say_what_to_do(study):
    from casecast.notifications.forms import EmailTemplateForm
    from casecast.resolution.forms import OutcomeCsvForm, OutcomeForm, ReasonForm
    from casecast.studies.forms import StudyDetailsForm
    from casecast.vignettes.forms import BankUploadForm

    question = _outcome_questions()[0]

    def outcome() -> forms.BaseForm:
        return OutcomeForm(data={}, question=question, correction=True)

    assert _required_message(outcome, "known_at") == "Enter the date the outcome became known"
    assert _required_message(outcome, "source") == "Enter where the outcome comes from"
    assert _required_message(outcome, "reason") == "Enter the reason for the change"
    assert _required_message(lambda: ReasonForm(data={}), "reason") == "Enter the reason"
    assert (
        _required_message(lambda: OutcomeCsvForm(data={}, files={}), "file")
        == "Select a CSV file to import"
    )
    assert (
        _required_message(lambda: BankUploadForm(data={}, files={}), "bank_file")
        == "Select a bank file to upload"
    )
    assert _required_message(lambda: StudyDetailsForm(data={}), "title") == "Enter a study title"
    assert _required_message(lambda: EmailTemplateForm(data={}), "body") == "Enter the message"


def test_baseline_questions_name_the_question_they_need_an_answer_to():
    from casecast.studies.forms import BaselineForm

    form = BaselineForm(data={}, questions=_baseline_questions())
    assert not form.is_valid()
    assert form.errors["role"] == ["Select an answer to ‘What is your current role?’"]
    assert form.errors["caseload"] == [
        "Enter a number in answer to ‘How many children are on your caseload?’"
    ]
    assert form.errors["team"] == ["Enter an answer to ‘What is your team called?’"]


def test_about_you_page_names_each_unanswered_question(client, study, participant_consented):
    client.force_login(participant_consented.user)
    page = client.post(reverse("studies:baseline", args=[study.slug]), {}).content.decode()
    labels = [question.label for question in study.baseline_questions.all()]
    assert len(labels) >= 3
    for label in labels:
        assert f"Select an answer to ‘{label}’" in page
    assert "Select an answer<" not in page
