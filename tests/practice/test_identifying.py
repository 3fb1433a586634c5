"""The free-text check refuses what looks identifying, says what it found, and lets
ordinary social care questions through."""

import pytest
from casecast.practice.identifying import identifying_problems
from casecast.practice.questions import QUESTIONS

REFUSED = [
    # (text, a word the explanation must use, the piece it must quote)
    ("Will Mr Smith attend the conference?", "name", "Mr Smith"),
    ("Will mrs. Patel move out within 3 months?", "name", "mrs. Patel"),
    ("Will Jack return home within a year?", "capital letter", "Jack"),
    ("Jack Smith will be re-referred", "capital letter", "Jack"),
    ("Will the plan for Amira end?", "capital letter", "Amira"),
    ("Will the family at 12 Acacia Road move?", "address", "12 Acacia Road"),
    ("Will the child in flat 3, 41 Mill Lane stay?", "address", "41 Mill Lane"),
    ("Will the child in SW1A 1AA stay?", "postcode", "SW1A 1AA"),
    ("Will the child in m14 5rg stay?", "postcode", "m14 5rg"),
    ("Will the baby born on the 3rd be adopted?", "date of birth", "born on"),
    ("Child's DOB is in spring: will they move?", "date of birth", "DOB"),
    ("Will it end by 01/02/2026?", "date", "01/02/2026"),
    ("Will it end by 2026-02-01?", "date", "2026-02-01"),
    ("Will it end by 3 May 2026?", "date", "3 May 2026"),
    ("Will the review on 14th of March go ahead?", "date", "14th of March"),
    ("Will the child, aged 7, settle at school?", "age", "aged 7"),
    ("Will the 15 year old stay in the placement?", "age", "15 year old"),
    ("Will case CP-12345 close?", "case or reference number", "CP-12345"),
    ("Will LA/20931 be stepped down?", "case or reference number", "20931"),
    ("Will file no. 4471 close?", "case or reference number", "file no. 4471"),
    ("Will the child on 123456 be adopted?", "case or reference number", "123456"),
    ("Will the mother on 07700 900123 engage?", "phone number", "07700 900123"),
    ("Will the father on +44 20 7946 0018 engage?", "phone number", "20 7946 0018"),
    ("Will patient 943 476 5919 be discharged?", "NHS", "943 476 5919"),
    ("Will mum reply to jo.bloggs@example.org?", "email address", "jo.bloggs@example.org"),
]

ALLOWED = [
    *QUESTIONS.values(),
    "Will the child protection plan end within 6 months?",
    "Will the CP plan end within 6 months?",
    "Will mum engage with the PLO process within 3 months?",
    "Will the Section 47 enquiry lead to an ICPC?",
    "Will the child stay with foster carers until Christmas?",
    "Will the 2 siblings be placed together within 6 months?",
    "Will school attendance be above 90% by the end of term?",
    "Will the Child Protection Plan end? Will the family move?",
    "Will the parents separate within 12 months?",
    "Will CAMHS accept the referral within 8 weeks?",
]


@pytest.mark.parametrize(("text", "what", "quoted"), REFUSED)
def test_identifying_text_is_refused_saying_what_looked_identifying(text, what, quoted):
    problems = identifying_problems(text)
    assert problems, text
    assert any(what in problem and quoted in problem for problem in problems), problems


@pytest.mark.parametrize("text", ALLOWED)
def test_ordinary_social_care_questions_pass(text):
    assert identifying_problems(text) == []


def test_one_piece_of_text_is_explained_once():
    """A phone number is also a run of digits: the worker is told once, as a phone number."""
    [problem] = identifying_problems("Will the mother on 07700 900123 engage?")
    assert "phone number" in problem


def test_several_kinds_are_each_explained():
    problems = identifying_problems("Will Mr Smith at SW1A 1AA call 07700 900123?")
    assert len(problems) == 3
    assert [p.split(" (")[0] for p in problems] == [
        "It contains what looks like a postcode",
        "It contains what looks like a phone number",
        "It contains what looks like a person's name",
    ]
