"""Every periodic job, declared in one place (run `celery -A tasks beat`).

Times are Europe/London (CELERY_TIMEZONE). Each task is idempotent, so a
missed or doubled tick does no harm.
"""

from celery.schedules import crontab

from tasks.celery_app import app

app.conf.beat_schedule = {
    # Safety nets (tasks/sweep.py): nothing depends on one publish succeeding.
    # Each expires before the next tick, so ticks do not pile up in the queue
    # while no worker is running.
    "sweep-scoring": {
        "task": "tasks.sweep.sweep_scoring",
        "schedule": 5 * 60,
        "options": {"expires": 5 * 60},
    },
    "sweep-emails": {
        "task": "tasks.sweep.sweep_emails",
        "schedule": 10 * 60,
        "options": {"expires": 10 * 60},
    },
    # /healthz reports a worker missing after WORKER_HEARTBEAT_MAX_AGE (120 s).
    "worker-heartbeat": {
        "task": "tasks.sweep.heartbeat",
        "schedule": 30,
        "options": {"expires": 30},
    },
    "send-reminders": {
        "task": "tasks.notifications.send_reminders",
        "schedule": crontab(hour=9, minute=30),
    },
    "send-new-wave-emails": {
        "task": "tasks.notifications.send_new_wave_emails",
        "schedule": crontab(minute=5),
    },
    "send-practice-reminders": {
        "task": "tasks.notifications.send_practice_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "send-feedback-available-emails": {
        "task": "tasks.notifications.send_feedback_available_emails",
        "schedule": crontab(hour=16, minute=0),
    },
}
