import pytest
from wagtail.models import Site


@pytest.fixture
def site(db) -> Site:
    """The default Wagtail site created by the cms migrations."""
    return Site.objects.get(is_default_site=True)
