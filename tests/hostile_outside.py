"""The hostile-input suite from outside: plain HTTP against a running server with the demo county.

    scripts/hostile-outside.sh http://127.0.0.1:8000

(or `python -m tests.hostile_outside --base-url URL` with the server's settings
and DATABASE_URL). It reads the real ids to put in URLs from the server's own
database (the demo county's provider, check, evidence, visit...), signs in
over HTTP as five roles with the demo accounts (two-factor codes from the
demo secret), then sends the same generated requests as
`tests/test_hostile_input.py`. It prints how many requests it sent, how many
answers were 500 or more (each listed) and how long it took, and exits 1 if
any answer was 500 or more.

Run it against a throwaway copy of the demo data: the commissioner's and the
provider's hostile forms really are sent, and some are valid enough to save.
"""

import argparse
import os
import sys
from typing import Any

import django

DEMO_PASSWORD = "demo-password-2026"
DEMO_TOTP_SECRET = "WENDLESHIREDEMOWENDLESHIREDEMO23"
DEMO_ROLES = {
    "anonymous": None,
    "direct payment holder": "dp-holder@demo.example",
    "provider owner": "provider@demo.example",
    "editor": "editor@demo.example",
    "commissioner": "commissioner@demo.example",
}
SIGNED_IN_CHECK_EVERY = 20
TIMEOUT_SECONDS = 120


