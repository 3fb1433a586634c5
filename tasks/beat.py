"""Every periodic job, declared in one place (run `celery -A tasks beat`).

Times are Europe/London (CELERY_TIMEZONE). Each task is idempotent, so a
missed or doubled tick does no harm.
"""

from celery.schedules import crontab

from tasks.celery_app import app

app.conf.beat_schedule = {
    "send-reminders": {
        "task": "tasks.notifications.send_reminders",
        "schedule": crontab(hour=9, minute=30),
    },
    "send-new-wave-emails": {
        "task": "tasks.notifications.send_new_wave_emails",
        "schedule": crontab(minute=5),
    },
    "send-feedback-available-emails": {
        "task": "tasks.notifications.send_feedback_available_emails",
        "schedule": crontab(hour=16, minute=0),
    },
}
