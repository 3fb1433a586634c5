"""GOV.UK Design System rendering for Django form fields and page titles.

`{% govuk_field form.email %}` renders a complete form group (label, hint, error
message, input) with the right classes and `aria-describedby`, for text inputs,
textareas, selects, radios and checkboxes. Pass `label_class="govuk-label--l"`
and `as_heading=True` for one-question pages; `width="govuk-input--width-5"`
for short inputs.

`{{ field|govuk_error_target }}` is the id an error-summary link points at, and
`{% govuk_page_title %}` (used once, in base.html) writes the whole `<title>`:
"Error: " when the page shows errors, the page's `page_title`, then
"– Casecast".
"""

from typing import Any

from django import forms, template
from django.conf import settings
from django.forms.formsets import BaseFormSet

register = template.Library()

ERROR_PREFIX = "Error: "

# Context keys under which views hand a page errors that are not (only) on a
# Django form: shown in the page's error summary, so "Error: " goes in <title>.
# `error_summary` (the forecast pages' own summary) counts whenever it is not
# empty. The lists below count only when a form on the page was submitted
# (bound), because `problems` is also used for things that are not errors, for
# example what a draft study still needs.
ERRORS_ALWAYS = ("error_summary",)
ERRORS_AFTER_SUBMIT = ("problems", "csv_errors", "row_errors")

_INPUT_CLASSES = {
    "textarea": "govuk-textarea",
    "select": "govuk-select",
}


def _widget_kind(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select):
        return "select"
    return "input"


def govuk_error_target(field: forms.BoundField) -> str:
    """The id an error-summary link points at for `field`.

    A group of radios or checkboxes has no element with the field's own id, so
    the link goes to its first option (`id_role_0`); every other field, a single
    checkbox included, has its input at the field's id (`id_agree`).
    """
    if _widget_kind(field) in ("radios", "checkboxes"):
        options = field.subwidgets
        if options:
            return str(options[0].id_for_label)
    return str(field.id_for_label or field.auto_id)


@register.filter(name="govuk_error_target")
def govuk_error_target_filter(field: forms.BoundField) -> str:
    return govuk_error_target(field)


@register.filter
def govuk_first_field_target(form: forms.BaseForm) -> str:
    """Where a form-wide error links to: the form's first visible field."""
    for field in form.visible_fields():
        return govuk_error_target(field)
    return "main-content"


def _is_form_with_errors(value: Any) -> bool:
    # type(), not isinstance(): isinstance would evaluate lazy context values
    # (csrf_token, user) just to compare their class.
    kind = type(value)
    if issubclass(kind, forms.BaseForm):
        return bool(value.is_bound and value.errors)
    if issubclass(kind, BaseFormSet):
        return bool(value.is_bound and value.total_error_count())
    return False


def _is_bound_form(value: Any) -> bool:
    kind = type(value)
    return issubclass(kind, forms.BaseForm | BaseFormSet) and bool(value.is_bound)


def page_has_errors(context: template.Context) -> bool:
    """Whether the page being rendered shows an error summary (GOV.UK: "Error: " title)."""
    values = context.flatten()
    if any(_is_form_with_errors(value) for value in values.values()):
        return True
    if any(values.get(key) for key in ERRORS_ALWAYS):
        return True
    submitted = any(_is_bound_form(value) for value in values.values())
    if submitted and any(values.get(key) for key in ERRORS_AFTER_SUBMIT):
        return True
    report = values.get("report")  # a bank import's report (vignettes)
    return submitted and getattr(report, "ok", True) is False


@register.simple_tag(takes_context=True)
def govuk_page_title(context: template.Context) -> str:
    """The page's <title>: ["Error: "] [page_title " – "] "Casecast".

    The service name comes from settings, never from the context, where
    Django's own views put `site_name` (the request's host).
    """
    page_title = str(context.get("page_title") or "")
    parts = [f"{page_title} \N{EN DASH} " if page_title else "", settings.SITE_NAME]
    if page_has_errors(context) and not page_title.startswith(ERROR_PREFIX):
        parts.insert(0, ERROR_PREFIX)
    return "".join(parts)


def _described_by(field: forms.BoundField) -> str:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return " ".join(ids)


def _rendered_widget(field: forms.BoundField, kind: str, width: str) -> str:
    css = _INPUT_CLASSES.get(kind, "govuk-input")
    if field.errors:
        css += f" {css}--error"
    if width:
        css += f" {width}"
    attrs: dict[str, Any] = {"class": css}
    described_by = _described_by(field)
    if described_by:
        attrs["aria-describedby"] = described_by
    return str(field.as_widget(attrs=attrs))


@register.inclusion_tag("govuk/field.html")
def govuk_field(
    field: forms.BoundField,
    label_class: str = "govuk-label--s",
    width: str = "",
    as_heading: bool = False,
    inline: bool = False,
) -> dict[str, Any]:
    kind = _widget_kind(field)
    choices = []
    if kind in ("radios", "checkboxes"):
        choices = list(field.subwidgets)
    return {
        "field": field,
        "kind": kind,
        "choices": choices,
        "widget": "" if choices else _rendered_widget(field, kind, width),
        "label_class": label_class,
        "legend_class": label_class.replace("label", "fieldset__legend"),
        "as_heading": as_heading,
        "inline": inline,
        "described_by": _described_by(field),
    }
