"""Save a participant's journey pages as normalised HTML, to diff two versions of the code.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casecast_capacity \\
    .venv/bin/python bench/load/snapshot_pages.py OUT_DIR

Resets the load study (`prepare_load`, one participant) and walks its first two cases
with the test client under the benchmark's settings, saving every part's page (fresh,
after an autosave, after a submission with errors), its submitted view, "Case complete"
and the task list. CSRF tokens, UUIDs, nonces and case ids are replaced by placeholders,
so two runs of unchanged markup give identical files: run it from two checkouts against
the same database and `diff -r` the directories.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1] / "platform"), str(HERE.parents[1])]

from server import django_in_process  # noqa: E402

django_in_process()

from casecast.accounts.models import User  # noqa: E402
from casecast.core.load_study import load_study_prepare  # noqa: E402
from django.test import Client  # noqa: E402
from journey import form_fields  # noqa: E402

PLACEHOLDERS = (
    (r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="CSRF"'),
    (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID"),
    (r"/cases/\d+/", "/cases/N/"),
    (r"case-\d+-status", "case-N-status"),
    (r'nonce="[^"]+"', 'nonce="NONCE"'),
)


def normalised(html: str) -> str:
    for pattern, placeholder in PLACEHOLDERS:
        html = re.sub(pattern, placeholder, html)
    return html


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    researcher, _ = User.objects.get_or_create(email="load-researcher@example.org")
    link = load_study_prepare(participants=1, by=researcher).links[0]
    client = Client()
    rng = random.Random(0)
    saved: list[Path] = []

    def save(name: str, content: bytes) -> None:
        path = out / f"{len(saved) + 1:02d}-{name}.html"
        path.write_text(normalised(content.decode()))
        saved.append(path)

    client.get(link)
    tasks = client.get("/cases/").content.decode()
    start = re.search(r'action="(/cases/phase/\d+/start/)"', tasks)
    assert start, "no phase to start"
    location = client.post(start.group(1))["Location"]
    for _case in range(2):
        url = client.get(location)["Location"]
        while "/part/" in url:
            page = client.get(url)
            save("stage", page.content)
            fields = form_fields(page.content.decode(), rng=rng)
            client.post(url + "draft/", fields)
            save("stage-draft", client.get(url).content)
            wrong = {name: "abc" if name.startswith("q") else v for name, v in fields.items()}
            save("stage-errors", client.post(url, wrong).content)
            following = client.post(url, fields)["Location"]
            save("submitted", client.get(url).content)
            url = following
        complete = client.get(url).content
        save("complete", complete)
        next_case = re.search(r'href="(/cases/\d+/)"', complete.decode())
        assert next_case, "no next case"
        location = next_case.group(1)
    save("tasks", client.get("/cases/").content)
    print(f"{len(saved)} pages in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
