"""The directory's pagination links: the query encoded once, each link the query with its own page."""

from urllib.parse import urlencode

from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from cms.directory import page_links
from search.query import SearchResults

QUERY_NAMES = st.sampled_from(["page", "service", "day", "q", "sort", "a b", "£"])
QUERY_VALUES = st.text(alphabet="ab &=+?£%é0 19", max_size=6)


@given(
    pairs=st.lists(st.tuples(QUERY_NAMES, QUERY_VALUES), max_size=8),
    current=st.integers(min_value=1, max_value=60),
    last=st.integers(min_value=1, max_value=60),
)
def test_each_page_link_is_the_query_with_its_own_page(pairs: list[tuple[str, str]], current: int, last: int) -> None:
    """Whatever the query holds (no page, one, several, anywhere in it), a link equals it copied with its page set."""
    query = QueryDict(urlencode(pairs))
    results = SearchResults(hits=[], total=last * 20, page=current, page_size=20)

    def expected(number: int) -> str:
        params = query.copy()
        params["page"] = str(number)
        return "?" + params.urlencode()

    links = page_links(query, results)
    numbered = [item for item in links["items"] if not item["ellipsis"]]
    assert [item["href"] for item in numbered] == [expected(item["number"]) for item in numbered]
    assert links["first"] == expected(1)
    assert links["previous"] == (expected(current - 1) if 1 < current <= last else None)
    assert links["next"] == (expected(current + 1) if current < last else None)
