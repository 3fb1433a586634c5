"""Concealment: staff and participants never see the seed, keys, next allocation or
per-stratum counts while the study is recruiting."""

import csv
import hashlib
import hmac
import io

import pytest
from casecast.studies import design as study_design
from casecast.studies.models import Allocation, Study
from casecast.studies.selectors import design_current
from casecast.studies.services import study_status_change
from django.urls import reverse

from tests.fixtures_studies import create_participant

STAFF_GETS = [
    "detail",
    "edit",
    "status",
    "arms",
    "arm_add",
    "randomisation",
    "councils",
    "council_add",
    "phases",
    "phase_add",
    "questions",
    "baseline_add",
    "eligibility_add",
    "consent_text",
    "consent_edit",
    "staff",
    "staff_add",
    "participants",
    "invitations",
    "codes_download",
    "consort",
    "design_versions",
    "design_download",
]


@pytest.fixture
def recruiting_with_allocations(study):
    for n in range(5):
        create_participant(study=study, email=f"p{n}@example.org")
    return study


def _secrets(study):
    version = design_current(study=study)
    return [
        study.allocation_seed,
        study.pseudonym_key,
        study_design.version_seed(study=study, version=version),
    ]


def _strata_markers(study):
    return [s for s in Allocation.objects.filter(study=study).values_list("stratum", flat=True)]


def test_no_staff_page_reveals_secrets_or_strata_while_recruiting(
    client, researcher, recruiting_with_allocations
):
    study = recruiting_with_allocations
    client.force_login(researcher)
    for name in STAFF_GETS:
        response = client.get(reverse(f"studies:{name}", args=[study.slug]))
        assert response.status_code == 200, name
        body = response.content.decode()
        for secret in _secrets(study):
            assert secret not in body, name
        for stratum in _strata_markers(study):
            assert stratum not in body, name


def test_participant_pages_reveal_no_secrets(client, study, participant_consented):
    client.force_login(participant_consented.user)
    for name in ("baseline", "withdraw"):
        body = client.get(reverse(f"studies:{name}", args=[study.slug])).content.decode()
        for secret in _secrets(study):
            assert secret not in body


def test_participant_list_hides_arms_while_recruiting_and_shows_them_when_closed(
    client, researcher, recruiting_with_allocations
):
    study = recruiting_with_allocations
    client.force_login(researcher)
    arm_names = [arm.name for arm in study.arms.all()]
    page = client.get(reverse("studies:participants", args=[study.slug])).content.decode()
    assert not any(f">{name}<" in page for name in arm_names)
    study_status_change(study=study, to=Study.Status.CLOSED, by=researcher)
    page = client.get(reverse("studies:participants", args=[study.slug])).content.decode()
    # Closed but still blinded (tests/studies/test_blinding.py): the arms appear coded.
    codes = [f">Arm {arm.blind_code}<" for arm in study.arms.all()]
    assert any(code in page for code in codes)
    assert not any(f">{name}<" in page for name in arm_names)


def test_strata_counts_appear_on_consort_page_only_after_closing(
    client, researcher, recruiting_with_allocations
):
    study = recruiting_with_allocations
    client.force_login(researcher)
    url = reverse("studies:consort", args=[study.slug])
    stratum = _strata_markers(study)[0]
    assert stratum not in client.get(url).content.decode()
    study_status_change(study=study, to=Study.Status.CLOSED, by=researcher)
    assert stratum in client.get(url).content.decode()


def test_allocation_export_is_refused_while_recruiting(
    client, researcher, recruiting_with_allocations
):
    client.force_login(researcher)
    url = reverse("studies:allocations_download", args=[recruiting_with_allocations.slug])
    assert client.get(url).status_code == 403


def test_closed_study_export_is_pseudonymised(client, researcher, recruiting_with_allocations):
    study = recruiting_with_allocations
    study_status_change(study=study, to=Study.Status.CLOSED, by=researcher)
    client.force_login(researcher)
    body = client.get(reverse("studies:allocations_download", args=[study.slug])).content.decode()
    lines = body.strip().splitlines()
    assert lines[0].startswith("pseudonym,council,region,arm")
    assert len(lines) == 6
    for participant in study.participants.all():
        assert participant.user.email not in body
        assert f"P-{participant.pk}," not in body
        assert study_design.pseudonym(study=study, participant_id=participant.pk) in body
    for secret in _secrets(study):
        assert secret not in body


def test_closed_study_allocation_export_names_councils_by_their_pseudonym(
    client, researcher, recruiting_with_allocations
):
    study = recruiting_with_allocations
    study_status_change(study=study, to=Study.Status.CLOSED, by=researcher)
    client.force_login(researcher)
    body = client.get(reverse("studies:allocations_download", args=[study.slug])).content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    key = study.pseudonym_key.encode()
    by_pseudonym = {
        study_design.pseudonym(study=study, participant_id=p.pk): p
        for p in study.participants.select_related("council")
    }
    assert rows and all(row["pseudonym"] in by_pseudonym for row in rows)
    assert any(row["council"] for row in rows)  # the premise: councils to name
    for row in rows:
        council = by_pseudonym[row["pseudonym"]].council
        # HMAC-SHA256(study key, "council:<id>"), computed here from the documented rule.
        expected = (
            hmac.new(key, f"council:{council.pk}".encode(), hashlib.sha256).hexdigest()
            if council
            else ""
        )
        assert row["council"] == expected
        if council:
            assert council.name not in body


def test_advance_list_is_for_site_administrators_only(client, researcher, site_admin, study):
    url = reverse("studies:advance_list", args=[study.slug])
    client.force_login(researcher)
    assert client.get(url).status_code == 403
    assert client.post(url, {"per_stratum": 10}).status_code == 403
    client.force_login(site_admin)
    response = client.post(url, {"per_stratum": 4})
    assert response.status_code == 200
    rows = response.content.decode().strip().splitlines()
    assert len(rows) == 1 + 4 * 3  # two councils and the "none" level, four each


def test_advance_list_matches_the_allocations_made_on_the_fly(client, site_admin, study):
    client.force_login(site_admin)
    body = client.post(
        reverse("studies:advance_list", args=[study.slug]), {"per_stratum": 6}
    ).content.decode()
    council = study.councils.first()
    planned = [line.split(",") for line in body.splitlines()[1:]]
    header = body.splitlines()[0].split(",")
    arm_col, council_col = header.index("arm"), header.index("council")
    expected = [row[arm_col] for row in planned if row[council_col] == council.name]
    actual = [
        create_participant(study=study, email=f"a{n}@example.org", council=council).arm.key
        for n in range(6)
    ]
    assert actual == expected


@pytest.mark.parametrize("page", ["detail", "consort"])
def test_overview_and_consort_show_totals_only_until_the_study_closes(
    client, researcher, recruiting_with_allocations, page
):
    study = recruiting_with_allocations
    client.force_login(researcher)
    url = reverse(f"studies:{page}", args=[study.slug])
    arm_names = [arm.name for arm in study.arms.all()]
    before = client.get(url).content.decode()
    assert not any(f">{name}<" in before for name in arm_names)
    assert "Counts by arm are shown once the study closes" in before
    create_participant(study=study, email="one-more@example.org")
    after = client.get(url).content.decode()
    assert not any(f">{name}<" in after for name in arm_names)
    study_status_change(study=study, to=Study.Status.CLOSED, by=researcher)
    closed = client.get(url).content.decode()
    # Counts by arm now, under the arms' codes while the study is blinded.
    assert all(f">Arm {arm.blind_code}<" in closed for arm in study.arms.all())
    assert not any(f">{name}<" in closed for name in arm_names)
