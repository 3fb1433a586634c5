"""GOV.UK Design System rendering for Django form fields.

`{% govuk_field form.email %}` renders a complete form group (label, hint, error
message, input) with the right classes and `aria-describedby`, for text inputs,
textareas, selects, radios and checkboxes. Pass `label_class="govuk-label--l"`
and `as_heading=True` for one-question pages; `width="govuk-input--width-5"`
for short inputs.
"""

from typing import Any

from django import forms, template

register = template.Library()

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
