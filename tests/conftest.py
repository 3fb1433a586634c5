"""Shared personas and fixtures.

Feature fixtures live beside their tests; the personas below are shared by all:
a site administrator, a researcher (study staff once added to a study) and an
outsider with an account but no study. Study, vignette and participant
personas come from the plugin modules listed in `pytest_plugins`.
"""

import pytest

pytest_plugins = [
    "tests.fixtures_studies",
    "tests.fixtures_vignettes",
    "tests.fixtures_services",
]


@pytest.fixture
def site_admin(django_user_model):
    return django_user_model.objects.create_superuser(
        email="admin@example.org", password="correct horse battery staple"
    )


@pytest.fixture
def researcher(django_user_model):
    return django_user_model.objects.create_user(
        email="researcher@example.org", password="correct horse battery staple", name="Rosa Researcher"
    )


@pytest.fixture
def outsider(django_user_model):
    return django_user_model.objects.create_user(
        email="outsider@example.org", password="correct horse battery staple"
    )
