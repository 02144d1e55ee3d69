"""The results page around its title and content, drawn once a listings version for visitors not signed in.

`results_page` (cms/directory.py, decision 0053) puts each visitor's title,
results, forms and nonce into a surround kept per version, address and set
of account links. It must give exactly the page a whole render gives, for
any search and any visitor not signed in, and draw the surround again when
anything in it may have changed.
"""

import re
from typing import Any
from unittest import mock

import pytest
from django.template.loader import render_to_string
from django.test import Client

from cms import directory
from cms.models import CouncilSettings
from tests.factories import ProviderFactory, ServiceTypeFactory

pytestmark = pytest.mark.django_db

URL = "/directory/"
NONCE = re.compile(r'nonce="([^"]+)"')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
SEARCHES = [
    URL,
    f"{URL}?service=personal-care",
    f"{URL}?q=nothing+matches+this",
    f"{URL}?q=%3Cscript%3E+%26+%22quotes%22+caf%C3%A9&page=1",
    f"{URL}?max_price=cheap&day=someday",  # errors
    f"{URL}?page=40",  # past the end
]


@pytest.fixture(autouse=True)
def _directory(search_on_database: None, directory_page: Any, council: Any) -> None:
    care = ServiceTypeFactory(name="Personal care", slug="personal-care")
    for index in range(3):
        ProviderFactory(name=f"Care {index}", services=[care])


def whole_render(request: Any, template_name: str, context: dict[str, Any], **holes_and_page: Any) -> str:
    """What the template gives drawn whole for the request, as a signed-in visitor's page is."""
    return render_to_string(template_name, context, request)


def without_per_response_values(page: str) -> str:
    return TOKEN.sub('value="TOKEN"', NONCE.sub('nonce="NONCE"', page))


def page_for(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    # This response's own nonce, as its CSP header allows, is the only one in it.
    assert set(NONCE.findall(page)) == {re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)}  # type: ignore[union-attr]
    return page


@pytest.mark.parametrize("path", SEARCHES)
@pytest.mark.parametrize("with_shortlist", [False, True], ids=["no session", "a shortlist"])
def test_the_page_from_the_kept_surround_is_the_page_drawn_whole(path: str, with_shortlist: bool) -> None:
    provider = ProviderFactory(name="Shortlisted")

    def shortlisting(client: Client) -> Client:
        client.post("/your-support/shortlist/add/", {"provider": str(provider.uuid), "next": URL})
        return client

    # Surrounds kept for this version and address by visitors with and without a shortlist, in either order.
    for other in [Client(), shortlisting(Client())] if with_shortlist else [shortlisting(Client()), Client()]:
        page_for(other, URL)
    visitor = shortlisting(Client()) if with_shortlist else Client()

    with mock.patch.object(directory, "page_around", whole_render):
        whole = page_for(visitor, path)
    kept = page_for(visitor, path)

    assert without_per_response_values(kept) == without_per_response_values(whole)
    assert ("Your shortlist" in kept) is with_shortlist


def test_the_surround_is_drawn_once_a_version_and_again_after_a_change() -> None:
    def surrounds_drawn(paths: list[str]) -> int:
        drawn = []
        real = directory.render_to_string

        def spy(template_name: str, *args: Any, **kwargs: Any) -> str:
            if template_name == directory.RESULTS_TEMPLATE:
                drawn.append(template_name)
            return real(template_name, *args, **kwargs)

        with mock.patch.object(directory, "render_to_string", spy):
            for path in paths:
                page_for(Client(), path)
        return len(drawn)

    assert surrounds_drawn(SEARCHES) == 1
    council = CouncilSettings.objects.get()
    council.council_name = "Wendleshire Council"
    council.save()

    assert surrounds_drawn([f"{URL}?q=after"]) == 1
    assert "© Wendleshire Council" in page_for(Client(), f"{URL}?q=after+the+change")
