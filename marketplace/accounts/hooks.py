"""Hooks a higher layer registers so that accounts can call it without importing it.

Accounts sits below the apps that keep things for a person (engagement's
shortlist, for one). When someone signs in, the account adapter calls every
function registered here with the request and the user, in the order they
were registered; each app registers its own in its AppConfig.ready().
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

SignInHook = Callable[[HttpRequest, Any], None]

_after_sign_in: list[SignInHook] = []


def register_after_sign_in(hook: SignInHook) -> SignInHook:
    """Call `hook(request, user)` each time someone signs in. Registering twice is harmless."""
    if hook not in _after_sign_in:
        _after_sign_in.append(hook)
    return hook


def run_after_sign_in(request: HttpRequest, user: Any) -> None:
    for hook in list(_after_sign_in):
        hook(request, user)
