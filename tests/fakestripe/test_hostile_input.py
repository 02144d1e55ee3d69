"""Whatever is sent, the fake answers a Stripe error (4xx), never a 500."""

import json
import re
import urllib.error
import urllib.request

import pytest

from fakestripe.server import ROUTES
from fakestripe.testing import TEST_SECRET_KEY, FakeStripeProcess

BODIES = [
    "",
    "amount=abc&currency=gbp",
    "amount[x]=1&currency[]=gbp",
    "metadata=oops&line_items=nope&transfer_data=1",
    "line_items[0]=x&line_items[1][price_data][unit_amount]=-5&mode=payment&success_url=x",
    "expand[]=nothing.here&limit=1000",
    "created[between]=1&created[gte]=x",
    "%zz=%zz&a[b=c",
    "capabilities=x&controller[fees]=y&type=weird",
    "payment_intent_data[transfer_data][destination]=acct_nobody&payment_intent_data[colour]=red",
]


def _paths() -> list[tuple[str, str]]:
    paths = []
    for method, pattern, _handler in ROUTES:
        path = re.sub(r"\(\[\^/\]\+\)", "x_missing", pattern.pattern.removesuffix("/?$"))
        paths.append((method, path))
    return paths


def _send(fake_stripe: FakeStripeProcess, method: str, path: str, body: str) -> tuple[int, dict]:
    url = fake_stripe.base_url + path + (f"?{body}" if method == "GET" else "")
    request = urllib.request.Request(url, data=body.encode() if method == "POST" else None, method=method)
    request.add_header("Authorization", f"Bearer {TEST_SECRET_KEY}")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize(("method", "path"), [item for item in _paths() if not item[1].endswith("reset")])
def test_no_route_answers_a_500(fake_stripe: FakeStripeProcess, method: str, path: str) -> None:
    for body in BODIES:
        status, answer = _send(fake_stripe, method, path, body)
        assert status < 500, (method, path, body, answer)
        if status >= 400:
            assert set(answer["error"]) >= {"type", "code", "message", "param"}


@pytest.mark.parametrize("form", [b"", b"card_number=%zz", b"name=" + b"x" * 5000, b"action=explode"])
def test_the_hosted_pages_answer_bad_forms_with_the_page(
    fake_stripe: FakeStripeProcess, make_session, onboarded_account, client, form: bytes
) -> None:
    session = make_session(onboarded_account.id)
    link = client.v1.account_links.create(
        params={"account": onboarded_account.id, "type": "account_onboarding", "refresh_url": "http://127.0.0.1/r",
                "return_url": "http://127.0.0.1/b"}
    )  # fmt: skip
    for url in (session.url, link.url, fake_stripe.base_url + "/hosted/checkout/cs_test_nothing"):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=form), timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        assert status < 500, (url, form)
