"""Control characters are cleaned from everything typed, and no stored value can break an export."""

import csv
import io

import openpyxl
import pytest
from django import forms
from django.urls import reverse

from marketplace.core.text import spreadsheet_safe, without_control_characters
from marketplace.providers.models import Provider
from tests.factories import ProviderFactory, ProviderMembershipFactory

pytestmark = pytest.mark.django_db

HOSTILE = "Ama\x00\x01\x08\x0b\x1b[31m\x7f\x85\ud800\ufffe Mensah"


class AnyForm(forms.Form):
    name = forms.CharField()
    email = forms.EmailField(required=False)
    notes = forms.CharField(widget=forms.Textarea, required=False)
    password = forms.CharField(widget=forms.PasswordInput, strip=False, required=False)


def test_every_text_field_drops_control_characters_but_keeps_line_breaks_and_tabs():
    form = AnyForm({"name": HOSTILE, "email": "a\x07@example.org", "notes": "one\r\ntwo\tthree\x1f"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "Ama[31m Mensah"
    assert form.cleaned_data["email"] == "a@example.org"
    assert form.cleaned_data["notes"] == "one\r\ntwo\tthree"


def test_a_value_of_nothing_but_control_characters_is_empty_so_required_says_so():
    form = AnyForm({"name": "\x01\x02 \x03"})

    assert not form.is_valid()
    assert form.errors["name"] == ["This field is required."]


def test_passwords_are_left_exactly_as_typed():
    form = AnyForm({"name": "x", "password": " pass\x01word "})

    assert form.is_valid()
    assert form.cleaned_data["password"] == " pass\x01word "


def test_a_provider_typing_control_characters_into_their_name_saves_it_clean(client):
    user = ProviderMembershipFactory(provider__status=Provider.Status.DRAFT).user
    client.force_login(user)

    typed = HOSTILE.replace("\ud800", "")  # a browser cannot send a lone surrogate
    response = client.post(reverse("providers:join"), {"kind": "personal_assistant", "name": typed})

    assert response.status_code == 302
    assert Provider.objects.filter(memberships__user=user, name="Ama[31m Mensah").exists()


def test_spreadsheet_cells_are_safe_whatever_is_stored():
    assert spreadsheet_safe('=HYPERLINK("http://x")', "csv") == '\'=HYPERLINK("http://x")'
    assert spreadsheet_safe("-1+2", "csv") == "'-1+2"
    assert spreadsheet_safe("=1+2", "xlsx") == "=1+2"  # Wagtail writes it as text, not a formula
    assert spreadsheet_safe("a\x01b", "xlsx") == "ab"
    assert spreadsheet_safe(12, "csv") == 12
    assert without_control_characters("tab\tnew\nline") == "tab\tnew\nline"


@pytest.mark.parametrize("export_format", ["xlsx", "csv"])
def test_the_providers_export_survives_control_characters_already_stored(client, commissioner_user, export_format):
    provider = ProviderFactory(name="placeholder")
    Provider.objects.filter(pk=provider.pk).update(name="Bad\x01\x1b name", base_postcode="=1+2")
    client.force_login(commissioner_user)

    response = client.get(reverse("wagtailsnippets_providers_provider:list") + f"?export={export_format}")

    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if export_format == "xlsx":
        rows = list(openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    else:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    names = [row[0] for row in rows[1:]]
    assert "Bad name" in names
    if export_format == "csv":
        assert "'=1+2" in [row[4] for row in rows[1:]]
