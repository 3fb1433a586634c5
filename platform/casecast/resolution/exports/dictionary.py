"""`data-dictionary.csv`: the conventions every file follows, then every column of every
file (`file, column, type, description`), generated from the same column declarations as
the files themselves."""

from __future__ import annotations

from collections.abc import Iterator

from casecast.resolution.exports.files import FILES
from casecast.studies.models import Study

ALL_FILES = "all files"

CONVENTIONS: list[tuple[str, str]] = [
    (
        "(format)",
        "UTF-8 CSV without a byte-order mark, comma separated, fields quoted only when "
        "needed, \\n line ends, header row of column names. R: read.csv(file, "
        'encoding = "UTF-8"); Stata: import delimited using file, varnames(1) '
        "encoding(utf-8) bindquote(strict) (bindquote(strict) keeps line breaks inside "
        "quoted reasoning text in one cell); SPSS: GET DATA /TYPE=TXT.",
    ),
    (
        "(empty cell)",
        "An empty cell means missing or not applicable (for example the probability of "
        "a decision, or the score of a forecast whose question has no outcome yet). It "
        'never means zero. In Stata it reads as . for numbers and "" for text.',
    ),
    ("(flags)", "Yes/no columns are 1 or 0."),
    (
        "(times)",
        "Times are UTC in ISO 8601 to the whole second (truncated), ending in Z: "
        '2026-11-26T15:20:42Z. Stata: clock(substr(x, 1, 19), "YMDhms") after '
        'replacing the T with a space, or clock(x, "YMD#hms#"). Dates are YYYY-MM-DD.',
    ),
    (
        "(numbers)",
        "Decimal point, no thousands separators. Computed values (scores, "
        "probabilities) are rounded to 12 decimal places and written in the shortest "
        "form that reads back as that value (0.4356, not 0.4355999999999999); very "
        "small or large values may use exponent notation (1e-05), which R, Stata and "
        "SPSS read.",
    ),
    (
        "(options)",
        "Options are numbered from 1 in the order the question lists them, everywhere "
        "(outcome, decision, the order of probabilities), as in the outcome CSV import.",
    ),
    (
        "(withdrawal)",
        "Participants who withdrew and asked for their data not to be used, or whose "
        "data were erased, have no rows in scores.csv or forecasts.csv; in "
        "participants.csv their row keeps only pseudonym, arm, council, status flags "
        "and dates, with every answer and phase column empty.",
    ),
    (
        "(pseudonym)",
        "HMAC-SHA256 of the participant's id with the study's secret key, in hex: the "
        "same in every export of this study (join the files on it), different in other "
        "studies, and not reversible without the secret. No names or email addresses "
        "are exported.",
    ),
]


def data_dictionary_rows(*, study: Study) -> Iterator[list[str]]:
    """`file, column, type, description` for every column of every export, after the
    conventions that apply to all of them."""
    yield ["file", "column", "type", "description"]
    for name, description in CONVENTIONS:
        yield [ALL_FILES, name, "", description]
    for export in FILES:
        for column in export.columns(study):
            yield [export.filename, column.name, column.type.value, column.description]
