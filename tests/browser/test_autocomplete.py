"""Autocomplete of towns and service words: a progressive enhancement people
can use from the keyboard and hear from a screen reader."""

import re

import pytest
from playwright.sync_api import Page, expect

from marketplace.places.models import Place
from tests.factories import LocalityFactory, PlaceFactory, ProviderFactory, ServiceTypeFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def places(live_site):
    locality = LocalityFactory(name="Wendlebury", slug="wendlebury")
    PlaceFactory(name="Wendlebury", lookup_key="WENDLEBURY", kind=Place.Kind.TOWN, locality=locality)
    PlaceFactory(name="Wendover Green", lookup_key="WENDOVERGREEN", kind=Place.Kind.VILLAGE, locality=locality)
    PlaceFactory(name="Ashford", lookup_key="ASHFORD", kind=Place.Kind.TOWN, locality=locality)
    care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    ProviderFactory(name="Hetal Makwana", services=[care], latitude=52.6, longitude=-1.1)


def test_keyboard_user_picks_a_town_from_suggestions_and_searches(page: Page, live_site, places, axe_check):
    page.goto(live_site.url("/"))
    near = page.get_by_role("combobox", name="Postcode or town")
    near.press_sequentially("Wend", delay=30)

    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option")).to_have_text(["Wendlebury", "Wendover Green"])
    expect(near).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"2 suggestions"))
    axe_check(page)

    near.press("ArrowDown")
    near.press("ArrowDown")
    expect(near).to_have_attribute("aria-activedescendant", re.compile(r".+"))
    near.press("Enter")
    expect(near).to_have_value("Wendover Green")
    expect(near).to_have_attribute("aria-expanded", "false")

    near.press("Escape")
    near.fill("Wendlebury")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name=re.compile(r"^\d+ results? near Wendlebury"))).to_be_visible()


def test_search_works_without_javascript(browser, live_site, places):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_site.url("/"))
        expect(page.get_by_role("combobox")).to_have_count(0)
        page.get_by_label("Postcode or town").fill("Wendlebury")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("main")).to_contain_text("Hetal Makwana")
    finally:
        context.close()
