"""Erasure leaves the person's email nowhere in the database: every text column of every table."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from casecast.notifications.models import SentEmail
from casecast.studies import services
from django.db import connection
from django.urls import reverse

from tests.fixtures_studies import create_participant

EMAIL = "erase.me@council.example"


def _tables_mentioning(text: str) -> list[str]:
    """Every table.column whose value, read as text, contains `text` (all columns, all tables)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                name = connection.ops.quote_name(column.name)
                cursor.execute(
                    f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)} "
                    f"WHERE LOWER(CAST({name} AS TEXT)) LIKE %s",
                    [f"%{text.lower()}%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column.name}")
    return found


@pytest.mark.django_db(transaction=True)
def test_after_erasure_the_email_is_in_no_table(client, study, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        participant = create_participant(study=study, email=EMAIL)
    # Someone typed the address into the staff sign-in form: axes logged it.
    client.post(reverse("accounts:login"), {"username": EMAIL, "password": "not a password"})
    for log in (AccessLog, AccessFailureLog):  # written when those axes logs are switched on
        log.objects.create(username=EMAIL, ip_address="192.0.2.10", user_agent="test")
    SentEmail.objects.filter(user=participant.user).update(error=f"550 {EMAIL} unknown")
    assert AccessAttempt.objects.filter(username=EMAIL).exists()
    assert len(_tables_mentioning(EMAIL)) >= 4, "the search must see the places the email is"

    services.participant_withdraw(participant=participant, keep_data=False, by=participant.user)

    assert _tables_mentioning(EMAIL) == []
