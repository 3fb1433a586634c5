import pytest
from django.core import mail
from django.urls import reverse
from sesame.utils import get_query_string


@pytest.mark.django_db
def test_a_valid_personal_link_signs_the_participant_in(client, django_user_model):
    participant = django_user_model.objects.create_user(email="p@council.example")
    response = client.get(reverse("accounts:link") + get_query_string(participant))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(participant.pk)


@pytest.mark.django_db
def test_an_expired_or_altered_link_explains_how_to_get_a_new_one(client, django_user_model):
    participant = django_user_model.objects.create_user(email="p@council.example")
    tampered = get_query_string(participant)[:-3] + "xyz"
    response = client.get(reverse("accounts:link") + tampered)
    assert response.status_code == 403
    assert b"Your link has expired or is not valid" in response.content
    assert reverse("accounts:request_link").encode() in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_requesting_a_link_for_an_unknown_address_reveals_nothing(client):
    response = client.post(reverse("accounts:request_link"), {"email": "nobody@example.org"})
    assert response.status_code == 200
    assert b"Check your email" in response.content
    assert mail.outbox == []


@pytest.mark.django_db
def test_request_link_form_names_the_problem(client):
    response = client.post(reverse("accounts:request_link"), {"email": "not-an-address"})
    assert b"Enter an email address in the correct format" in response.content
    assert b'href="#id_email"' in response.content
