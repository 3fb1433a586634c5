"""The report as one plain dict: the cached numbers with arm labels, CONSORT and the stamp.

The page, `manage.py analyse_study --json` and the tests all read this one dict. Arms are
named only through `casecast.studies.blinding.arm_labels`; while `is_blinded` is true for
the viewer every arm is pooled: no arm-by-arm numbers and no arm-versus-control
differences. Keys are sorted when printed and nothing in it is a moment in time, so the
same data always give the same text.
"""

from __future__ import annotations

from typing import Any

from casecast.reports.models import TrialReport
from casecast.studies.blinding import arm_labels, is_blinded
from casecast.studies.models import Study
from casecast.studies.selectors import consort_flow

ALL = "All participants"


def _label(labels: dict[int, str], arm: Any) -> str:
    return ALL if arm == "all" else labels[int(arm)]


def _relabel_effects(effects: list[dict[str, Any]] | None, labels: dict[int, str]) -> Any:
    if effects is None:
        return None
    return [{**row, "arm": _label(labels, row["arm"])} for row in effects]


def _consort(study: Study, result: dict[str, Any], labels: dict[int, str], blinded: bool) -> Any:
    """Enrolment counts from the study's rows; the analysed counts are the report's own."""
    flow = consort_flow(study=study)
    keys = {arm.key: arm.pk for arm in study.arms.all()}
    analysed = result["analysed"]
    primary_set = analysed["itt" if analysed["primary_set"] == "itt" else "per_protocol"]
    arms = [
        {
            "arm": labels[keys[arm.key]],
            "randomised": arm.randomised,
            "councils": arm.councils,
            "withdrew": arm.withdrawn,
            "data_withdrawn": arm.withdrawn_erased,
            "no_primary_outcome": analysed["no_primary_outcome"][str(keys[arm.key])],
            "itt": analysed["itt"][str(keys[arm.key])],
            "per_protocol": analysed["per_protocol"][str(keys[arm.key])],
            "analysed": primary_set[str(keys[arm.key])],
        }
        for arm in flow.arms
    ]
    totals = {
        name: sum(arm[name] for arm in arms)
        for name in ("randomised", "withdrew", "data_withdrawn", "no_primary_outcome", "itt",
                     "per_protocol", "analysed")
    }  # fmt: skip
    return {
        "enrolled": flow.invited,
        "consented": flow.consented,
        "completed_baseline": flow.completed_baseline,
        "withdrew_before_randomisation": flow.withdrawn_before_randomisation,
        "councils_randomised": flow.councils_randomised if flow.is_cluster else None,
        "analysis_set": analysed["primary_set"],
        "totals": totals,
        "arms": [] if blinded else arms,
    }


def report_document(
    *, study: Study, report: TrialReport, plan: dict[str, Any], role: str | None
) -> dict[str, Any]:
    """The whole report for `role` (None: the command line) from a finished report row."""
    result = report.result or {}
    labels = arm_labels(study=study, role=role)
    blinded = is_blinded(study=study, role=role)
    stamp = {
        "sap_version": report.sap_version,
        "engine_version": report.engine_version,
        "input_hash": report.input_hash,
        "blinded": blinded,
        "notes": result.get("notes", []),
    }
    primary = dict(result["primary"])
    if blinded:
        return {
            "stamp": stamp,
            "sap": plan,
            "consort": _consort(study, result, labels, blinded),
            "table1": [
                {**row, "cells": [{"group": ALL, **row["cells"]["all"]}]}
                for row in result["table1"]
            ],
            "arms": [{"label": ALL, **primary["pooled"]}],
            "primary": {
                key: value
                for key, value in primary.items()
                if key not in ("control", "effects", "pooled")
            }
            | {"pooled": primary["pooled"], "effects": []},
            "sensitivity": [],
            "secondary": [
                {"key": s["key"], "title": s["title"], "all": s["all"], "arms": [], "effects": []}
                for s in result["secondary"]
            ],
            "icc": result["icc"],
            "calibration_by_arm": [
                {**c, "group": ALL} for c in result["calibration_by_arm"] if c["group"] == "all"
            ],
        }
    primary["control"] = {**primary["control"], "arm": _label(labels, primary["control"]["arm"])}
    primary["effects"] = _relabel_effects(primary["effects"], labels)
    return {
        "stamp": stamp,
        "sap": plan,
        "consort": _consort(study, result, labels, blinded),
        "table1": [
            {
                **row,
                "cells": [
                    {"group": _label(labels, group), **cell} for group, cell in row["cells"].items()
                ],
            }
            for row in result["table1"]
        ],
        "arms": [
            {**{k: v for k, v in arm.items() if k != "arm"}, "label": _label(labels, arm["arm"])}
            for arm in result["arms"]
        ],
        "primary": primary,
        "sensitivity": [
            {**s, "effects": _relabel_effects(s["effects"], labels)} for s in result["sensitivity"]
        ],
        "secondary": [
            {
                **s,
                "arms": [
                    {
                        **{k: v for k, v in a.items() if k != "arm"},
                        "label": _label(labels, a["arm"]),
                    }
                    for a in s["arms"]
                ],
                "effects": _relabel_effects(s["effects"], labels),
            }
            for s in result["secondary"]
        ],
        "icc": result["icc"],
        "calibration_by_arm": [
            {**c, "group": _label(labels, c["group"])} for c in result["calibration_by_arm"]
        ],
    }
