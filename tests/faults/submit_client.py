"""Submit stage answers as participants, in a process of its own; print what came back.

Run by test_broker_down.py with CELERY_BROKER_URL pointing wherever the test
wants (a closed port for the outage), so the publish path is exactly the one
a web process uses. Reads JSON from stdin: a list of
{"user_id", "url", "data"}; prints one JSON line: a list of
{"status", "location", "seconds", "body_has_traceback"}.
"""

import json
import sys
import time

import django

django.setup()

from casecast.accounts.models import User  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def main() -> None:
    setup_test_environment()  # the "testserver" host and an in-memory mail outbox
    results = []
    for request in json.load(sys.stdin):
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(pk=request["user_id"]))
        started = time.perf_counter()
        response = client.post(request["url"], request["data"])
        results.append(
            {
                "status": response.status_code,
                "location": response.get("Location", ""),
                "seconds": round(time.perf_counter() - started, 3),
                "body_has_traceback": b"Traceback" in response.content,
            }
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
