"""Helpers for Casecast's browser tests (Playwright + axe-core).

A plain module, not a conftest: fixtures import from here, e.g.::

    from browser_support import launch_chromium, assert_accessible

(pytest's default import mode puts tests/ on sys.path for tests/conftest.py;
``from tests.browser_support import ...`` also works, as pyproject adds ".").

Chromium is Debian's package (``apt-get install chromium``); Playwright's own
browser download is not used, so ``playwright install`` is never needed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from axe_playwright_python.sync_playwright import Axe

CHROMIUM_PATH = os.environ.get("CASECAST_CHROMIUM", "/usr/bin/chromium")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

WCAG_TAGS: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

# How many failing elements to list per rule in an assertion message.
MAX_NODES_REPORTED = 5

_axe = Axe()  # holds axe-core's bundled JS (axe.min.js); stateless otherwise


def launch_chromium(playwright: Any) -> Any:
    """Launch headless Debian Chromium with a sync or async ``Playwright``.

    Returns a ``Browser`` (a coroutine of one for the async API).
    """
    return playwright.chromium.launch(
        executable_path=CHROMIUM_PATH,
        headless=True,
        args=list(CHROMIUM_ARGS),
    )


def _is_govuk_conditional_radio(node: dict) -> bool:
    """GOV.UK Frontend's known, deliberate axe finding (alphagov/govuk-frontend#979).

    Radios with a conditional reveal get ``aria-expanded`` from GOV.UK Frontend
    JS; ARIA does not allow it on radios, but GDS keep it because screen readers
    announce it. Only a node that is a ``govuk-radios__input`` and whose sole
    failing attribute is ``aria-expanded`` matches.
    """
    if "govuk-radios__input" not in (node.get("html") or ""):
        return False
    checks = node.get("all", []) + node.get("any", []) + node.get("none", [])
    return bool(checks) and all(
        c.get("id") == "aria-allowed-attr"
        and isinstance(c.get("data"), list)
        and c["data"]
        and all(str(d).startswith("aria-expanded=") for d in c["data"])
        for c in checks
    )


def axe_violations(
    page: Any,
    *,
    tags: Sequence[str] = WCAG_TAGS,
    allow_govuk_known_issues: bool = True,
) -> list[dict]:
    """Run axe-core on the page's current DOM; return its ``violations`` list.

    Only rules carrying one of ``tags`` run. Each violation is axe's dict:
    ``id``, ``impact``, ``help``, ``helpUrl``, ``nodes`` (each with ``target``,
    ``html``, ``failureSummary``) and so on. Works with a sync ``Page``.

    With ``allow_govuk_known_issues`` (the default), ``aria-expanded`` on
    GOV.UK conditional-reveal radios is not reported (see
    ``_is_govuk_conditional_radio``); every other finding is.
    """
    options = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "resultTypes": ["violations"],
    }
    results = _axe.run(page, options=options)
    violations = list(results.response["violations"])
    if not allow_govuk_known_issues:
        return violations
    kept = []
    for v in violations:
        if v.get("id") == "aria-allowed-attr":
            nodes = [n for n in v.get("nodes", []) if not _is_govuk_conditional_radio(n)]
            if not nodes:
                continue
            v = {**v, "nodes": nodes}
        kept.append(v)
    return kept


def format_violations(violations: Iterable[dict], max_nodes: int = MAX_NODES_REPORTED) -> str:
    """A readable multi-line report of axe violations."""
    violations = list(violations)
    lines = [f"{len(violations)} accessibility violation(s):"]
    for v in violations:
        nodes = v.get("nodes", [])
        lines.append(
            f"- {v.get('id')} [{v.get('impact') or 'n/a'}]: {v.get('help')} "
            f"({len(nodes)} element(s)) {v.get('helpUrl', '')}".rstrip()
        )
        for node in nodes[:max_nodes]:
            target = " >> ".join(
                t if isinstance(t, str) else " ".join(map(str, t)) for t in node.get("target", [])
            )
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").strip().replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(nodes) > max_nodes:
            lines.append(f"    ... and {len(nodes) - max_nodes} more")
    return "\n".join(lines)


def assert_accessible(
    page: Any,
    *,
    tags: Sequence[str] = WCAG_TAGS,
    allow_govuk_known_issues: bool = True,
) -> None:
    """Fail with a readable report if axe finds any violation on the page."""
    violations = axe_violations(page, tags=tags, allow_govuk_known_issues=allow_govuk_known_issues)
    if violations:
        url = getattr(page, "url", "")
        raise AssertionError(f"{url}\n{format_violations(violations)}")


_OVERFLOW_JS = """
() => {
  const doc = document.documentElement;
  const viewport = window.innerWidth;
  const culprits = [];
  if (doc.scrollWidth > viewport) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > viewport + 0.5 && r.width > 0) {
        const id = el.id ? '#' + el.id : '';
        const cls = typeof el.className === 'string' && el.className.trim()
          ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
        culprits.push(`${el.tagName.toLowerCase()}${id}${cls} (right=${Math.round(r.right)})`);
        if (culprits.length >= 5) break;
      }
    }
  }
  return { scrollWidth: doc.scrollWidth, innerWidth: viewport, culprits };
}
"""


def assert_no_horizontal_scroll(page: Any) -> None:
    """Fail if the page is wider than the viewport (WCAG 1.4.10 Reflow)."""
    info = page.evaluate(_OVERFLOW_JS)
    if info["scrollWidth"] > info["innerWidth"]:
        detail = "; ".join(info["culprits"]) or "no single element found"
        raise AssertionError(
            f"horizontal scroll on {getattr(page, 'url', '')}: document scrollWidth "
            f"{info['scrollWidth']}px > window.innerWidth {info['innerWidth']}px. "
            f"Elements past the right edge: {detail}"
        )


def demo_researcher_sign_in(page) -> None:
    """Sign in as the demo researcher as a person would: password, then a backup code
    (seed_demo gives the demo study admin a second factor and prints these codes)."""
    import re

    from casecast.core.management.commands.seed_demo import (
        DEMO_BACKUP_CODES,
        DEMO_PASSWORD,
        RESEARCHER_EMAIL,
    )

    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(RESEARCHER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/accounts/sign-in/code/"))
    page.get_by_label("Security code").fill(DEMO_BACKUP_CODES[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/studies/"))
