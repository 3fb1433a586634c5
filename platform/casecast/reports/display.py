"""The report document as rows of text for the page's tables (no numbers are computed
here: only formatted). Every table on the page is built from `document.report_document`,
the same dict `analyse_study --json` prints."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

DASH = "–"


def num(value: Any, places: int = 3) -> str:
    return DASH if value is None else f"{value:.{places}f}".replace("-", "−")


def pval(value: Any) -> str:
    if value is None:
        return DASH
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def interval(row: dict[str, Any]) -> str:
    if row.get("ci_low") is None:
        return DASH
    return f"{num(row['ci_low'])} to {num(row['ci_high'])}"


def mean_sd(cell: dict[str, Any]) -> str:
    if cell.get("mean") is None:
        return DASH
    sd = f" ({num(cell['sd'])})" if cell.get("sd") is not None else ""
    return f"{num(cell['mean'])}{sd}"


def table1(document: dict[str, Any]) -> tuple[list[str], list[tuple[str, bool, list[str]]]]:
    """(column headings, rows of (label, is a sub-row, cells)) for Table 1."""
    rows: list[tuple[str, bool, list[str]]] = []
    groups: list[str] = []
    for item in document["table1"]:
        groups = [cell["group"] for cell in item["cells"]]
        if item["kind"] == "number":
            rows.append(
                (
                    item["label"]
                    if item["key"] == "baseline_brier"
                    else f"{item['label']}, mean (SD)",
                    False,
                    [
                        mean_sd(c) + (f"; {c['missing']} missing" if c["missing"] else "")
                        for c in item["cells"]
                    ],
                )
            )
            continue
        rows.append((item["label"], False, ["" for _ in item["cells"]]))
        for level in item["levels"]:
            rows.append(
                (
                    level,
                    True,
                    [_count(c["levels"].get(level, 0), c["n"]) for c in item["cells"]],
                )
            )
        if any(c["missing"] for c in item["cells"]):
            rows.append(("Not answered", True, [str(c["missing"]) for c in item["cells"]]))
    return groups, rows


def _count(count: int, total: int) -> str:
    return f"{count} ({_percent(count, total)})"


def _percent(count: int, total: int) -> str:
    return f"{100 * count / total:.0f}%" if total else DASH


def effect_rows(effects: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    return [
        {
            "arm": e["arm"],
            "difference": num(e["difference"]),
            "interval": interval(e),
            "p": pval(e.get("p")),
            "p_adjusted": pval(e.get("p_adjusted")),
        }
        for e in effects or []
    ]


def calibration_tables(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Per group: its rows as objects `resolution.charts.calibration_svg` can draw."""
    out = []
    for group in document["calibration_by_arm"]:
        rows = [
            SimpleNamespace(
                bin_label=f"{b['low']}–{b['high']}%",
                count=b["count"],
                mean_forecast=b["mean_forecast"],
                observed_rate=b["observed_rate"],
                ci_low=b["ci_low"],
                ci_high=b["ci_high"],
            )
            for b in group["bins"]
        ]
        out.append(
            {
                "group": group["group"],
                "n": group["n_forecasts"],
                "rows": rows,
                "slope": num(group.get("slope"), 2),
                "intercept": num(group.get("intercept"), 2),
            }
        )
    return out
