"""The GOV.UK tag for a status, its words and colour taken from the status's choices class."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from marketplace.core.choices import tag_for

register = template.Library()


@register.simple_tag
def status_tag(choices: str, value: Any, empty: str = "") -> SafeString:
    """The tag for one status: `{% status_tag "providers.Provider.Status" provider.status %}`.

    `empty` is the grey tag's text for a blank value (an optional field, like a
    rating not given yet); without it a blank value draws nothing.
    """
    if value in (None, ""):
        return format_html('<strong class="govuk-tag govuk-tag--grey">{}</strong>', empty) if empty else SafeString("")
    label, colour = tag_for(choices, value)
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, label)
