"""Periodic safety nets, scheduled in tasks/beat.py.

- `sweep_scoring`: scores questions whose forecasts were left unscored or
  scored against an old outcome — e.g. because the broker was down when the
  submission or resolution committed, so its task was never sent.
- `sweep_emails`: sends invitation emails whose task was never sent.
- `heartbeat`: records that a worker is taking tasks; /healthz reads it.

All three are idempotent: running one twice, or alongside the task it backs
up, changes nothing more than running it once.
"""

from casecast.core.health import heartbeat_record
from casecast.notifications.sweep import email_sweep
from casecast.resolution.sweep import scoring_sweep

from tasks.celery_app import app


@app.task
def sweep_scoring() -> int:
    return len(scoring_sweep())


@app.task
def sweep_emails() -> int:
    return email_sweep()


@app.task
def heartbeat() -> None:
    heartbeat_record()
