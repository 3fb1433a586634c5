"""Send a task after the transaction commits, without ever failing the request.

Services call `enqueue_on_commit(task, *args)` instead of `task.delay_on_commit`,
or `enqueue_coalesced_on_commit` for work a burst of commits can share.
The difference: if the broker is down or slow, the publish fails fast (short
timeouts in settings) and the failure is logged, not raised — the participant's
submission has already committed and is acknowledged. Nothing depends on that
one publish succeeding: the periodic sweep (`tasks/sweep.py`) finds forecasts
left unscored and invitations left unsent and does the work later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Hashable
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
    return _publish(task, args)


def _publish(task: _Task, args: tuple[Any, ...], **options: Any) -> bool:
    if task.app.conf.task_always_eager:
        task.apply_async(args=args)
        return True
    try:
        task.apply_async(args=args, **options)
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


# When this process last sent each coalesced task: (task name, key) -> time.monotonic().
_coalesced_sent: dict[tuple[str, Hashable], float] = {}
_coalesced_lock = threading.Lock()


def enqueue_coalesced_on_commit(task: _Task, *args: Any, key: Hashable, delay: float) -> None:
    """Once the transaction commits, send `task(*args)` to start `delay` seconds later,
    unless this process has sent one under the same `key` that cannot have started yet.

    That earlier task starts after this commit, so it finds this transaction's rows
    too, and a burst of commits shares one task. The task must therefore do the work
    of every commit it covers (read what is outstanding, not take this commit's ids).
    Only the first half of `delay` is shared: a worker whose clock runs ahead of this
    machine's by less than half of it still starts the task after every commit it
    covers. A publish that fails is not remembered, so the next commit tries again.
    Without a broker the task runs at once, every time.
    """
    transaction.on_commit(lambda: _send_coalesced(task, args, key=key, delay=delay))


def _send_coalesced(task: _Task, args: tuple[Any, ...], *, key: Hashable, delay: float) -> None:
    if task.app.conf.task_always_eager:
        _publish(task, args)
        return
    slot = (task.name, key)
    now = time.monotonic()
    with _coalesced_lock:
        sent = _coalesced_sent.get(slot)
        if sent is not None and now < sent + delay / 2:
            return
        _coalesced_sent[slot] = now
    if not _publish(task, args, countdown=delay):
        with _coalesced_lock:
            if _coalesced_sent.get(slot) == now:
                del _coalesced_sent[slot]
