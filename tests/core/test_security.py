"""The Content-Security-Policy: public pages run only this site's scripts and their own nonced inline ones."""

import re

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_a_public_page_allows_only_its_own_scripts_and_its_nonced_inline_ones(client, site):
    response = client.get("/")
    policy = directives(response)
    html = response.content.decode()

    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])[1]
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline_scripts, "base.html has inline scripts"
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline_scripts)


def test_each_response_gets_a_new_nonce(client, site):
    first, second = client.get("/"), client.get("/")
    assert first["Content-Security-Policy"] != second["Content-Security-Policy"]


def test_the_admin_allows_inline_scripts_but_nothing_from_elsewhere(client, commissioner_user):
    client.force_login(commissioner_user)

    policy = directives(client.get("/admin/"))

    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["default-src"] == ["'self'"]
