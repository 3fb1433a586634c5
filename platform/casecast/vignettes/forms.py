from __future__ import annotations

from typing import Any

from django import forms

from casecast.core.forms import MB, TextUploadField
from casecast.studies.models import Arm
from casecast.vignettes.models import Vignette


class BankUploadForm(forms.Form):
    bank_file = TextUploadField(
        max_bytes=5 * MB,
        label="Bank file",
        help_text="A YAML (.yaml, .yml), JSON (.json) or questions CSV (.csv) file, up to 5 MB.",
        error_messages={
            "required": "Select a bank file to upload",
            "empty": "The selected file is empty",
            "invalid": "Select a bank file to upload",
            "not_utf8": "The file must be saved as UTF-8 text.",
        },
    )


EVERYONE = ""


class PhasePlanForm(forms.Form):
    """One row per vignette: its place in the phase (blank: not delivered), group, retest."""

    def __init__(
        self, *args: Any, vignettes: list[Vignette], arms: list[Arm], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.vignettes, self.arms = vignettes, arms
        groups = [(EVERYONE, "Everyone")] + [(arm.key, arm.name) for arm in arms]
        for vignette in vignettes:
            self.fields[f"position-{vignette.key}"] = forms.IntegerField(
                label=f"Order of {vignette.key}",
                required=False,
                min_value=1,
                max_value=99,
                error_messages={
                    "invalid": f"Enter the order of {vignette.key} as a whole number, like 1",
                    "min_value": f"Enter an order of 1 or more for {vignette.key}",
                    "max_value": f"Enter an order of 99 or less for {vignette.key}",
                },
            )
            self.fields[f"group-{vignette.key}"] = forms.ChoiceField(
                label=f"Who gets {vignette.key}",
                choices=groups,
                required=False,
                error_messages={"invalid_choice": f"Select who gets {vignette.key}"},
            )
            self.fields[f"retest-{vignette.key}"] = forms.BooleanField(
                label=f"{vignette.key} is a retest", required=False
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "vignette": vignette,
                "position": self[f"position-{vignette.key}"],
                "group": self[f"group-{vignette.key}"],
                "retest": self[f"retest-{vignette.key}"],
            }
            for vignette in self.vignettes
        ]

    def plan(self) -> dict[Arm | None, list[tuple[str, bool]]]:
        by_key = {arm.key: arm for arm in self.arms}
        chosen: dict[Arm | None, list[tuple[int, str, bool]]] = {None: []}
        chosen.update({arm: [] for arm in self.arms})
        for vignette in self.vignettes:
            position = self.cleaned_data.get(f"position-{vignette.key}")
            if position is None:
                continue
            arm = by_key.get(self.cleaned_data.get(f"group-{vignette.key}") or "")
            retest = bool(self.cleaned_data.get(f"retest-{vignette.key}"))
            chosen[arm].append((position, vignette.key, retest))
        return {
            arm: [(key, retest) for _, key, retest in sorted(items)]
            for arm, items in chosen.items()
        }
