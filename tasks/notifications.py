"""Email tasks. Each takes ids (or nothing), loads fresh state and sends at most once.

The periodic ones are scheduled in tasks/beat.py. Running any of them twice —
a retry, a duplicate delivery, two beat ticks — sends nothing twice: every
email is claimed by its key in `SentEmail` before it is sent. The bodies are
jobs in `notifications.jobs` and `notifications.scheduled`.
"""

from casecast.notifications import jobs, scheduled
from casecast.practice import jobs as practice_jobs

from tasks.celery_app import app

EMAIL_RETRY = {
    "autoretry_for": (ConnectionError, OSError),
    "retry_backoff": True,
    "max_retries": 5,
}


@app.task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def send_participant_link(user_id: int) -> None:
    jobs.participant_link_email_send(user_id=user_id)


@app.task(**EMAIL_RETRY)
def send_reminders() -> int:
    """Daily: remind participants with unfinished work, at each study's cadence."""
    return scheduled.reminders_send()


@app.task(**EMAIL_RETRY)
def send_new_wave_emails() -> int:
    """Hourly: announce phases that have opened to participants who can start them."""
    return scheduled.new_wave_emails_send()


@app.task(**EMAIL_RETRY)
def send_feedback_available_emails() -> int:
    """Daily: tell participants in feedback arms when new outcomes and scores can be seen."""
    return scheduled.feedback_available_emails_send()


@app.task(**EMAIL_RETRY)
def send_practice_reminders() -> int:
    """Daily: ask workers what happened when a practice forecast of theirs falls due."""
    return practice_jobs.practice_reminders_send()


@app.task(**EMAIL_RETRY)
def send_practice_invitation(access_id: int) -> bool:
    """A study administrator invited a worker to practise only: email their link."""
    return practice_jobs.practice_invitation_send(access_id=access_id)
