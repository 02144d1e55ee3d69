"""How responses are served: compression only where it is safe, open data without `Vary: Cookie`,
and gunicorn's threaded workers with the app loaded before they fork (decision 0036)."""

import gzip
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from tests.factories import ProviderFactory, ProviderMembershipFactory
from tests.settings_process import run_with_settings

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _listings(search_on_database: None) -> None:
    ProviderFactory.create_batch(12)


def gzip_get(client: Client, path: str) -> Any:
    return client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")


def test_open_data_json_is_compressed_and_still_the_same_json(client: Client) -> None:
    plain = client.get("/openreferral/services?per_page=50")
    squeezed = gzip_get(client, "/openreferral/services?per_page=50")

    assert squeezed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in squeezed["Vary"]
    assert json.loads(gzip.decompress(squeezed.content)) == json.loads(plain.content)
    assert len(squeezed.content) < len(plain.content) / 3


def test_public_pages_are_compressed_for_visitors_without_a_session(client: Client) -> None:
    response = gzip_get(client, "/directory/")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert b"<title>" in gzip.decompress(response.content)


def test_nothing_is_compressed_for_a_signed_in_session(client: Client) -> None:
    """Their pages may hold personal data beside text an attacker could reflect (BREACH)."""
    client.force_login(ProviderMembershipFactory().user)
    assert settings.SESSION_COOKIE_NAME in client.cookies

    for path in ("/directory/", "/openreferral/services?per_page=50"):
        response = gzip_get(client, path)
        assert response.status_code == 200
        assert "Content-Encoding" not in response


def test_the_admin_is_never_compressed(client: Client, commissioner_user: Any) -> None:
    client.cookies.clear()
    response = gzip_get(client, "/admin/login/")
    assert "Content-Encoding" not in response


@pytest.mark.parametrize("path", ["/openreferral/", "/openreferral/services?per_page=5", "/openreferral/taxonomies"])
def test_open_data_does_not_vary_by_cookie_even_for_a_signed_in_visitor(
    client: Client, commissioner_user: Any, path: str
) -> None:
    """A shared cache may keep one copy for everyone: nothing in the answer depends on who asks."""
    anonymous = client.get(path)
    client.force_login(commissioner_user)
    signed_in = client.get(path)

    for response in (anonymous, signed_in):
        assert response.status_code == 200
        assert "Cookie" not in response.get("Vary", "")
    assert signed_in.content == anonymous.content


def gunicorn_settings() -> Any:
    spec = importlib.util.spec_from_file_location("gunicorn_settings", ROOT / "config" / "gunicorn.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorn_uses_threaded_workers_and_loads_the_app_before_forking() -> None:
    config = gunicorn_settings()
    assert config.worker_class == "gthread"
    assert config.threads >= 2
    assert config.preload_app is True
    assert config.keepalive > 0
    # Room for connections kept alive, but few enough that a small pool of them spreads over the workers
    # rather than all landing on one (decision 0052).
    assert config.threads < config.worker_connections < 2 * config.threads


@pytest.mark.parametrize("path", ["Dockerfile", "docker-compose.yml", "scripts/run-dev.sh", "scripts/bench.sh"])
def test_every_way_of_serving_uses_the_gunicorn_settings(path: str) -> None:
    assert "config/gunicorn.py" in (ROOT / path).read_text()


def test_warming_up_loads_the_pages_templates_and_closes_the_database_connections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A forked worker must not share its master's database connection."""
    from django.template import engines

    import config.wsgi

    closed: list[bool] = []
    monkeypatch.setattr(connections, "close_all", lambda: closed.append(True))
    config.wsgi.warm_up()

    assert closed == [True]
    loader = engines["django"].engine.template_loaders[0]
    assert any("cms/directory_results.html" in str(key) for key in getattr(loader, "get_template_cache", {}))


def test_warming_up_makes_the_search_bitmaps_the_workers_fork_with(monkeypatch: pytest.MonkeyPatch) -> None:
    """Made once in the master, so no worker builds them on a visitor's first search (decision 0056)."""
    import config.wsgi
    from marketplace.providers.models import Provider
    from search.bitmaps import index_memo
    from search.versioning import VersionMemo, listings_version

    VersionMemo.clear_all()
    monkeypatch.setattr(connections, "close_all", lambda: None)
    config.wsgi.warm_up()

    index = index_memo.get(listings_version(), "index")
    assert index is not None
    assert set(index.published) == set(Provider.objects.published().values_list("pk", flat=True))
    assert len(index.published) == 12


def test_a_database_that_does_not_answer_does_not_stop_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import OperationalError

    import config.wsgi
    import search.bitmaps
    from search.bitmaps import index_memo
    from search.versioning import VersionMemo

    def unreachable(version: str | None = None) -> None:
        raise OperationalError("connection refused")

    VersionMemo.clear_all()
    closed: list[bool] = []
    monkeypatch.setattr(connections, "close_all", lambda: closed.append(True))
    monkeypatch.setattr(search.bitmaps, "listing_bitmaps", unreachable)
    config.wsgi.warm_up()

    assert closed == [True]
    assert index_memo.kept("index") == ("", None)


def test_the_benchmark_keeps_private_files_out_of_the_repository() -> None:
    script = (ROOT / "scripts" / "bench.sh").read_text()
    assert 'export PRIVATE_MEDIA_ROOT="$SCRATCH/private"' in script
    assert 'export MEDIA_ROOT="$SCRATCH/media"' in script


def embedded_connection_settings(database_url: str) -> str:
    """CONN_MAX_AGE and CONN_HEALTH_CHECKS as the embedded settings make them for a database."""
    program = (
        "from django.conf import settings; database = settings.DATABASES['default']; "
        "print(database.get('CONN_MAX_AGE', 0), database.get('CONN_HEALTH_CHECKS', False))"
    )
    loaded = run_with_settings(
        {"DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": database_url},
        program,
        leave_out=("DJANGO_", "DATABASE_CONN_MAX_AGE"),
    )
    assert loaded.returncode == 0, loaded.stderr
    return loaded.stdout.strip()


def test_the_embedded_default_keeps_a_sqlite_connection_between_requests(tmp_path: Path) -> None:
    """Opening one costs SQLite a read of the whole schema, more than a kept page takes (decision 0056)."""
    assert embedded_connection_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}") == "60 True"
    # PostgreSQL through the embedded settings is left as the URL says (production sets its own).
    assert embedded_connection_settings("postgres://care:care@127.0.0.1:5432/care") == "0 False"