class HttpTransport:
    """One role over HTTP: a requests session with its own cookies, signed in through the real sign-in pages."""

    def __init__(self, base_url: str, email: str | None) -> None:
        import requests

        self.base_url = base_url.rstrip("/")
        self.email = email
        self.signed_in = email is not None
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "hostile-outside"
        self.calls = 0
        self.sign_ins = 0
        self.error = ""
        if email is not None:
            self.sign_in()

    def _url(self, path: str) -> str:
        return self.base_url + path

    def _csrf(self) -> str:
        return str(self.session.cookies.get("csrftoken", ""))

    def sign_in(self) -> None:
        from marketplace.accounts.totp import totp_code

        assert self.email is not None
        login = self._url("/accounts/login/")
        self.session.get(login, timeout=TIMEOUT_SECONDS)
        answer = self.session.post(
            login,
            data={"csrfmiddlewaretoken": self._csrf(), "login": self.email, "password": DEMO_PASSWORD},
            headers={"Referer": login},
            allow_redirects=False,
            timeout=TIMEOUT_SECONDS,
        )
        if "/2fa/authenticate" in answer.headers.get("Location", ""):
            second = self._url("/accounts/2fa/authenticate/")
            self.session.get(second, timeout=TIMEOUT_SECONDS)
            self.session.post(
                second,
                data={"csrfmiddlewaretoken": self._csrf(), "code": totp_code(DEMO_TOTP_SECRET)},
                headers={"Referer": second},
                allow_redirects=False,
                timeout=TIMEOUT_SECONDS,
            )
        if not self.is_signed_in():
            raise SystemExit(f"hostile-outside: could not sign in as {self.email} at {self.base_url}")
        self.sign_ins += 1

    def is_signed_in(self) -> bool:
        answer = self.session.get(self._url("/accounts/"), allow_redirects=False, timeout=TIMEOUT_SECONDS)
        return answer.status_code == 200

    def keep_signed_in(self) -> None:
        """Every few URLs, check the session is still there (a hostile form may have ended it) and sign in again."""
        self.calls += 1
        if self.email is not None and self.calls % SIGNED_IN_CHECK_EVERY == 0 and not self.is_signed_in():
            self.sign_in()

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request; no answer at all (the server dropped the connection, timed out) is status 0, a failure."""
        import requests

        from tests.hostile import Answer

        try:
            response = self.session.request(method, self._url(path), timeout=TIMEOUT_SECONDS, **kwargs)
        except requests.RequestException as error:
            self.error = f"no answer: {type(error).__name__}"
            return Answer(0, "", "")
        self.error = "(see the server's log)"
        return self.answer(response)

    @staticmethod
    def answer(response: Any) -> Any:
        from tests.hostile import Answer

        content_type = response.headers.get("Content-Type", "")
        return Answer(response.status_code, content_type, response.text if "html" in content_type else "")

    def get(self, path: str, data: dict[str, Any]) -> Any:
        return self.answer(
            self.session.get(self._url(path), params=data, allow_redirects=False, timeout=TIMEOUT_SECONDS)
        )

    def post(self, path: str, data: dict[str, Any], *, with_csrf: bool = True) -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        fields: dict[str, Any] = {}
        files: dict[str, Any] = {}
        for name, value in data.items():
            if isinstance(value, SimpleUploadedFile):
                files[name] = (value.name, value.read(), value.content_type)
            elif name == "csrfmiddlewaretoken":
                if with_csrf:
                    fields[name] = self._csrf()
            else:
                fields[name] = value
        if with_csrf and "csrfmiddlewaretoken" not in fields:
            fields["csrfmiddlewaretoken"] = self._csrf()
        return self._send(
            "POST", path, data=fields, files=files or None, headers={"Referer": self._url(path)}, allow_redirects=False
        )

    def put(self, path: str, body: str) -> Any:
        return self._send("PUT", path, data=body.encode(), allow_redirects=False)

    def last_error(self) -> str:
        return self.error


def demo_world() -> dict[str, Any]:
    """The same kinds of records the in-process suite makes, read from the demo county."""
    from marketplace.accounts.models import User
    from marketplace.accreditation.models import Evidence, ProviderCheck, Worker
    from marketplace.contingency.models import ContingencyFlag
    from marketplace.monitoring.models import ArrangementMembership, Feedback, MonitoringVisit
    from marketplace.providers.models import ProviderMembership
    from tests.hostile import hostile_world

    owner = User.objects.get(email=DEMO_ROLES["provider owner"])
    owner_membership = ProviderMembership.objects.select_related("provider").filter(user=owner).first()
    if owner_membership is None:
        raise SystemExit("hostile-outside: no demo provider owner; load the demo county (make run) first")
    provider = owner_membership.provider
    check = (
        ProviderCheck.objects.filter(provider=provider, worker__isnull=True).first()
        or ProviderCheck.objects.filter(provider=provider).first()
    )
    evidence = Evidence.objects.filter(provider_check__provider=provider).first() or Evidence.objects.first()
    return hostile_world(
        provider=provider,
        owner_membership=owner_membership,
        worker=Worker.objects.filter(provider=provider).first() or Worker.objects.first(),
        check=check,
        evidence=evidence,
        visit=MonitoringVisit.objects.filter(provider=provider).first() or MonitoringVisit.objects.first(),
        membership=ArrangementMembership.objects.first(),
        feedback=Feedback.objects.first(),
        flag=ContingencyFlag.objects.first(),
        roles=dict(DEMO_ROLES),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="the running server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--seed", type=int, default=None, help="another seed sends other hostile values")
    options = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    django.setup()
    from tests.hostile import SEED, concrete_urls, send_hostile_requests

    world = demo_world()
    urls = concrete_urls(world)
    roles = {role: HttpTransport(options.base_url, email) for role, email in world["roles"].items()}

    def progress(role: str, number: int, total: int) -> None:
        print(f"  {role}: {number} of {total} URLs", file=sys.stderr, flush=True)

    report = send_hostile_requests(
        urls=urls, roles=roles, seed=SEED if options.seed is None else options.seed, progress=progress
    )
    print(report.summary())
    print("statuses: " + ", ".join(f"{status}: {count}" for status, count in sorted(report.statuses.items())))
    sign_ins = sum(transport.sign_ins for transport in roles.values())
    print(f"sign-ins: {sign_ins} (one per signed-in role, more if a hostile form signed one out)")
    for failure in report.failures[:60]:
        print("5xx: " + failure)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
