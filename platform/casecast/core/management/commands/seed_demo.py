"""Create (or refresh) the demo: accounts, a four-arm study, its vignette bank,
participants part-way through, outcomes and scores.

Idempotent: running it twice leaves the same data as running it once. Each app
contributes its own `demo.py`; this command only orders them and prints how to
sign in.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from casecast.accounts.links import participant_link
from casecast.accounts.models import User

DEMO_PASSWORD = "casecast-demo-2026"
RESEARCHER_EMAIL = "researcher@example.org"
SITE_ADMIN_EMAIL = "admin@example.org"
# Demo-only second factor, the same on every install so the printed key keeps
# working after a re-seed. Never use fixed keys for a real account.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
DEMO_BACKUP_CODES = ("demo1111", "demo2222", "demo3333", "demo4444", "demo5555")


def _optional(path: str) -> Callable[..., Any] | None:
    """A demo step from an app that may not be installed in this build."""
    module_name, _, function_name = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return None
    return getattr(module, function_name, None)


def demo_user(*, email: str, name: str, site_admin: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email,
            password=DEMO_PASSWORD,
            name=name,
            is_site_admin=site_admin,
            is_superuser=site_admin,
        )
    return user


def demo_second_factor(*, user: User) -> str:
    """Give a demo staff account a known authenticator key and backup codes; return the key.

    Study admins and site administrators must use a second factor, so the demo
    accounts get one that the welcome message can print. Re-seeding restores
    the backup codes, so a used one comes back.
    """
    import base64

    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.update_or_create(
        user=user,
        name="Authenticator app",
        defaults={"key": DEMO_TOTP_KEY_HEX, "confirmed": True},
    )
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=c) for c in DEMO_BACKUP_CODES)
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode()


class Command(BaseCommand):
    help = "Create the demo accounts, study, vignettes, participants and scores (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            researcher = demo_user(email=RESEARCHER_EMAIL, name="Demo Researcher")
            admin = demo_user(
                email=SITE_ADMIN_EMAIL, name="Demo Site Administrator", site_admin=True
            )
            for staff in (researcher, admin):
                totp_key = demo_second_factor(user=staff)
            links = self._seed_study(researcher)
            seed_results = _optional("casecast.trial_results.demo.seed_demo_trial_results")
            if seed_results is not None:
                seed_results(researcher=researcher)
        self._print_welcome(links, totp_key=totp_key)

    def _seed_study(self, researcher: User) -> list[tuple[str, User]]:
        seed_study = _optional("casecast.studies.demo.seed_demo_study")
        if seed_study is None:
            return []
        study = seed_study(researcher=researcher)
        for step in (
            "casecast.vignettes.demo.seed_demo_bank",
            "casecast.resolution.demo.seed_demo_scores",
            "casecast.resolution.exports.demo.seed_demo_outcome_history",
            "casecast.api.demo.seed_demo_token",
        ):
            function = _optional(step)
            if function is not None:
                function(study=study)
        seed_participants = _optional("casecast.studies.demo.seed_demo_participants")
        participants = seed_participants(study=study) if seed_participants else []
        seed_progress = _optional("casecast.forecasts.demo.seed_demo_progress")
        if seed_progress is not None:
            seed_progress(study=study)
        seed_feedback = _optional("casecast.feedback.demo.seed_demo_feedback_participants")
        if seed_feedback is not None:
            participants += seed_feedback(study=study)
        if seed_seen := _optional("casecast.resolution.exports.demo.seed_demo_feedback_seen"):
            seed_seen(study=study)
        seed_network = _optional("casecast.network.demo.seed_demo_network")
        if seed_network is not None:
            seed_network(study=study, researcher=researcher)
        settle = _optional("casecast.resolution.demo.settle_demo_summaries")
        if settle is not None:
            settle()
        (_optional("casecast.practice.demo.seed_demo_practice") or (lambda **_: None))(study=study)
        _optional("casecast.resolution.demo_blinding.seed_demo_blinding")(study=study)  # type: ignore[misc]
        (_optional("casecast.reports.demo.seed_demo_report") or (lambda **_: None))(study=study)
        # Last, in its own study, so nothing of the main demo (ids included) changes.
        if seed_teams := _optional("casecast.teams.demo.seed_demo_teams"):
            participants += seed_teams(researcher=researcher)
        return participants

    def _print_welcome(self, links: list[tuple[str, User]], *, totp_key: str) -> None:
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS("Casecast demo is ready."))
        out.write(f"  Site:                 {settings.SITE_URL}/")
        out.write(f"  Researcher sign-in:   {settings.SITE_URL}/accounts/sign-in/")
        out.write(f"    email {RESEARCHER_EMAIL}   password {DEMO_PASSWORD}")
        out.write(f"  Site administrator:   {SITE_ADMIN_EMAIL}   password {DEMO_PASSWORD}")
        out.write("  Second factor (both staff accounts), asked for after the password:")
        codes = " ".join(DEMO_BACKUP_CODES)
        out.write(f"    a backup code, each usable once until the next seed: {codes}")
        out.write(f"    or add this key to an authenticator app: {totp_key}")
        for label, user in links:
            out.write(f"  Participant – {label}:")
            out.write(f"    {participant_link(user=user)}")
        if _optional("casecast.trial_results.demo.seed_demo_trial_results"):
            out.write("  Forecast the centre's trials (anyone signed in; set up by researchers):")
            out.write(f"    {settings.SITE_URL}/trial-results/")
        slug = getattr(importlib.import_module("casecast.studies.demo"), "DEMO_SLUG", None)
        if _optional("casecast.network.demo.seed_demo_network"):
            out.write("  Forecasters across two linked demo studies (site administrator):")
            out.write(f"    {settings.SITE_URL}/network/")
        if _optional("casecast.teams.demo.seed_demo_teams"):
            team_demo = importlib.import_module("casecast.teams.demo")
            out.write("  Team arms: comment moderation (researcher); the teams and their scores")
            out.write(
                f"  while the trial is blinded (data monitoring committee, {team_demo.DMC_EMAIL}):"
            )
            out.write(f"    {settings.SITE_URL}/studies/{team_demo.TEAM_DEMO_SLUG}/teams/")
        if slug and _optional("casecast.resolution.exports.package.study_package_write"):
            out.write("  Export the demo study's data (csv, parquet, dta or sav; docs/exports.md):")
            out.write(f"    python manage.py export_study {slug} --format dta --out demo-export")
        if _optional("casecast.network.pooled.pooled_package_write") and _optional(
            "casecast.network.demo.seed_demo_network"
        ):
            out.write("  Export the pooled data of forecasters linked across the demo studies:")
            out.write("    python manage.py export_network --format csv --out demo-pooled")
        out.write("")
