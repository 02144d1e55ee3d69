"""The error summary's links: each to the first input of its field, as the GOV.UK components draw them."""

from django import forms
from django.template import Context, Template

from marketplace.core.fields import DateInputField
from marketplace.core.forms import error_summary_items


class AppointmentForm(forms.Form):
    name = forms.CharField(error_messages={"required": "Enter your name"})
    day = DateInputField(name_in_errors="the day")
    token = forms.CharField(widget=forms.HiddenInput, error_messages={"required": "Start again"})

    def clean(self):
        raise forms.ValidationError("Something is wrong with the whole form")


def test_errors_link_to_each_fields_first_input_and_whole_form_errors_come_first() -> None:
    form = AppointmentForm(data={"day_day": "", "day_month": "", "day_year": ""})
    items = error_summary_items(form)
    assert items[0] == ("name", "Something is wrong with the whole form")
    assert ("name", "Enter your name") in items
    assert [anchor for anchor, _ in items if anchor.startswith("day")] == ["day_day"]
    assert ("", "Start again") in items


def test_a_form_prefix_is_part_of_every_anchor() -> None:
    form = AppointmentForm(data={}, prefix="visit")
    anchors = {anchor for anchor, _ in error_summary_items(form)}
    assert {"visit-name", "visit-day_day"} <= anchors


def test_the_components_give_the_linked_input_that_id() -> None:
    form = AppointmentForm(data={"day_day": "31", "day_month": "2", "day_year": "2027"})
    html = Template(
        '{% include "govuk/error_summary.html" %}{% include "govuk/input.html" with field=form.name %}'
        '{% include "govuk/date_input.html" with field=form.day %}'
    ).render(Context({"form": form}))
    for anchor, _ in error_summary_items(form):
        if anchor:
            assert f'href="#{anchor}"' in html
            assert html.count(f'id="{anchor}"') == 1
    assert 'aria-describedby="name-error"' in html
    assert 'id="day-error"' in html
    assert 'value="31"' in html
