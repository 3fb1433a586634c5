"""Reading and writing bank files: YAML, JSON and the flat questions CSV.

Readers return the parsed document plus a locator that turns a document path
into where a researcher should look: "line 42" (YAML, from PyYAML's node
marks), "/vignettes/3/kind" (a JSON pointer) or "row 7, column kind" (CSV).
Writers produce the same document shape the readers accept, so an export
imports back unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from casecast.core.control_characters import has_control_characters
from casecast.core.csv_safety import formula_mapping, formula_restore
from casecast.core.safe_load import CONTROL_REASON, DocumentRefused, json_load, yaml_check
from casecast.vignettes import kinds
from casecast.vignettes.bank_schema import (
    BANK_FORMAT,
    DEFAULT_CONFIDENCE_SCALE,
    Issue,
    Path,
    Problem,
    path_label,
)
from casecast.vignettes.bank_specs import QuestionSpec, VignetteSpec
from casecast.vignettes.kinds import Outcome

FORMATS = {"yaml": "yaml", "yml": "yaml", "json": "json", "csv": "csv"}


def format_from_filename(filename: str) -> str | None:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return FORMATS.get(extension)


@dataclass
class ParsedBank:
    """A parsed file: the document (None if unreadable) and where to point problems."""

    filename: str
    document: Any = None
    problems: list[Problem] = field(default_factory=list)
    locate: Callable[[Path], str] = lambda path: ""

    def problem(self, issue: Issue) -> Problem:
        return Problem(self.filename, self.locate(issue.path), path_label(issue.path), issue.reason)


# --- YAML ---------------------------------------------------------------------


_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: faster


def read_yaml(text: str, filename: str) -> ParsedBank:
    parsed = ParsedBank(filename)
    try:
        yaml_check(text)  # size, depth and no aliases, before anything walks the tree
    except DocumentRefused as refused:
        location = f"line {refused.line}" if refused.line else ""
        parsed.problems.append(Problem(filename, location, "", refused.reason))
        return parsed
    loader = _YamlLoader(text)
    try:
        # One parse: compose the node tree (which keeps line marks), then build values.
        root = loader.get_single_node()
        parsed.document = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        location = f"line {mark.line + 1}" if mark else ""
        reason = f"could not read the YAML: {error.problem or error.context}"
        if error.context and error.context_mark and error.problem:
            reason += f" ({error.context} on line {error.context_mark.line + 1})"
        parsed.problems.append(Problem(filename, location, "", reason))
        return parsed
    except yaml.YAMLError as error:
        parsed.problems.append(Problem(filename, "", "", f"could not read the YAML: {error}"))
        return parsed
    finally:
        loader.dispose()
    if root is None:
        parsed.problems.append(Problem(filename, "line 1", "", "the file is empty"))
        return parsed
    lines: dict[Path, int] = {(): 1}
    _yaml_lines(root, (), lines, parsed)
    parsed.locate = lambda path: f"line {_nearest(lines, path)}"
    return parsed


def _yaml_lines(node: yaml.Node, path: Path, lines: dict[Path, int], parsed: ParsedBank) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            if key in seen:
                parsed.problems.append(
                    Problem(
                        parsed.filename,
                        f"line {key_node.start_mark.line + 1}",
                        path_label(child),
                        "this field appears twice in the same mapping",
                    )
                )
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _yaml_lines(value_node, child, lines, parsed)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _yaml_lines(item, (*path, index), lines, parsed)


def _nearest(lines: dict[Path, int], path: Path) -> int:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1


class _BankDumper(yaml.SafeDumper):
    pass


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BankDumper.add_representer(str, _represent_text)


def write_yaml(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_BankDumper, sort_keys=False, allow_unicode=True, width=100)


# --- JSON ---------------------------------------------------------------------


class _JsonObject(dict[str, Any]):
    duplicates: list[str]


def _json_object(pairs: list[tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject()
    obj.duplicates = [key for index, (key, _) in enumerate(pairs) if key in dict(pairs[:index])]
    obj.update(pairs)
    return obj


def read_json(text: str, filename: str) -> ParsedBank:
    parsed = ParsedBank(filename, locate=json_pointer)
    try:
        parsed.document = json_load(text, object_pairs_hook=_json_object)
    except DocumentRefused as refused:
        parsed.problems.append(Problem(filename, "", "", refused.reason))
        return parsed
    except json.JSONDecodeError as error:
        location = f"line {error.lineno}, column {error.colno}"
        parsed.problems.append(
            Problem(filename, location, "", f"could not read the JSON: {error.msg}")
        )
        return parsed
    _json_duplicates(parsed.document, (), parsed)
    return parsed


def _json_duplicates(value: Any, path: Path, parsed: ParsedBank) -> None:
    if isinstance(value, _JsonObject):
        for key in value.duplicates:
            parsed.problems.append(
                parsed.problem(Issue((*path, key), "this field appears twice in the same object"))
            )
        for key, item in value.items():
            _json_duplicates(item, (*path, key), parsed)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _json_duplicates(item, (*path, index), parsed)


def json_pointer(path: Path) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path) or "/"


def write_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, default=_json_default) + "\n"


def _json_default(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


# --- Document from normalised content ----------------------------------------------


def bank_document(vignettes: list[VignetteSpec], *, title: str = "") -> dict[str, Any]:
    document: dict[str, Any] = {"format": BANK_FORMAT}
    if title:
        document["title"] = title
    document["vignettes"] = [vignette_document(vignette) for vignette in vignettes]
    return document


def vignette_document(spec: VignetteSpec) -> dict[str, Any]:
    document: dict[str, Any] = {"key": spec.key, "title": spec.title}
    _put(document, summary=spec.summary, difficulty=spec.difficulty, tags=spec.tags)
    document["source"] = spec.source
    _put(document, source_note=spec.source_note, family=spec.family)
    document["stages"] = [
        _without_empty(
            {
                "title": stage.title,
                "body": stage.body,
                "questions": [question_document(question) for question in stage.questions],
            }
        )
        for stage in spec.stages
    ]
    return document


def question_document(spec: QuestionSpec) -> dict[str, Any]:
    document: dict[str, Any] = {"key": spec.key, "kind": spec.kind, "text": spec.text}
    _put(document, help_text=spec.help_text)
    if not spec.required:
        document["required"] = False
    _put(
        document,
        options=spec.options,
        numeric_format=spec.numeric_format,
        interval_confidence=spec.interval_confidence,
        unit=spec.unit,
    )
    if spec.confidence_scale and spec.confidence_scale != DEFAULT_CONFIDENCE_SCALE:
        document["confidence_scale"] = spec.confidence_scale
    _put(
        document,
        relates_to=spec.relates_to,
        earlier=spec.earlier,
        base_rate=spec.base_rate,
        base_rate_note=spec.base_rate_note,
    )
    if spec.outcome is not None:
        document["outcome"] = _without_empty(
            {
                "value": outcome_value_for_file(spec),
                "known_at": spec.outcome.known_at,
                "source": spec.outcome.source,
            }
        )
    return document


def outcome_value_for_file(spec: QuestionSpec) -> bool | float | int | str | None:
    """Categories are written as their label, numbers without a needless '.0'."""
    outcome = spec.outcome
    if outcome is None:
        return None
    if outcome.category is not None:
        return spec.options[outcome.category]
    if outcome.numeric is not None and outcome.numeric.is_integer():
        return int(outcome.numeric)
    return outcome.value


def _put(document: dict[str, Any], **values: Any) -> None:
    document.update({name: value for name, value in values.items() if value not in ("", [], None)})


def _without_empty(document: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in document.items() if value not in ("", [], None)}


# --- CSV: one row per question -------------------------------------------------------

CSV_COLUMNS = [
    "vignette",
    "stage",
    "key",
    "kind",
    "text",
    "help_text",
    "required",
    "options",
    "numeric_format",
    "interval_confidence",
    "unit",
    "confidence_scale",
    "relates_to",
    "earlier",
    "base_rate",
    "base_rate_note",
    "outcome",
    "outcome_known_at",
    "outcome_source",
]
CSV_REQUIRED = ["vignette", "stage", "key", "kind", "text"]
CSV_LIST_SEPARATOR = "|"
# Question fields whose CSV column has another name.
_FIELD_COLUMNS = {
    ("outcome", "value"): "outcome",
    ("outcome", "known_at"): "outcome_known_at",
    ("outcome", "source"): "outcome_source",
    ("outcome",): "outcome",
}


@dataclass
class CsvRow:
    number: int
    cells: dict[str, str]


def read_csv(text: str, filename: str) -> tuple[ParsedBank, list[CsvRow]]:
    """Parse the CSV and check its header; rows become a document in `csv_document`."""
    parsed = ParsedBank(filename)
    if has_control_characters(text):
        parsed.problems.append(Problem(filename, "", "", CONTROL_REASON))
        return parsed, []
    try:
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
        # A bank exported by Casecast has formula-like cells quoted (`'=...`): read them back.
        table = [[formula_restore(cell) for cell in row] for row in reader]
    except csv.Error as error:
        parsed.problems.append(Problem(filename, "", "", f"could not read the CSV: {error}"))
        return parsed, []
    if not table:
        parsed.problems.append(Problem(filename, "row 1", "", "the file is empty"))
        return parsed, []
    header = [name.strip() for name in table[0]]
    for index, name in enumerate(header):
        if name not in CSV_COLUMNS:
            parsed.problems.append(
                Problem(
                    filename,
                    f"row 1, column {index + 1}",
                    name or "(blank)",
                    f"unknown column; the columns are: {', '.join(CSV_COLUMNS)}",
                )
            )
    for name in CSV_REQUIRED:
        if name not in header:
            parsed.problems.append(Problem(filename, "row 1", name, "required column is missing"))
    rows = []
    for offset, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            parsed.problems.append(
                Problem(
                    filename,
                    f"row {offset}",
                    "",
                    f"has {len(cells)} cells but the header has {len(header)} columns",
                )
            )
            continue
        rows.append(
            CsvRow(offset, {name: cell.strip() for name, cell in zip(header, cells, strict=False)})
        )
    return parsed, rows


def csv_document(
    rows: list[CsvRow], parsed: ParsedBank, existing: dict[str, dict[str, Any]]
) -> None:
    """Merge question rows into the stored vignettes (`existing`, as bank documents).

    Sets `parsed.document` and `parsed.locate`. Vignettes not named in the file
    are left out of the document, so the import leaves them untouched.
    """
    vignettes: dict[str, dict[str, Any]] = {}
    located: dict[Path, int] = {}
    for row in rows:
        target = _csv_target(row, parsed, existing, vignettes)
        if target is None:
            continue
        vignette_index, stage_index, questions = target
        path: Path = (
            "vignettes",
            vignette_index,
            "stages",
            stage_index,
            "questions",
            len(questions),
        )
        located[path] = row.number
        questions.append(_csv_question(row, parsed, path))
    parsed.document = {"format": BANK_FORMAT, "vignettes": list(vignettes.values())}
    parsed.locate = lambda path: _csv_location(located, path)


def _csv_target(
    row: CsvRow,
    parsed: ParsedBank,
    existing: dict[str, dict[str, Any]],
    vignettes: dict[str, dict[str, Any]],
) -> tuple[int, int, list[dict[str, Any]]] | None:
    key = row.cells.get("vignette", "")
    if key not in existing:
        parsed.problems.append(
            Problem(
                parsed.filename,
                f"row {row.number}, column vignette",
                "vignette",
                f"no vignette {key!r} in this study; import its stages from a YAML or JSON bank "
                "first",
            )
        )
        return None
    if key not in vignettes:
        document = dict(existing[key])
        document["stages"] = [
            {"title": stage["title"], "body": stage["body"], "questions": []}
            for stage in document["stages"]
        ]
        vignettes[key] = document
    stages = vignettes[key]["stages"]
    stage = row.cells.get("stage", "")
    if not stage.isdigit() or not 1 <= int(stage) <= len(stages):
        parsed.problems.append(
            Problem(
                parsed.filename,
                f"row {row.number}, column stage",
                "stage",
                f"must be a stage number from 1 to {len(stages)} for vignette {key!r}, "
                f"not {stage!r}",
            )
        )
        return None
    return list(vignettes).index(key), int(stage) - 1, stages[int(stage) - 1]["questions"]


def _csv_question(row: CsvRow, parsed: ParsedBank, path: Path) -> dict[str, Any]:
    cells = row.cells
    question: dict[str, Any] = {
        name: cells[name]
        for name in (
            "key",
            "kind",
            "text",
            "help_text",
            "numeric_format",
            "unit",
            "relates_to",
            "earlier",
            "base_rate_note",
        )
        if cells.get(name)
    }

    def convert(column: str, converter: Callable[[str], Any], what: str) -> Any:
        try:
            return converter(cells[column])
        except ValueError:
            parsed.problems.append(
                Problem(
                    parsed.filename,
                    f"row {row.number}, column {column}",
                    path_label((*path, column)),
                    f"must be {what}, not {cells[column]!r}",
                )
            )
            return None

    for column, converter, what in (
        ("required", _csv_bool, "yes or no"),
        ("interval_confidence", int, "a whole number"),
        ("base_rate", float, "a number"),
    ):
        if cells.get(column):
            question[column] = convert(column, converter, what)
    for column in ("options", "confidence_scale"):
        if cells.get(column):
            question[column] = [part.strip() for part in cells[column].split(CSV_LIST_SEPARATOR)]
    if cells.get("outcome"):
        outcome: dict[str, Any] = {"value": _csv_outcome(cells["outcome"], cells.get("kind", ""))}
        if cells.get("outcome_known_at"):
            outcome["known_at"] = cells["outcome_known_at"]
        if cells.get("outcome_source"):
            outcome["source"] = cells["outcome_source"]
        question["outcome"] = outcome
    return question


def _csv_bool(cell: str) -> bool:
    value = cell.lower()
    if value in ("yes", "true", "y", "1"):
        return True
    if value in ("no", "false", "n", "0"):
        return False
    raise ValueError(cell)


def _csv_outcome(cell: str, kind: str) -> Any:
    """Cells are text; give the validator the type the kind's outcome expects where it parses."""
    declared = kinds.find(kind)
    shape = declared.outcome if declared else None
    try:
        if shape == Outcome.YES_NO:
            return _csv_bool(cell)
        if shape == Outcome.NUMBER:
            return float(cell)
    except ValueError:
        return cell
    return int(cell) if cell.isdigit() else cell


def _csv_location(located: dict[Path, int], path: Path) -> str:
    question_path, rest = path[:6], path[6:]
    if question_path not in located:
        return ""
    column = _FIELD_COLUMNS.get(tuple(str(part) for part in rest[:2])) or (
        str(rest[0]) if rest else ""
    )
    return f"row {located[question_path]}" + (f", column {column}" if column else "")


def write_csv(vignettes: list[VignetteSpec]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for vignette in vignettes:
        for stage_index, question in vignette.questions():
            writer.writerow(formula_mapping(_csv_cells(vignette.key, stage_index + 1, question)))
    return out.getvalue()


def _csv_cells(vignette: str, stage: int, spec: QuestionSpec) -> dict[str, Any]:
    document = question_document(spec)
    cells: dict[str, Any] = {"vignette": vignette, "stage": stage}
    for name, value in document.items():
        if name == "outcome":
            cells["outcome"] = _csv_cell(value["value"])
            cells["outcome_known_at"] = _csv_cell(value.get("known_at", ""))
            cells["outcome_source"] = value.get("source", "")
        else:
            cells[name] = _csv_cell(value)
    return cells


def _csv_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return f" {CSV_LIST_SEPARATOR} ".join(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
