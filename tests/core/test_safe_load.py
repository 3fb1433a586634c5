"""Uploaded YAML and JSON cannot make the server do unbounded work: refused, with the place."""

import json
import time

import pytest
from casecast.core.safe_load import MAX_DEPTH, DocumentRefused, json_load, yaml_check
from casecast.studies.design_yaml import DesignFileError, design_import
from casecast.training.content import ContentError, module_parse
from casecast.vignettes.bank import bank_import
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

BILLION_LAUGHS = """\
vignettes: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""
DEEP_YAML = "vignettes: " + "[" * 50_000
DEEP_JSON = "[" * 50_000 + "]" * 50_000


def test_an_alias_is_refused_at_its_line():
    with pytest.raises(DocumentRefused, match="anchors and aliases") as refused:
        yaml_check("a: 1\nb: &x [1]\nc: *x\n")
    assert refused.value.line == 2


def test_nesting_just_within_the_limit_is_accepted_and_one_deeper_is_not():
    yaml_check("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(DocumentRefused, match=f"more than {MAX_DEPTH} levels"):
        yaml_check("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert json_load("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(DocumentRefused):
        json_load(json.dumps(_nested(MAX_DEPTH + 1)))


def _nested(depth):
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "filename", "reason"),
    [
        (BILLION_LAUGHS, "bank.yaml", "anchors and aliases"),
        (DEEP_YAML, "bank.yaml", "levels deep"),
        (DEEP_JSON, "bank.json", "levels deep"),
    ],
    ids=["billion-laughs", "deep-yaml", "deep-json"],
)
def test_a_hostile_bank_is_refused_quickly_with_a_reason(study, text, filename, reason):
    started = time.perf_counter()
    report = bank_import(study=study, text=text, filename=filename)
    assert time.perf_counter() - started < 2
    assert not report.ok
    assert not report.actions
    assert any(reason in problem.reason for problem in report.problems)


@pytest.mark.django_db
def test_the_bank_upload_page_answers_a_billion_laughs_with_the_problem(client, study, researcher):
    client.force_login(researcher)
    upload = SimpleUploadedFile("bank.yaml", BILLION_LAUGHS.encode(), "application/x-yaml")
    response = client.post(reverse("vignettes:upload", args=[study.slug]), {"bank_file": upload})
    assert response.status_code == 400  # the page's answer to a bank with problems
    assert b"anchors and aliases" in response.content
    assert b"line 1" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("text", [BILLION_LAUGHS, DEEP_YAML], ids=["billion-laughs", "deep"])
def test_a_hostile_design_file_is_refused_with_a_located_problem(researcher, text):
    with pytest.raises(DesignFileError) as error:
        design_import(text=text, by=researcher)
    (problem,) = error.value.problems
    assert "line 1" in str(problem)


@pytest.mark.parametrize("text", [BILLION_LAUGHS, DEEP_YAML], ids=["billion-laughs", "deep"])
def test_a_hostile_training_module_is_refused(text):
    with pytest.raises(ContentError) as error:
        module_parse(text, key="calibration")
    assert "line 1" in str(error.value)
