"""Email tasks. Each takes ids (or nothing), loads fresh state and sends at most once.

The periodic ones are scheduled in tasks/beat.py. Running any of them twice —
a retry, a duplicate delivery, two beat ticks — sends nothing twice: every
email is claimed by its key in `SentEmail` before it is sent.
"""

from tasks.celery_app import app

EMAIL_RETRY = {
    "autoretry_for": (ConnectionError, OSError),
    "retry_backoff": True,
    "max_retries": 5,
}


@app.task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_participant_link(user_id: int) -> None:
    from casecast.notifications.services import participant_link_email_send

    participant_link_email_send(user_id=user_id)


@app.task(**EMAIL_RETRY)
def send_reminders() -> int:
    """Daily: remind participants with unfinished work, at each study's cadence."""
    from casecast.notifications.scheduled import reminders_send

    return reminders_send()


@app.task(**EMAIL_RETRY)
def send_study_reminders(study_id: int) -> int:
    """One study's due reminders (for a researcher's "send now", or a manual run)."""
    from casecast.notifications.scheduled import study_reminders_send
    from casecast.studies.models import Study

    study = Study.objects.filter(pk=study_id).first()
    return study_reminders_send(study=study) if study is not None else 0


@app.task(**EMAIL_RETRY)
def send_new_wave_emails() -> int:
    """Hourly: announce phases that have opened to participants who can start them."""
    from casecast.notifications.scheduled import new_wave_emails_send

    return new_wave_emails_send()


@app.task(**EMAIL_RETRY)
def send_feedback_available_emails() -> int:
    """Daily: tell participants in feedback arms when new outcomes and scores can be seen."""
    from casecast.notifications.scheduled import feedback_available_emails_send

    return feedback_available_emails_send()
