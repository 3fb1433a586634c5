"""The menu offers the token page to staff, never to participants (a module of its own:
it uses the shared personas, which the seeded demo of the other API modules would clash
with)."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_staff_find_the_token_page_in_the_menu_and_participants_do_not(
    client, researcher, study, participant
):
    client.force_login(researcher)
    assert reverse("api:tokens") in client.get(reverse("core:privacy")).content.decode()
    client.force_login(participant.user)
    assert reverse("api:tokens") not in client.get(reverse("core:privacy")).content.decode()
