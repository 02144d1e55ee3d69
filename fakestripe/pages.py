"""The hosted pages a person sees: Checkout (type a test card) and Connect onboarding (press a button).

Plain HTML forms that work without JavaScript, with labels, hints and an error summary that links to each
field, in the manner of the GOV.UK Design System, so that the browser journeys can check them with axe.
"""

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fakestripe.resources.charges import TEST_CARDS, TestCard

_STYLE = """
body{font-family:Arial,sans-serif;margin:0;color:#0b0c0c;background:#fff;line-height:1.4}
main{max-width:36rem;margin:0 auto;padding:1.5rem}
.banner{background:#1d70b8;color:#fff;padding:.75rem 1.5rem;font-weight:bold}
h1{font-size:2rem;margin:0 0 1rem}
label{display:block;font-weight:bold;margin-top:1rem}
.hint{color:#505a5f;margin:.25rem 0}
input[type=text],input[type=email]{font-size:1.1rem;padding:.4rem;border:2px solid #0b0c0c;width:100%;
box-sizing:border-box}
input.short{width:8rem}
input:focus,button:focus,a:focus{outline:3px solid #fd0;outline-offset:0}
.field-error input{border-color:#d4351c}
.error-message{color:#d4351c;font-weight:bold;margin:.25rem 0}
.error-summary{border:5px solid #d4351c;padding:1rem;margin-bottom:1.5rem}
.error-summary h2{margin-top:0;font-size:1.4rem}
.error-summary a{color:#d4351c;font-weight:bold}
button{font-size:1.1rem;padding:.6rem 1rem;margin:1.5rem .5rem 0 0;border:0;background:#00703c;color:#fff;
cursor:pointer}
button.secondary{background:#f3f2f1;color:#0b0c0c}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{text-align:left;border-bottom:1px solid #b1b4b6;padding:.5rem .25rem}
td.amount,th.amount{text-align:right}
a{color:#1d70b8}
.visually-hidden{position:absolute;width:1px;height:1px;margin:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
"""


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)} - fake Stripe (test mode)</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        '<div class="banner" role="region" aria-label="Test mode">Test mode: the project\'s fake Stripe. '
        "No real money moves.</div>\n"
        f'<main id="main">\n{body}\n</main>\n</body>\n</html>\n'
    )


