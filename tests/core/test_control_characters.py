"""Control characters are refused in every submitted value and uploaded document, in one place."""

import pytest
from casecast.core.safe_load import DocumentRefused, json_load, yaml_check
from django.urls import reverse


@pytest.mark.django_db
def test_a_staff_form_with_a_nul_is_refused_before_anything_is_saved(client, study, researcher):
    client.force_login(researcher)
    council = study.councils.first()
    response = client.post(
        reverse("studies:council_edit", args=[study.slug, council.pk]),
        {"name": "North\x00shire", "region": "North"},
    )
    assert response.status_code == 400
    assert b"hidden control character" in response.content
    assert b"<title>Error: " in response.content
    council.refresh_from_db()
    assert "\x00" not in council.name


@pytest.mark.django_db
def test_a_query_string_with_a_control_character_is_refused(client):
    response = client.get(reverse("core:start") + "?q=%1b[31m")
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_participant_sign_up_with_a_nul_in_the_code_is_refused(client):
    response = client.post(reverse("studies:enrol_code"), {"code": "ABC\x00"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "load",
    [
        lambda: yaml_check('title: "a\\0b"\n'),
        lambda: json_load('{"title": "a\\u0000b"}'),
        lambda: json_load('{"a\\u0007": 1}'),
    ],
    ids=["yaml-escape", "json-escape", "json-key"],
)
def test_an_uploaded_document_with_an_escaped_control_character_is_refused(load):
    with pytest.raises(DocumentRefused, match="control character"):
        load()
