"""docker-compose.yml, the Dockerfile and .env.example agree with the settings.

The settings are the source of truth: every variable they read through
django-environ must be documented in .env.example, every variable the compose
file gives the app must be one the settings read (a typo there is silently
ignored at run time), and everything production requires must be set.
"""

import ast
import importlib
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_DIR = ROOT / "config" / "settings"
APP_SERVICES = ("web", "worker", "beat")
REQUIRED_SERVICES = ("web", "worker", "beat", "postgres", "elasticsearch", "redis", "mailpit")
OFFICIAL_ELASTICSEARCH_IMAGE = "docker.elastic.co/elasticsearch/elasticsearch"
# Read by Django itself (manage.py, wsgi.py, celery.py), not through env().
VARIABLES_READ_OUTSIDE_SETTINGS = {"DJANGO_SETTINGS_MODULE"}
ENV_METHODS = {None, "str", "bool", "int", "float", "list", "tuple", "dict", "json", "url", "db", "db_url"}
ENV_METHODS |= {"email_url", "email", "cache_url", "cache", "search_url", "path", "decimal", "parse_value"}


def env_calls(path: Path) -> list[tuple[str, bool]]:
    """(variable name, has a default) for every env(...) / env.<method>(...) call in a settings module."""
    calls = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        function = node.func
        if isinstance(function, ast.Name) and function.id == "env":
            method = None
        elif (
            isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) and function.value.id == "env"
        ):
            method = function.attr
        else:
            continue
        first = node.args[0]
        if method in ENV_METHODS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            has_default = any(keyword.arg == "default" for keyword in node.keywords) or len(node.args) > 2
            calls.append((first.value, has_default))
    return calls


@cache
def settings_variables() -> frozenset[str]:
    return frozenset(name for path in SETTINGS_DIR.glob("*.py") for name, _ in env_calls(path))


@cache
def production_required_variables() -> frozenset[str]:
    """Variables production reads with no default, plus DATABASE_URL, which it insists is PostgreSQL."""
    required = {name for name, has_default in env_calls(SETTINGS_DIR / "production.py") if not has_default}
    return frozenset(required | {"DATABASE_URL"})


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def service(name: str) -> dict[str, Any]:
    return compose()["services"][name]


def environment_of(name: str) -> dict[str, str]:
    environment = service(name).get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {key: str(value) for key, value in environment.items()}


def command_words(name: str) -> list[str]:
    command = service(name).get("command")
    if command is None:
        return dockerfile_command()
    return command.split() if isinstance(command, str) else [str(word) for word in command]


def dockerfile_command() -> list[str]:
    """The exec-form CMD of the Dockerfile's last stage."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    commands = re.findall(r"^CMD\s+(\[.*\])\s*$", text, flags=re.MULTILINE)
    assert commands, "the Dockerfile needs an exec-form CMD"
    return [str(word) for word in yaml.safe_load(commands[-1])]


def test_settings_read_some_variables() -> None:
    """Guards the parser below: if it finds nothing, every other check here passes vacuously."""
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "DJANGO_ALLOWED_HOSTS"} <= settings_variables()
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "CELERY_BROKER_URL"} <= production_required_variables()


@pytest.mark.parametrize("name", REQUIRED_SERVICES)
def test_service_exists_with_a_healthcheck(name: str) -> None:
    assert name in compose()["services"], f"docker-compose.yml has no {name} service"
    healthcheck = service(name).get("healthcheck") or {}
    assert healthcheck.get("test"), f"the {name} service has no healthcheck"
    assert not healthcheck.get("disable"), f"the {name} service disables its healthcheck"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_set_only_variables_the_settings_read(name: str) -> None:
    unknown = set(environment_of(name)) - settings_variables() - VARIABLES_READ_OUTSIDE_SETTINGS
    assert not unknown, f"{name} sets variables no setting reads (typo, or a setting was removed): {sorted(unknown)}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_set_everything_production_requires(name: str) -> None:
    environment = environment_of(name)
    missing = production_required_variables() - set(environment)
    assert not missing, f"{name} lacks variables production cannot start without: {sorted(missing)}"
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_use_the_production_services(name: str) -> None:
    environment = environment_of(name)
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["CELERY_BROKER_URL"].startswith("redis://redis:")
    assert environment["SEARCH_BACKEND"] == "elasticsearch"
    assert re.search(r"@elasticsearch:9200$", environment["ELASTICSEARCH_URL"])
    assert "mailpit:1025" in environment["EMAIL_URL"]


def test_elasticsearch_is_the_official_image_as_one_node() -> None:
    image, _, version = service("elasticsearch")["image"].partition(":")
    assert image == OFFICIAL_ELASTICSEARCH_IMAGE
    assert version.split(".")[0] == "9", "the elasticsearch client is pinned to 9.x; the server must match"
    environment = environment_of("elasticsearch")
    assert environment["discovery.type"] == "single-node"
    assert "xpack.security.enabled" in environment, "say whether security is on rather than rely on the default"


def test_every_service_storing_data_uses_a_named_volume() -> None:
    named = set(compose().get("volumes") or {})
    for name, path in (
        ("postgres", "/var/lib/postgresql/data"),
        ("elasticsearch", "/usr/share/elasticsearch/data"),
        ("redis", "/data"),
    ):
        sources = {volume.split(":")[0] for volume in service(name).get("volumes", []) if volume.endswith(path)}
        assert sources, f"{name} should keep {path} on a volume"
        assert sources <= named, f"{name} should keep {path} on a named volume"


def test_web_serves_the_wsgi_application_on_all_interfaces() -> None:
    words = command_words("web")
    assert words[0] == "gunicorn"
    module_name, _, attribute = next(word for word in words if word.startswith("config.")).partition(":")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attribute or "application"))
    assert "0.0.0.0:8000" in words


@pytest.mark.parametrize(("name", "subcommand"), [("worker", "worker"), ("beat", "beat")])
def test_celery_services_load_the_project_app(name: str, subcommand: str) -> None:
    words = command_words(name)
    assert words[0] == "celery"
    app_name = words[words.index("-A") + 1]
    assert subcommand in words
    app = find_app(app_name)
    assert isinstance(app, Celery)
    assert app is importlib.import_module("config.celery").app


def test_migrations_run_before_the_app_starts() -> None:
    assert "migrate" in command_words("migrate")
    for name in APP_SERVICES:
        assert service(name)["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_env_example_documents_every_variable_the_settings_read() -> None:
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE))
    missing = settings_variables() - listed
    assert not missing, f".env.example does not document {sorted(missing)}"


def test_env_example_documents_every_variable_compose_interpolates() -> None:
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE))
    interpolated = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))
    missing = interpolated - listed
    assert not missing, f".env.example does not document {sorted(missing)}, which docker-compose.yml reads"


def test_image_runs_as_a_non_root_user_and_keeps_secrets_out() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users, "the Dockerfile should switch to a non-root USER"
    assert users[-1] not in {"root", "0"}
    assert "uv sync --frozen --no-dev" in dockerfile
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".git", ".venv/", "node_modules/"} <= ignored


def test_the_public_base_url_is_a_documented_setting() -> None:
    """Open data links to profiles at the public address (PUBLIC_BASE_URL), not the Wagtail Site's hostname."""
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"^# PUBLIC_BASE_URL=https://", example, flags=re.MULTILINE)
    assert ("PUBLIC_BASE_URL", True) in env_calls(SETTINGS_DIR / "base.py")
