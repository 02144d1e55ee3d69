"""Template helpers for GOV.UK Frontend markup: form options with facet counts,
query strings for links, money and distance in plain English, and the
council's brand colour made safe to put in a style sheet."""

import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django import forms, template
from django.forms import BoundField
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from marketplace.core.forms import error_summary_items as form_error_summary_items
from search.versioning import VersionMemo

register = template.Library()

HEX_COLOUR = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
# WCAG 2.2 AA for normal text: the header's white text must stay readable.
MINIMUM_CONTRAST_WITH_WHITE = 4.5


def _relative_luminance(hex_digits: str) -> float:
    """WCAG relative luminance of an sRGB colour given as six hex digits."""

    def channel(pair: str) -> float:
        value = int(pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(hex_digits[index : index + 2]) for index in (0, 2, 4))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


@register.filter
def safe_brand_colour(value: Any) -> str:
    """'#1d70b8' when the value is a hex colour white text is readable on, else ''.

    Editors type the colour into the settings; anything else (a colour name,
    CSS, a colour too pale for the white header text) is ignored and the
    default header colour stays, so the value can go into a style element.
    """
    match = HEX_COLOUR.match(str(value or "").strip())
    if not match:
        return ""
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(character * 2 for character in digits)
    contrast = 1.05 / (_relative_luminance(digits) + 0.05)
    return f"#{digits}" if contrast >= MINIMUM_CONTRAST_WITH_WHITE else ""


def _chosen_values(field: BoundField) -> set[str]:
    value = field.value()
    if value is None or value == "":
        return set()
    if isinstance(value, list | tuple):
        return {str(item) for item in value}
    return {str(value)}


@register.simple_tag
def field_options(
    field: BoundField, facet: list[Any] | str | None = None, default: Any = None
) -> list[dict[str, Any]]:
    """The choices of a field as GOV.UK checkboxes, radios or select options.

    Each option has an id following the GOV.UK convention (the field name for
    the first, so the error summary can link to it, then name-2, name-3...),
    whether the person chose it (values they typed are kept, even on a form
    with errors) and, when the search has facet counts, how many results it
    would match.
    """
    # Without results (a form with errors) the template passes '' rather than a list: no counts.
    has_counts = isinstance(facet, list)
    counts = {facet_value.value: facet_value.count for facet_value in facet} if isinstance(facet, list) else {}
    choices = list(getattr(field.field, "choices", ()))
    chosen = _chosen_values(field)
    if default is not None and not chosen & {str(value) for value, _ in choices}:
        # Nothing chosen, or only a value the field does not offer (an edited address, said in its error): the
        # default, which is what a search without it uses, rather than whichever option comes first.
        chosen = {str(default)}
    options = []
    for index, (value, label) in enumerate(choices):
        value_text = str(value)
        options.append(
            {
                "id": field.html_name if index == 0 else f"{field.html_name}-{index + 1}",
                "value": value_text,
                "label": str(label),
                "checked": value_text in chosen,
                "count": counts.get(value_text, 0) if has_counts and value_text else None,
            }
        )
    return options


# Search forms' fields as rendered, cut at their count holes: kept until the terms change (a field shows the terms
# and the values chosen, never a listing).
fields_memo = VersionMemo(entries=1024)
# A new random mark each process: no label or hint can contain it.
COUNT_HOLE = f"\x00{secrets.token_hex(16)}\x00"


@dataclass(frozen=True)
class _CountHole:
    """A facet value whose count is a hole: `field_options` reads `value` and `count` from each."""

    value: str
    count: str


@register.simple_tag(takes_context=True)
def search_field(
    context: template.Context,
    template_name: str,
    field: BoundField,
    facet: list[Any] | str | None = None,
    **options: Any,
) -> SafeString:
    """`{% include template_name with field=field facet=facet ... only %}`, kept between searches.

    A search form's field differs from one search to the next only by its
    value (what is typed, chosen or ticked) and, for a group of checkboxes or
    radios, by the counts beside its choices. So each field is rendered once
    for each value and options, with a hole where each count goes, and each
    search puts its own counts in (decisions 0051 and 0052). It is kept
    until the terms change (the terms' own version, `TermCatalogue.version`:
    decision 0059), whatever change to the listings made a new listings
    version. A field with errors, or a page without a terms version, is
    rendered afresh.
    """
    version = context.get("terms_version")
    if not version or field.errors:
        return render_to_string(template_name, {"field": field, "facet": facet, **options})
    counts = {facet_value.value: facet_value.count for facet_value in facet} if isinstance(facet, list) else None
    values = [str(value) for value, _ in getattr(field.field, "choices", ())]
    key = repr(
        (template_name, field.html_name, sorted(_chosen_values(field)), counts is None, sorted(options.items()))
    )

    def with_holes() -> tuple[str, ...]:
        holes = [_CountHole(value, f"{COUNT_HOLE}{index}{COUNT_HOLE}") for index, value in enumerate(values)]
        context = {"field": field, "facet": facet if counts is None else holes, **options}
        return tuple(render_to_string(template_name, context).split(COUNT_HOLE))

    parts = fields_memo.get_or_set(version, key, with_holes)
    if counts is None:
        return mark_safe(parts[0])  # the component's own output: no holes without counts
    filled = [part if index % 2 == 0 else str(counts.get(values[int(part)], 0)) for index, part in enumerate(parts)]
    return mark_safe("".join(filled))  # the component's output with whole numbers in its holes


