import pytest
from django.urls import reverse

PASSWORD = "correct horse battery staple"


@pytest.mark.django_db
def test_researcher_signs_in_with_email_and_password(client, researcher):
    response = client.post(
        reverse("accounts:login"), {"username": "Researcher@Example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code in (200, 302)
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
def test_wrong_password_shows_an_error_summary(client, researcher):
    response = client.post(
        reverse("accounts:login"), {"username": researcher.email, "password": "nope"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    message = "Enter the email address and password for your researcher account"
    # In the summary, linked to the email field (GOV.UK sign-in pattern).
    assert f'<a href="#id_username">{message}</a>' in page
    assert "case-sensitive" not in page  # email addresses are not
    assert "<title>Error: Sign in – Casecast</title>" in page


@pytest.mark.django_db
def test_sign_in_page_title_names_the_service_not_the_host(client):
    page = client.get(reverse("accounts:login"), HTTP_HOST="127.0.0.1").content.decode()
    assert "<title>Sign in – Casecast</title>" in page
    assert 'class="govuk-generic-header__homepage-link">Casecast</a>' in page
    assert "127.0.0.1" not in page


@pytest.mark.django_db
def test_empty_sign_in_says_what_to_enter(client):
    page = client.post(reverse("accounts:login"), {}).content.decode()
    assert '<a href="#id_username">Enter your email address</a>' in page
    assert '<a href="#id_password">Enter your password</a>' in page
    assert "This field is required" not in page


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_for_a_while(client, researcher, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": researcher.email, "password": "wrong"})
    response = client.post(
        reverse("accounts:login"), {"username": researcher.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert b"Too many attempts to sign in" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_participant_accounts_have_no_usable_password(django_user_model):
    participant = django_user_model.objects.create_user(email="worker@council.example")
    assert not participant.has_usable_password()


@pytest.mark.django_db
def test_emails_are_stored_lower_case_and_unique_regardless_of_case(django_user_model):
    from django.core.exceptions import ValidationError

    django_user_model.objects.create_user(email="Social.Worker@Council.example")
    assert django_user_model.objects.filter(email="social.worker@council.example").exists()
    with pytest.raises(ValidationError):
        django_user_model.objects.create_user(email="SOCIAL.WORKER@council.example")
