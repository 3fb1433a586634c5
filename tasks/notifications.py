"""Email tasks. Each takes ids, loads fresh state and sends at most once."""

from tasks.celery_app import app


@app.task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_participant_link(user_id: int) -> None:
    from casecast.notifications.services import participant_link_email_send

    participant_link_email_send(user_id=user_id)