@register.filter
def input_type(field: BoundField) -> str:
    """How the field component draws a field: text, email, password, checkbox, textarea, radio or hidden."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.RadioSelect):
        return "radio"
    return str(getattr(widget, "input_type", "text"))


@register.simple_tag
def aria_describedby(field: BoundField, hint: Any = "") -> SafeString:
    """' aria-describedby="name-hint name-error"' for a field with a hint or an error, else ''.

    The ids follow the components' one rule: the field's name (with any form
    prefix), then -hint and -error.
    """
    ids = [f"{field.html_name}-hint"] if hint else []
    if field.errors:
        ids.append(f"{field.html_name}-error")
    return format_html(' aria-describedby="{}"', " ".join(ids)) if ids else SafeString("")


@register.simple_tag
def error_summary_items(errors: Any = None, form: Any = None) -> list[tuple[str, str]]:
    """The error summary's (anchor, message) pairs: `errors` as given, else drawn from `form`.

    A field's errors link to its first input (marketplace.core.forms.field_anchor).
    """
    if errors:
        return list(errors)
    if not form or not form.errors:
        return []
    return form_error_summary_items(form)


@register.simple_tag
def facet_count(facet: list[Any] | str | None, value: str) -> int | None:
    """The count for one facet value (such as 'accredited' in the flags), or None without facets."""
    if not isinstance(facet, list):
        return None
    return next((facet_value.count for facet_value in facet if facet_value.value == value), 0)


@register.filter
def with_shortlist(rendered: Any, shortlisted: Any) -> SafeString:
    """The directory's cached results with this visitor's own shortlist buttons put in (cms/directory.py)."""
    return rendered.html_for(shortlisted if isinstance(shortlisted, set) else set())


@register.filter
def pounds(amount: Decimal | float | int | None) -> str:
    """£18.00, or '' when there is no amount."""
    if amount is None or amount == "":
        return ""
    return f"£{Decimal(amount):,.2f}"


@register.filter
def miles_away(distance: float | None) -> str:
    """'2.4 miles away', '1 mile away', 'Less than 0.1 miles away'."""
    if distance is None:
        return ""
    rounded = f"{distance:.1f}"
    if rounded == "0.0":
        return "Less than 0.1 miles away"
    if rounded == "1.0":
        return "1 mile away"
    return f"{rounded} miles away"


@register.simple_tag(takes_context=True)
def directory_url(context: template.Context) -> str:
    """The address of the live directory page ('/directory/'), or '' if there is none (once per listings version)."""
    from cms.models import DirectoryPage
    from cms.site_memo import footer_links

    request = context.get("request")

    def find() -> str:
        directory = DirectoryPage.objects.live().first()
        return (directory.get_url(request) or "") if directory is not None else ""

    return str(footer_links(request, "directory_url", find))


@register.simple_tag(takes_context=True)
def statement_links(context: template.Context) -> list[tuple[str, str]]:
    """(address, title) of the live accessibility statement, privacy notice and cookies page, in that order.

    Looked up once per listings version (cms/site_memo.py): publishing, moving or editing a page changes it.
    """
    from cms.models import StatementKind, StatementPage
    from cms.site_memo import footer_links

    request = context.get("request")

    def find() -> tuple[tuple[str, str], ...]:
        order = list(StatementKind.values)
        pages = sorted(StatementPage.objects.live().public(), key=lambda page: order.index(page.kind))
        return tuple((url, page.title) for page in pages if (url := page.get_url(request)))

    return list(footer_links(request, "statement_links", find))


UNIT_PHRASES = {"hour": "an hour", "session": "a session", "day": "a day", "night": "a night"}


@register.filter
def per_unit(unit: str) -> str:
    """'an hour' for ProviderPrice.Unit.HOUR, and so on: reads well after a price."""
    return UNIT_PHRASES.get(str(unit), f"per {unit}")


@register.simple_tag(takes_context=True)
def back_to_search_url(context: template.Context, directory_url: str) -> str:
    """The search the person came from, when they came from this site's directory.

    Without JavaScript the back link cannot use the browser history, so it
    uses the Referer header, but only its path and query, and only when it is
    the directory page on this host, so the link can never lead off the site.
    """
    request = context.get("request")
    if request is None:
        return directory_url
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if referer.netloc == request.get_host() and referer.path == directory_url:
        return f"{referer.path}?{referer.query}" if referer.query else referer.path
    return directory_url


@register.filter
def absolute(amount: Decimal | None) -> Decimal | None:
    """The size of a difference, for sentences that say 'more' or 'less' themselves."""
    return None if amount is None else abs(amount)
