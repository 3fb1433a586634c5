"""Security headers: a strict Content Security Policy, and nothing inline that it would block.

The policy allows no inline scripts or styles, so a template with a <script>
body, a <style> element or a style="" attribute would silently lose that
behaviour or look in the browser. The template scan below catches it at test
time; the browser walk (tests/core/test_browser_reflow.py) loads every page
under the real header.
"""

import re
from pathlib import Path

import pytest
from casecast.resolution.charts import calibration_svg

TEMPLATES = sorted(
    Path(__file__).resolve().parents[2].glob("platform/casecast/**/templates/**/*.html")
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


@pytest.mark.django_db
def test_every_page_sends_a_policy_that_allows_only_our_own_scripts_and_styles(client):
    response = client.get("/")
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_error_pages_carry_the_policy_too(client):
    response = client.get("/no-such-page/")
    assert response.status_code in (302, 404)
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_template_scan_finds_the_templates():
    assert len(TEMPLATES) > 50
    assert any(path.name == "base.html" for path in TEMPLATES)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: "/".join(p.parts[-3:]))
def test_no_template_has_an_inline_script_or_style(path):
    text = path.read_text()
    assert not INLINE_SCRIPT.search(text), f"inline <script> in {path}"
    assert not INLINE_STYLE.search(text), f"inline style in {path}"


def test_charts_are_drawn_without_inline_styles():
    svg = calibration_svg([], title="Calibration")
    assert not INLINE_STYLE.search(svg)
