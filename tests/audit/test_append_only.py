import pytest
from casecast.audit.models import AppendOnlyError, AuditEvent
from casecast.audit.services import audit_record
from django.db import connection, transaction
from django.db.utils import DatabaseError


@pytest.mark.django_db
def test_recording_an_event_keeps_who_what_and_why(researcher):
    event = audit_record(
        action="question.annul",
        actor=researcher,
        study_id=7,
        target=researcher,
        reason="Ambiguous wording",
        data={"question": "q1"},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.action, stored.study_id, stored.reason) == (
        researcher,
        "question.annul",
        7,
        "Ambiguous wording",
    )
    assert stored.target_type == "accounts.user"
    assert stored.target_id == str(researcher.pk)


@pytest.mark.django_db
def test_events_cannot_be_changed_or_deleted_through_the_orm(researcher):
    event = audit_record(action="study.create", actor=researcher)
    event.reason = "rewritten history"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.django_db
def test_an_anonymous_actor_is_recorded_as_the_system(client):
    from django.contrib.auth.models import AnonymousUser

    event = audit_record(action="participant.enrol", actor=AnonymousUser())
    assert event.actor is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_refuses_raw_sql_updates_and_deletes(researcher):
    if connection.vendor != "postgresql":
        pytest.skip(
            "the append-only trigger exists on PostgreSQL only (CI runs this on PostgreSQL)"
        )
    event = audit_record(action="study.create", actor=researcher)
    for sql in (
        "UPDATE audit_auditevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, reason="").exists()
