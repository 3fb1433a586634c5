"""Vignette personas (pytest fixtures), loaded through the real bank import.

- `staged_vignette`: vignette "staged-case" in `study` (tests/fixtures_studies.py),
  version 1, three stages and one question of every kind:
    stage 1 "Referral": `rereferral-3m` (binary, base rate 0.3, outcome yes),
        `conference-outcome` (multiple_choice, outcome "Child protection plan"),
        `school-sessions` (numeric, quantiles, outcome 14);
    stage 2 "After the home visit": `risk-level` (ordered low/medium/high/very high,
        outcome "high"), `missed-days` (numeric, interval at 90%, outcome 6);
    stage 3 "After the strategy discussion": `rereferral-3m-later` (binary,
        earlier = rereferral-3m, outcome yes), `decision` (decision, relates_to
        rereferral-3m-later, default actions, outcome "Child in need plan"),
        `rationale` (rationale, optional).
- `staged_version`: its current VignetteVersion.
- `make_staged_vignette(study=..., key=...)`: the same in any study.
- `demo_bank_loaded`: `study` with the demo bank imported and its phases filled
  (`casecast.vignettes.demo.seed_demo_bank`); returns the study.
- `import_bank(study, text, filename="bank.yaml")`: import and assert it worked.
"""

from __future__ import annotations

from typing import Any

import pytest
from casecast.studies.models import Study
from casecast.vignettes.bank import ImportReport, bank_import
from casecast.vignettes.models import Vignette, VignetteVersion

STAGED_BANK_YAML = """\
format: casecast-bank/1
vignettes:
  - key: {key}
    title: Mia, aged 7
    summary: A school referral about a seven-year-old's attendance and bruising.
    difficulty: medium
    tags: [neglect, school attendance]
    source: fictional
    source_note: Fictional case written for the Casecast tests.
    family:
      - {{name: Mia, relationship: Child, age: 7}}
      - {{name: Jade, relationship: Mother, age: 26, notes: Works night shifts}}
    stages:
      - title: Referral
        body: |
          The school refers **Mia** (7) after a bruise on her arm.

          - Attendance this term: 82%
          - Mother says she fell in the park
        questions:
          - key: rereferral-3m
            kind: binary
            text: How likely is another referral within 3 months?
            base_rate: 0.3
            base_rate_note: Illustrative figure.
            outcome: {{value: true, known_at: 2024-06-01, source: Case records}}
          - key: conference-outcome
            kind: multiple_choice
            text: What will the outcome of the initial child protection conference be?
            options: [No conference held, Child in need plan, Child protection plan]
            outcome: {{value: Child protection plan}}
          - key: school-sessions
            kind: numeric
            text: How many school sessions will Mia miss next term?
            numeric_format: quantiles
            unit: sessions
            outcome: {{value: 14}}
      - title: After the home visit
        body: |
          ## Home visit

          The home is cold and there is little food in the cupboards.
        questions:
          - key: risk-level
            kind: ordered
            text: What risk level will the strategy discussion agree?
            options: [low, medium, high, very high]
            outcome: {{value: high}}
          - key: missed-days
            kind: numeric
            text: How many days of school will Mia miss in the next 6 weeks?
            numeric_format: interval
            interval_confidence: 90
            unit: days
            outcome: {{value: 6}}
      - title: After the strategy discussion
        body: The strategy discussion agrees a section 47 enquiry.
        questions:
          - key: rereferral-3m-later
            kind: binary
            text: How likely is another referral within 3 months?
            earlier: rereferral-3m
            outcome: {{value: true}}
          - key: decision
            kind: decision
            text: What would you recommend?
            relates_to: rereferral-3m-later
            outcome: {{value: Child in need plan}}
          - key: rationale
            kind: rationale
            text: Why did you give these answers?
            required: false
"""


def import_bank(
    study: Study, text: str, filename: str = "bank.yaml", by: Any = None
) -> ImportReport:
    report = bank_import(study=study, text=text, filename=filename, by=by)
    assert report.ok, [str(problem) for problem in report.problems]
    return report


def make_staged_vignette(*, study: Study, key: str = "staged-case") -> Vignette:
    import_bank(study, STAGED_BANK_YAML.format(key=key))
    return Vignette.objects.get(study=study, key=key)


@pytest.fixture
def staged_vignette(study) -> Vignette:
    return make_staged_vignette(study=study)


@pytest.fixture
def staged_version(staged_vignette) -> VignetteVersion:
    return staged_vignette.current_version()


@pytest.fixture
def demo_bank_loaded(study) -> Study:
    from casecast.vignettes.demo import seed_demo_bank

    seed_demo_bank(study=study)
    return study
