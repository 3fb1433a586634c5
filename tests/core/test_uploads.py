"""One upload field for every upload: a size limit (the form's or the site's, the lower),
UTF-8 text with any byte-order mark dropped, and a refusal that changes nothing."""

import pytest
from casecast.core.forms import KB, MB, TextUploadField, size_text
from casecast.studies.models import Study
from casecast.vignettes.forms import BankUploadForm
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.fixtures_vignettes import STAGED_BANK_YAML


class _NoteForm(forms.Form):
    note = TextUploadField(max_bytes=2 * KB, error_messages={"required": "Choose a note"})


def _note(content: bytes) -> forms.Form:
    form = _NoteForm(data={}, files={"note": SimpleUploadedFile("note.txt", content)})
    form.is_valid()
    return form


def test_the_text_and_the_file_name_come_back_with_the_byte_order_mark_dropped():
    form = _note("\ufeffcouncil,email\nLeeds,a@example.org\n".encode())
    assert form.errors == {}
    upload = form.cleaned_data["note"]
    assert upload.name == "note.txt"
    assert upload.text == "council,email\nLeeds,a@example.org\n"


def test_a_file_over_the_forms_limit_is_refused_naming_the_limit():
    form = _note(b"x" * (2 * KB + 1))
    assert form.errors == {"note": ["The file must be smaller than 2 KB"]}


def test_a_file_exactly_at_the_limit_is_accepted():
    assert _note(b"x" * (2 * KB)).errors == {}


def test_the_site_wide_setting_lowers_every_forms_limit(settings):
    settings.UPLOAD_MAX_BYTES = 1 * KB
    assert _note(b"x" * (1 * KB + 1)).errors == {"note": ["The file must be smaller than 1 KB"]}


def test_the_site_wide_setting_does_not_raise_a_forms_own_limit(settings):
    settings.UPLOAD_MAX_BYTES = 10 * MB
    assert _note(b"x" * (2 * KB + 1)).errors == {"note": ["The file must be smaller than 2 KB"]}


def test_a_file_that_is_not_utf8_gets_the_forms_own_message():
    form = BankUploadForm(
        data={}, files={"bank_file": SimpleUploadedFile("bank.yaml", b"\xff\xfe\x00")}
    )
    assert form.errors == {"bank_file": ["The file must be saved as UTF-8 text."]}


@pytest.mark.parametrize(
    "size,text",
    [(512 * KB, "512 KB"), (1 * MB, "1 MB"), (5 * MB, "5 MB"), (1536 * KB, "1.5 MB"), (10, "1 KB")],
)
def test_limits_are_written_as_people_write_them(size, text):
    assert size_text(size) == text


@pytest.mark.django_db
def test_a_design_file_over_the_site_limit_imports_nothing(client, researcher, settings):
    settings.UPLOAD_MAX_BYTES = 1 * KB
    client.force_login(researcher)
    before = Study.objects.count()
    big = SimpleUploadedFile("design.yaml", b"casecast_design: 1\n" + b"#" * 2 * KB)

    response = client.post(reverse("studies:design_import"), {"file": big})

    assert response.status_code == 200
    assert "The file must be smaller than 1 KB" in response.content.decode()
    assert Study.objects.count() == before


@pytest.mark.django_db
def test_a_vignette_bank_over_the_site_limit_imports_nothing(client, researcher, study, settings):
    bank = STAGED_BANK_YAML.format(key="too-big-case").encode()
    settings.UPLOAD_MAX_BYTES = len(bank) - 1
    client.force_login(researcher)

    response = client.post(
        reverse("vignettes:upload", kwargs={"slug": study.slug}),
        {"bank_file": SimpleUploadedFile("bank.yaml", bank)},
    )

    assert "The file must be smaller than" in response.content.decode()
    assert not study.vignettes.filter(key="too-big-case").exists()


def test_every_upload_form_in_the_project_uses_the_one_upload_field():
    from tests.core.test_form_messages import _form_classes

    uploads = {
        f"{cls.__name__}.{name}": type(field)
        for cls in _form_classes()
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.FileField)
    }
    assert {"BankUploadForm.bank_file", "OutcomeCsvForm.file", "DesignImportForm.file"} <= set(
        uploads
    )
    assert {"InvitationCsvForm.file", "ModuleEditForm.upload"} <= set(uploads)
    bare = sorted(name for name, kind in uploads.items() if kind is not TextUploadField)
    assert not bare, f"uploads without a size limit: {bare}"
