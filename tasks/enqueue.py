"""Send a task after the transaction commits, without ever failing the request.

Services call `enqueue_on_commit(task, *args)` instead of `task.delay_on_commit`.
The difference: if the broker is down or slow, the publish fails fast (short
timeouts in settings) and the failure is logged, not raised — the participant's
submission has already committed and is acknowledged. Nothing depends on that
one publish succeeding: the periodic sweep (`tasks/sweep.py`) finds forecasts
left unscored and invitations left unsent and does the work later.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from django.db import transaction

logger = logging.getLogger(__name__)


class _Task(Protocol):
    name: str
    app: Any

    def apply_async(self, args: Any = ..., **options: Any) -> Any: ...


def enqueue_now(task: _Task, *args: Any) -> bool:
    """Publish the task; True if the broker took it. Never raises for a broker fault.

    Without a broker (tasks run eagerly, in-process) there is nothing to
    publish, so an error is the task's own and propagates as before.
    """
    if task.app.conf.task_always_eager:
        task.apply_async(args=args)
        return True
    try:
        task.apply_async(args=args)
    except Exception:
        # Ids only in the log (no personal data); the sweep will redo the work.
        logger.exception(
            "Could not enqueue %s%r; the periodic sweep will retry it", task.name, args
        )
        return False
    return True


def enqueue_on_commit(task: _Task, *args: Any) -> None:
    """Publish the task once the current transaction commits (now, outside one)."""
    transaction.on_commit(lambda: enqueue_now(task, *args))
