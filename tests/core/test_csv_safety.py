"""Every CSV Casecast writes is safe to open in a spreadsheet; every CSV it reads is bounded."""

import csv
import io

import pytest
from casecast.core.csv_safety import CsvUnreadable, csv_table_read, formula_neutralise
from casecast.studies import services
from django.urls import reverse


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-ln(p) for the log score", "'-ln(p) for the log score"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("-0.25", "-0.25"),
        ("+3", "+3"),
        ("1e-3", "1e-3"),
        ("Northshire County Council", "Northshire County Council"),
        ("'=already quoted", "'=already quoted"),
        ("", ""),
    ],
)
def test_formula_cells_are_quoted_and_numbers_left_alone(cell, written):
    assert formula_neutralise(cell) == written


@pytest.mark.django_db
def test_council_names_typed_by_staff_reach_codes_csv_neutralised(client, study, researcher):
    council = study.councils.first()
    council.name = '=HYPERLINK("http://evil.example","Click")'
    council.save()
    services.invitation_codes_generate(study=study, council=council, count=2, by=researcher)
    client.force_login(researcher)
    body = client.get(reverse("studies:codes_download", args=[study.slug])).content.decode()
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    assert "'" + council.name in cells
    assert not any(cell.startswith("=") for cell in cells)


@pytest.mark.django_db
def test_no_cell_of_the_data_dictionary_reads_as_a_formula(client, study, researcher):
    client.force_login(researcher)
    response = client.get(reverse("resolution:export_dictionary", args=[study.slug]))
    body = b"".join(response.streaming_content).decode()
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    assert any("-ln(probability" in cell for cell in cells), "the log-score description"
    risky = [c for c in cells if c.startswith(("=", "+", "-", "@")) and formula_neutralise(c) != c]
    assert risky == []


def test_a_bare_carriage_return_is_read_as_a_line_end():
    table = csv_table_read("email,council\rann@example.org,North\r")
    assert table.rows == [{"email": "ann@example.org", "council": "North"}]


@pytest.mark.parametrize(
    ("text", "row", "message"),
    [
        ("a,b\n1,2\n3," + "x" * 200_000 + "\n", 3, "could not read the CSV"),
        ("a,b\n1,2\n3," + "x" * 20_000 + "\n", 3, "longer than 10,000 characters"),
        ("a,b\n1,2,3\n", 2, "3 values but the header row names 2 columns"),
        ("a,b\n1,2\n\x00,3\n", 3, "control character"),
    ],
    ids=["field-over-128KB", "field-over-limit", "extra-column", "nul"],
)
def test_unreadable_csv_names_the_row(text, row, message):
    with pytest.raises(CsvUnreadable, match=message) as unreadable:
        csv_table_read(text)
    assert unreadable.value.row == row
