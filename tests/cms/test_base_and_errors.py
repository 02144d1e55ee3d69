"""The page template every public page shares, and the error pages."""

import re
from typing import Any

import pytest
from django.template.loader import get_template
from django.test import Client

pytestmark = pytest.mark.django_db

# GOV.UK page titles separate their parts with an en dash.
DASH = "\N{EN DASH}"


def test_every_page_has_the_gov_uk_frame(client: Client, directory_page: Any, council: Any) -> None:
    html = client.get("/directory/").content.decode()

    assert '<html lang="en-GB" class="govuk-template">' in html
    assert '<a href="#main-content" class="govuk-skip-link"' in html
    assert 'id="main-content"' in html
    assert re.search(r'govuk-generic-header__homepage-link">\s*Wendleshire County Council\s*</a>', html)
    assert 'class="govuk-service-navigation__link">Find care and support</a>' in html
    assert 'govuk-phase-banner__content__tag">Beta<' in html
    assert 'href="mailto:directpayments@wendleshire.example"' in html
    # JavaScript only enhances: the class is set by a script, the library is a module loaded last.
    assert "govuk-frontend-supported" in html
    assert '<body class="govuk-template__body">' in html
    assert html.rindex('<script type="module"') > html.index("</footer>")
    title = re.search(r"<title>(.*)</title>", html)
    assert title
    parts = title[1].split(f" {DASH} ")
    assert parts[1:] == ["Search the directory", "Find care and support", "Wendleshire County Council"]
    assert re.fullmatch(r"\d+ results", parts[0])


def test_a_readable_brand_colour_sets_the_header_colour(client: Client, home_page: Any, council: Any) -> None:
    council.brand_colour = "#4c2c92"
    council.save()

    html = client.get("/").content.decode()
    assert re.search(r'<style nonce="[^"]+">\.app-header\{background-color:#4c2c92\}</style>', html)


def test_an_unreadable_brand_colour_is_ignored(client: Client, home_page: Any, council: Any) -> None:
    council.brand_colour = "#fffff0"
    council.save()

    html = client.get("/").content.decode()

    assert "#fffff0" not in html
    assert "<style>.app-header" not in html


def test_not_found_page(client: Client, home_page: Any, council: Any) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    title = f"Page not found {DASH} Find care and support {DASH} Wendleshire County Council"
    assert f"<title>{title}</title>" in html
    assert "If you typed the web address, check it is correct." in html


def test_server_error_page_needs_no_database_or_context(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        html = get_template("500.html").render()

    assert "Sorry, there is a problem with the service" in html
    assert '<html lang="en-GB"' in html
    assert "govuk-frontend.min.css" in html
