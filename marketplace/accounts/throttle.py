"""Throttling wrong passwords and wrong two-factor codes, so a stranger cannot lock anyone out.

NIST SP 800-63B (5.2.2) and OWASP's authentication guidance: limit failed
attempts per account, prefer growing delays to lockouts, and do not let an
attacker's failures deny the real user. Here, for each account:

- Per account and source: the first FREE_FAILURES wrong answers cost nothing;
  after that each further try must wait 1, 2, 4 ... minutes, at most an hour.
  The source is the browser's known-device cookie (set when someone signs in
  successfully, OWASP's "device cookies") or, without one, the client address.
  A stranger's failures therefore slow only the stranger.
- Per account, from browsers it has never been signed in on: at most
  daily_limit wrong answers in 24 hours, summed over every address. After
  that only known devices (or a password reset) get in until the day is up.
  This bounds a distributed attack: at most `daily_limit` guesses a day per
  account (50 passwords, 30 codes), whatever the number of addresses.

The owner on their usual browser is never stopped by anyone else. The
messages name the limit that applied. Counters live in the cache (shared
between web workers in production through CACHE_URL). See
docs/decisions/0027-throttling-not-lockout.md.
"""

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache

DEVICE_COOKIE = "known_device"
DEVICE_COOKIE_SALT = "marketplace.accounts.known-device"
DEVICE_COOKIE_DAYS = 180
DAY_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class ThrottlePolicy:
    scope: str
    free_failures: int
    longest_delay_minutes: int
    daily_limit: int
    wrong_answers: str  # how messages name them


PASSWORDS = ThrottlePolicy("password", 5, 60, 50, "wrong passwords")
CODES = ThrottlePolicy("code", 5, 60, 30, "wrong codes")


def account_key(login: str) -> str:
    """The same key for an account whether or not it exists (no account enumeration through timings)."""
    return hashlib.sha256(login.strip().lower().encode()).hexdigest()[:32]


def delay_seconds(policy: ThrottlePolicy, failures: int) -> int:
    if failures < policy.free_failures:
        return 0
    doublings = min(failures - policy.free_failures, 10)
    return min(60 * 2**doublings, policy.longest_delay_minutes * 60)


def device_of(request: Any, account: str) -> str:
    """The known-device id this browser holds for this account, or ''."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    if not value:
        return ""
    try:
        data = signing.loads(value, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_DAYS * DAY_SECONDS)
    except signing.BadSignature:
        return ""
    if not isinstance(data, dict) or data.get("a") != account:
        return ""
    return str(data.get("d", ""))


def device_cookie_value(account: str, device: str) -> str:
    return signing.dumps({"a": account, "d": device}, salt=DEVICE_COOKIE_SALT)


def _source_key(policy: ThrottlePolicy, account: str, device: str, address: str) -> str:
    source = f"device:{device}" if device else f"address:{address}"
    return f"throttle:{policy.scope}:{account}:{source}"


def _unknown_devices_key(policy: ThrottlePolicy, account: str) -> str:
    return f"throttle:{policy.scope}:{account}:unknown-devices"


def _minutes(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def throttle_refusal(
    *, policy: ThrottlePolicy, account: str, device: str, address: str, now: float | None = None
) -> str:
    """Why this attempt may not be made now ('' if it may), naming the limit that applies."""
    moment = time.time() if now is None else now
    source = cache.get(_source_key(policy, account, device, address))
    if source:
        wait = source["last"] + delay_seconds(policy, source["failures"]) - moment
        if wait > 0:
            where = "on this device" if device else "from your internet connection"
            return (
                f"There have been {source['failures']} {policy.wrong_answers} for this account {where}, so each "
                f"new try has to wait. Try again in {_minutes(wait)}."
            )
    if not device:
        unknown = cache.get(_unknown_devices_key(policy, account))
        if unknown and unknown["failures"] >= policy.daily_limit:
            wait = unknown["since"] + DAY_SECONDS - moment
            if wait > 0:
                return (
                    f"This account has had {policy.daily_limit} {policy.wrong_answers} today from devices it has not "
                    f"been signed in on, so it cannot be signed in to from a new device for {_minutes(wait)}. Sign "
                    "in on a device you have used before, or reset your password."
                )
    return ""


def throttle_failed(
    *, policy: ThrottlePolicy, account: str, device: str, address: str, now: float | None = None
) -> None:
    moment = time.time() if now is None else now
    key = _source_key(policy, account, device, address)
    source = cache.get(key) or {"failures": 0, "last": moment}
    cache.set(key, {"failures": source["failures"] + 1, "last": moment}, timeout=DAY_SECONDS)
    if not device:
        key = _unknown_devices_key(policy, account)
        unknown = cache.get(key)
        if not unknown or moment - unknown["since"] >= DAY_SECONDS:
            unknown = {"failures": 0, "since": moment}
        cache.set(key, {**unknown, "failures": unknown["failures"] + 1}, timeout=DAY_SECONDS)


def throttle_succeeded(*, policy: ThrottlePolicy, account: str, device: str, address: str) -> None:
    """The right answer clears this source's delays; other sources' counts stay."""
    cache.delete(_source_key(policy, account, device, address))


def throttle_forget_account(*, account: str, address: str = "") -> None:
    """After a password reset: the unknown-devices count starts again (the reset proved who it is)."""
    for policy in (PASSWORDS, CODES):
        cache.delete(_unknown_devices_key(policy, account))
        if address:
            cache.delete(_source_key(policy, account, "", address))


def device_cookie_settings() -> dict[str, Any]:
    return {
        "max_age": DEVICE_COOKIE_DAYS * DAY_SECONDS,
        "httponly": True,
        "samesite": "Lax",
        "secure": settings.SESSION_COOKIE_SECURE,
    }
