"""The two staff page shapes: a form saved through a service, and a remove/move button.

A service's refusal (a `ValidationError`) is shown where the person can act on
it and nothing is redirected; success redirects with a notice.
"""

from casecast.core.form_views import action_done, form_saved
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory


class _CouncilForm(forms.Form):
    name = forms.CharField(error_messages={"required": "Enter the council's name"})


def _request(method: str = "post", data: dict | None = None):
    request = getattr(RequestFactory(), method)("/", data or {})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _notices(request) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(request)]


def _refuse(error: ValidationError):
    def save(data):
        raise error

    return save


def test_a_valid_form_is_saved_and_redirects_with_the_notice():
    request = _request(data={"name": "Leeds"})
    saved = []
    form = _CouncilForm(request.POST)

    response = form_saved(
        request, form, save=saved.append, notice="Council saved.", to="/councils/"
    )

    assert response.status_code == 302 and response["Location"] == "/councils/"
    assert saved == [{"name": "Leeds"}]
    assert _notices(request) == [("success", "Council saved.")]


def test_notice_and_destination_can_come_from_what_was_saved():
    request = _request(data={"name": "Leeds"})
    response = form_saved(
        request,
        _CouncilForm(request.POST),
        save=lambda data: data["name"].lower(),
        notice=lambda slug: f"Made {slug}.",
        to=lambda slug: f"/studies/{slug}/",
    )
    assert response["Location"] == "/studies/leeds/"
    assert _notices(request) == [("success", "Made leeds.")]


def test_a_get_or_an_invalid_form_shows_the_page_and_saves_nothing():
    saved = []
    get = _request("get")
    assert form_saved(get, _CouncilForm(None), save=saved.append, notice="", to="/") is None
    post = _request(data={})
    form = _CouncilForm(post.POST)
    assert form_saved(post, form, save=saved.append, notice="", to="/") is None
    assert saved == []
    assert form.errors == {"name": ["Enter the council's name"]}


def test_a_refusal_naming_a_field_is_shown_at_that_field():
    request = _request(data={"name": "Leeds"})
    form = _CouncilForm(request.POST)
    refusal = ValidationError({"name": "A council called Leeds is already in the study"})

    response = form_saved(request, form, save=_refuse(refusal), notice="Saved.", to="/")

    assert response is None
    assert form.errors == {"name": ["A council called Leeds is already in the study"]}
    assert _notices(request) == []


def test_a_refusal_naming_no_field_of_the_form_is_shown_at_the_top():
    refusals = {
        "The study has left draft": ValidationError("The study has left draft"),
        "Unknown region": ValidationError({"region": "Unknown region"}),
    }
    for message, refusal in refusals.items():
        request = _request(data={"name": "Leeds"})
        form = _CouncilForm(request.POST)
        form_saved(request, form, save=_refuse(refusal), notice="Saved.", to="/")
        assert form.non_field_errors() == [message]
        assert "name" not in form.errors


def test_an_action_redirects_with_its_notice():
    request = _request()
    response = action_done(request, lambda: None, notice="Arm removed.", to="/arms/")
    assert response["Location"] == "/arms/"
    assert _notices(request) == [("success", "Arm removed.")]


def test_a_refused_action_shows_why_as_an_error_and_still_redirects():
    request = _request()

    def refuse():
        raise ValidationError(["Arms cannot be removed once recruiting has started."])

    response = action_done(request, refuse, notice="Arm removed.", to="/arms/")

    assert response["Location"] == "/arms/"
    assert _notices(request) == [("error", "Arms cannot be removed once recruiting has started.")]


def test_an_action_with_nothing_to_do_redirects_without_a_notice():
    request = _request()
    response = action_done(request, lambda: False, notice="Moved up.", to="/phases/")
    assert response["Location"] == "/phases/"
    assert _notices(request) == []
