"""One simulated participant working through their cases over HTTP (asyncio, aiohttp).

A participant does what a browser does: open the personal link, read the task
list, start the phase, open each case, and for each part load the page, send a
draft (as `journey.js` autosaves) and submit, then read "Case complete" and
follow its link to the next case. Forms are filled from the page itself (every
text box a whole percentage, the first option of each radio group, the hidden
CSRF token and idempotency key), so the client follows the real form.

`Participant.step()` sends exactly one request and moves on, so a driver can
run participants flat out (saturation) or space their requests (a pace).
Redirects are not followed automatically: each request is timed and counted
on its own, under the name of the page it asked for.
"""

from __future__ import annotations

import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp

_INPUT = re.compile(r"<input\b[^>]*>")
_ATTR = re.compile(r'(name|type|value)="([^"]*)"')
_PHASE_START = re.compile(r'action="(/cases/phase/\d+/start/)"')
_CASE_LINK = re.compile(r'href="(/cases/\d+/)"')
_QUESTION = re.compile(r"^q(\d+)")
_PART = re.compile(r"^/cases/\d+/part/\d+/$")
_COMPLETE = re.compile(r"^/cases/\d+/complete/$")

JOURNEY_PAGES = ("link", "task list", "start phase", "case", "stage", "draft", "submit", "complete")


class JourneyFailure(Exception):
    """The server answered something a browser would not expect (counted as an error)."""


@dataclass
class Stats:
    """Latencies in seconds by page, errors by kind, and acknowledged submissions."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    submitted_parts: int = 0
    submitted_forecasts: int = 0

    @property
    def requests(self) -> int:
        return sum(len(times) for times in self.latencies.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def form_fields(html: str, *, rng: random.Random) -> dict[str, str]:
    """What a participant would send: hidden fields kept, text boxes and radios answered."""
    fields: dict[str, str] = {}
    for tag in _INPUT.findall(html):
        attrs = dict(_ATTR.findall(tag))
        name, kind = attrs.get("name"), attrs.get("type", "text")
        if not name:
            continue
        if kind == "hidden":
            fields[name] = attrs.get("value", "")
        elif kind == "radio":
            fields.setdefault(name, attrs.get("value", ""))
        elif kind == "text":
            fields[name] = str(rng.randint(5, 95))
    return fields


def questions_in(fields: dict[str, str]) -> int:
    """How many questions a submission answers (fields are named q<id> or q<id>-<part>)."""
    return len({m.group(1) for name in fields if (m := _QUESTION.match(name))})


class Participant:
    """One participant's cookies and where they are in their journey."""

    def __init__(self, link: str, *, base: str, session: aiohttp.ClientSession, stats: Stats):
        self.base = base
        self.session = session
        self.stats = stats
        self.cookies: dict[str, str] = {}
        self.rng = random.Random(link)
        self.page = "link"  # the next request to send
        self.url = link
        self.fields: dict[str, str] = {}
        self.finished = False

    async def _send(
        self, page: str, method: str, *, data: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        """(status, Location, body) of one request to `self.url`, timed under `page`."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        started = time.perf_counter()
        try:
            async with self.session.request(
                method, self.base + self.url, data=data, headers=headers, allow_redirects=False
            ) as response:
                body = await response.text()
                status, location = response.status, response.headers.get("Location", "")
                for name, morsel in response.cookies.items():
                    self.cookies[name] = morsel.value
        except (aiohttp.ClientError, TimeoutError) as error:
            raise self._failure(page, type(error).__name__) from error
        self.stats.latencies[page].append(time.perf_counter() - started)
        if status >= 400:
            raise self._failure(page, f"HTTP {status}")
        return status, location, body

    def _failure(self, page: str, why: str) -> JourneyFailure:
        self.stats.errors[f"{page}: {why}"] += 1
        self.finished = True  # a participant who hit an error stops, as a person might
        return JourneyFailure(f"{page}: {why}")

    def _expect(self, page: str, ok: bool, why: str) -> None:
        if not ok:
            raise self._failure(page, why)

    async def step(self) -> str:
        """Send the next request of the journey; return the page it was for."""
        page = self.page
        csrf = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        if page == "link":
            status, _, _ = await self._send(page, "GET")
            self._expect(page, status == 302, "link did not sign in")
            self.page, self.url = "task list", "/cases/"
        elif page == "task list":
            _, _, html = await self._send(page, "GET")
            start = _PHASE_START.search(html)
            self._expect(page, start is not None, "no phase to start")
            self.page, self.url = "start phase", start.group(1)  # type: ignore[union-attr]
        elif page == "start phase":
            _, location, _ = await self._send(page, "POST", data=csrf)
            self.page, self.url = "case", location
        elif page == "case":
            _, location, _ = await self._send(page, "GET")
            self._expect(page, bool(_PART.match(location)), f"case sent to {location}")
            self.page, self.url = "stage", location
        elif page == "stage":
            _, _, html = await self._send(page, "GET")
            self.fields = form_fields(html, rng=self.rng)
            self._expect(page, questions_in(self.fields) > 0, "no questions on the page")
            self.page = "draft"
        elif page == "draft":
            part_url = self.url
            self.url = part_url + "draft/"
            try:
                await self._send(page, "POST", data=self.fields)
            finally:
                self.url = part_url
            self.page = "submit"
        elif page == "submit":
            status, location, _ = await self._send(page, "POST", data=self.fields)
            self._expect(page, status == 302, "answers refused")
            self.stats.submitted_parts += 1
            self.stats.submitted_forecasts += questions_in(self.fields)
            self.page = "complete" if _COMPLETE.match(location) else "stage"
            self.url = location
        elif page == "complete":
            _, _, html = await self._send(page, "GET")
            following = _CASE_LINK.search(html)
            if following is None:
                self.finished = True
            else:
                self.page, self.url = "case", following.group(1)
        return page