def pounds(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


@dataclass
class CardForm:
    """What was typed on the Checkout page, checked field by field."""

    email: str = ""
    name: str = ""
    number: str = ""
    expiry: str = ""
    cvc: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_post(cls, values: dict[str, str]) -> "CardForm":
        return cls(
            email=values.get("email", "").strip(),
            name=values.get("name", "").strip(),
            number=values.get("card_number", "").strip(),
            expiry=values.get("expiry", "").strip(),
            cvc=values.get("cvc", "").strip(),
        )

    def card(self, now: int) -> TestCard | None:
        digits = "".join(character for character in self.number if character.isdigit())
        if not self.name:
            self.errors["name"] = "Enter the name on the card"
        if not digits:
            self.errors["card_number"] = "Enter the card number"
        elif digits not in TEST_CARDS:
            self.errors["card_number"] = (
                "Enter a test card number, like 4242 4242 4242 4242: this is a fake Stripe and takes no real cards"
            )
        self._check_expiry(now)
        if not (self.cvc.isdigit() and len(self.cvc) in (3, 4)):
            self.errors["cvc"] = "Enter the security code: the 3 digits on the back of the card"
        if self.errors:
            return None
        return TEST_CARDS[digits]

    def _check_expiry(self, now: int) -> None:
        parts = self.expiry.replace(" ", "").split("/")
        if len(parts) != 2 or not all(part.isdigit() for part in parts) or not 1 <= int(parts[0]) <= 12:
            self.errors["expiry"] = "Enter the expiry date as month and year, like 12/34"
            return
        month, year = int(parts[0]), int(parts[1])
        year += 2000 if year < 100 else 0
        today = datetime.fromtimestamp(now, tz=UTC).date()
        if (year, month) < (today.year, today.month):
            self.errors["expiry"] = "The card has expired: enter a card with an expiry date in the future"


_FIELDS = [
    ("email", "Email address", "We send the receipt here.", "email", "email", ""),
    ("name", "Name on card", "", "text", "cc-name", ""),
    (
        "card_number",
        "Card number",
        "Test cards: 4242 4242 4242 4242 is paid, 4000 0000 0000 0002 is declined, "
        "4000 0000 0000 0259 is paid and then disputed, 4000 0000 0000 5126 is paid and its refunds fail.",
        "text",
        "cc-number",
        "",
    ),
    ("expiry", "Expiry date", "For example, 12/34", "text", "cc-exp", "short"),
    ("cvc", "Security code", "The 3 digits on the back of the card", "text", "cc-csc", "short"),
]


def checkout_page(session: dict[str, object], form: CardForm, *, declined: bool = False) -> str:
    items = session["fake_line_items"]
    assert isinstance(items, list)
    rows = "".join(
        f"<tr><td>{html.escape(str(item['description']))}</td><td>{item['quantity']}</td>"
        f'<td class="amount">{pounds(int(item["amount_total"]))}</td></tr>'
        for item in items
    )
    summary = ""
    if declined:
        summary = (
            '<div class="error-summary" role="alert" tabindex="-1"><h2>There is a problem</h2>'
            '<p><a href="#card_number">Your card was declined. Nothing has been charged. Try another card.</a></p>'
            "</div>"
        )
    elif form.errors:
        links = "".join(
            f'<li><a href="#{name}">{html.escape(message)}</a></li>' for name, message in form.errors.items()
        )
        summary = (
            f'<div class="error-summary" role="alert" tabindex="-1"><h2>There is a problem</h2><ul>{links}</ul></div>'
        )
    typed = {
        "email": form.email,
        "name": form.name,
        "card_number": form.number,
        "expiry": form.expiry,
        "cvc": form.cvc,
    }
    inputs = []
    for name, label, hint, kind, autocomplete, css in _FIELDS:
        error = form.errors.get(name)
        described = " ".join(
            part for part in (f"{name}-hint" if hint else "", f"{name}-error" if error else "") if part
        )
        inputs.append(
            f'<div class="{"field-error" if error else "field"}">'
            f'<label for="{name}">{label}</label>'
            + (f'<p class="hint" id="{name}-hint">{html.escape(hint)}</p>' if hint else "")
            + (
                f'<p class="error-message" id="{name}-error"><span class="visually-hidden">Error:</span> '
                f"{html.escape(error)}</p>"
                if error
                else ""
            )
            + f'<input type="{kind}" id="{name}" name="{name}" autocomplete="{autocomplete}" '
            f'class="{css}" value="{html.escape(typed[name])}"'
            + (f' aria-describedby="{described}"' if described else "")
            + (' aria-invalid="true"' if error else "")
            + "></div>"
        )
    cancel = session.get("cancel_url")
    cancel_link = f'<p><a href="{html.escape(str(cancel))}">Go back without paying</a></p>' if cancel else ""
    total = int(str(session["amount_total"]))
    body = (
        f"{summary}<h1>Pay {pounds(total)}</h1>"
        '<table><caption class="visually-hidden">What you are paying for</caption><thead><tr><th scope="col">'
        'Item</th><th scope="col">Quantity</th><th scope="col" class="amount">Amount</th></tr></thead>'
        f'<tbody>{rows}</tbody><tfoot><tr><th scope="row" colspan="2">Total</th>'
        f'<td class="amount">{pounds(total)}</td></tr></tfoot></table>'
        f'<form method="post" novalidate>{"".join(inputs)}<button type="submit">Pay {pounds(total)}</button>'
        f"</form>{cancel_link}"
    )
    return page(f"Pay {pounds(total)}", body)


def closed_checkout_page(session: dict[str, object]) -> str:
    status = str(session["status"])
    words = "has been paid" if status == "complete" else "has expired"
    body = f"<h1>This payment {words}</h1><p>There is nothing more to do on this page.</p>"
    return page(f"Payment {words}", body)


def onboarding_page(account: dict[str, object]) -> str:
    email = account.get("email") or "no email given"
    due = account.get("requirements")
    assert isinstance(due, dict)
    still_due = "".join(f"<li>{html.escape(str(item))}</li>" for item in due["currently_due"])
    body = (
        "<h1>Set up payments</h1>"
        f"<p>Connected account <strong>{html.escape(str(account['id']))}</strong> ({html.escape(str(email))}).</p>"
        + (f"<h2>Stripe still needs</h2><ul>{still_due}</ul>" if still_due else "<p>Nothing more is needed.</p>")
        + "<p>This fake onboarding fills in test details for you: finish to be able to take card payments and be "
        "paid out, or leave before giving your bank details.</p>"
        '<form method="post">'
        '<button type="submit" name="action" value="finish">Finish onboarding</button>'
        '<button type="submit" name="action" value="leave" class="secondary">'
        "Leave without giving bank details</button>"
        "</form>"
    )
    return page("Set up payments", body)


def problem_page(message: str) -> str:
    body = f"<h1>This payment cannot be taken</h1><p>{html.escape(message)}</p><p>Nothing has been charged.</p>"
    return page("This payment cannot be taken", body)


def not_found_page() -> str:
    return page("Page not found", "<h1>Page not found</h1><p>This link is not one the fake Stripe made.</p>")
