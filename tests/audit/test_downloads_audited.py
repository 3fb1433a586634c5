"""Every download of study data or content, and every command-line export, leaves an audit
event naming who, what and with which options."""

from __future__ import annotations

import io

import pytest
from casecast.audit.models import AuditEvent
from casecast.studies.models import Study
from casecast.training.services import module_version_current
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _events(study: Study, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(study_id=study.pk, action=action).order_by("pk"))


def test_each_download_is_audited_with_its_options(client, study, researcher):
    client.force_login(researcher)
    version = module_version_current(study=study, key="calibration")
    downloads = [
        (reverse("studies:codes_download", args=[study.slug]), {}, "invitations.codes_export"),
        (reverse("studies:design_download", args=[study.slug]), {}, "design.export"),
        (reverse("vignettes:download", args=[study.slug, "yaml"]), {}, "vignettes.bank_export"),
        (reverse("resolution:import_template", args=[study.slug]), {}, "exports.download"),
        (
            reverse("studies:audit_csv", args=[study.slug]),
            {"action": "design.export"},
            "audit.export",
        ),
        (
            reverse("training:staff_version", args=[study.slug, "calibration", version.number]),
            {"format": "yaml"},
            "training.version_export",
        ),
    ]
    for url, query, action in downloads:
        response = client.get(url, query)
        assert response.status_code == 200, url
        assert "attachment" in response["Content-Disposition"], url
        events = _events(study, action)
        assert events, action
        assert events[-1].actor_id == researcher.pk, action

    assert _events(study, "vignettes.bank_export")[-1].data == {"format": "yaml"}
    assert _events(study, "exports.download")[-1].data["file"] == "outcomes-template.csv"
    assert _events(study, "audit.export")[-1].data["filters"] == {"action": "design.export"}
    assert _events(study, "training.version_export")[-1].data == {
        "module": "calibration",
        "version": version.number,
        "format": "yaml",
    }
    codes = _events(study, "invitations.codes_export")[-1].data
    assert codes["rows"] == study.invitations.filter(kind="code").count()


def test_the_design_export_command_is_audited_as_the_command_line(study):
    call_command("study_design_export", study.slug, stdout=io.StringIO())
    event = _events(study, "design.export")[-1]
    assert event.actor_id is None
    assert event.data["via"].startswith("command line (")
