"""The status tag: every status the public pages show has a GOV.UK colour, and an unknown value is a grey tag."""

import logging
import re
from pathlib import Path

import pytest
from django.template import Context, Template

from marketplace.core.choices import REGISTRY, TAG_COLOURS, status_choices, tag_for

# Importing the models registers every StatusChoices.
SERVED = [
    "accreditation.Accreditation.Status",
    "accreditation.ProviderCheck.Status",
    "adverts.Advert.Status",
    "adverts.AdvertApplication.Status",
    "agreements.Agreement.Status",
    "agreements.Invoice.Status",
    "agreements.PoolMember.Status",
    "agreements.TimesheetEntry.Status",
    "monitoring.Action.Status",
    "monitoring.Rating",
    "providers.Provider.Status",
]


def render(source: str, **context: object) -> str:
    return Template("{% load status_tags %}" + source).render(Context(context))


def test_the_registry_holds_every_choices_class_the_templates_name() -> None:
    assert sorted(REGISTRY) == SERVED


def test_every_choices_name_a_template_gives_the_tag_is_registered() -> None:
    templates = Path(__file__).resolve().parents[2] / "templates"
    used = {
        name for path in templates.rglob("*.html") for name in re.findall(r'status_tag "([^"]+)"', path.read_text())
    }
    assert used == set(SERVED)


@pytest.mark.parametrize("name", SERVED)
def test_every_status_has_a_govuk_colour_and_no_colour_names_a_status_that_is_not_there(name: str) -> None:
    choices = status_choices(name)
    assert set(choices.tag_colours) == set(choices.values)
    assert set(choices.tag_colours.values()) <= TAG_COLOURS
    assert set(getattr(choices, "tag_labels", {})) <= set(choices.values)


def test_the_tag_shows_the_public_label_and_the_colour() -> None:
    html = render('{% status_tag "providers.Provider.Status" status %}', status="submitted")
    assert html == '<strong class="govuk-tag govuk-tag--blue">Sent to the council</strong>'


def test_a_member_is_as_good_as_its_value() -> None:
    from marketplace.providers.models import Provider

    assert tag_for("providers.Provider.Status", Provider.Status.PUBLISHED) == ("Published", "green")


def test_without_a_public_label_the_choices_label_is_used() -> None:
    assert tag_for("agreements.Invoice.Status", "payable") == ("To pay", "yellow")


def test_an_unknown_value_is_a_grey_tag_with_the_value_and_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="marketplace.core.choices"):
        html = render('{% status_tag "adverts.Advert.Status" status %}', status="archived")
    assert html == '<strong class="govuk-tag govuk-tag--grey">archived</strong>'
    assert "'archived' is not one of adverts.Advert.Status" in caplog.text


def test_a_blank_value_is_the_empty_text_in_grey_or_nothing() -> None:
    assert render('{% status_tag "monitoring.Rating" "" empty="Not rated" %}') == (
        '<strong class="govuk-tag govuk-tag--grey">Not rated</strong>'
    )
    assert render('{% status_tag "monitoring.Rating" None %}') == ""


def test_a_misspelt_choices_name_is_an_error_that_lists_the_known_names() -> None:
    with pytest.raises(LookupError, match=r"known: .*providers\.Provider\.Status"):
        render('{% status_tag "providers.Provider.Statuses" "draft" %}')


def test_labels_are_escaped() -> None:
    assert "&lt;b&gt;" in render('{% status_tag "adverts.Advert.Status" status %}', status="<b>")
