"""Connected accounts (v1/accounts), their capabilities and account links for hosted onboarding."""

import copy
from typing import Any

from fakestripe.core import COUNTRY, CURRENCY, Fake, Request, embedded_list, list_object
from fakestripe.errors import StripeError, invalid, no_such
from fakestripe.ids import new_id

# What a new UK individual's account must give before it can take card payments and be paid out.
ONBOARDING_REQUIREMENTS = [
    "business_profile.mcc",
    "business_profile.url",
    "business_type",
    "external_account",
    "individual.address.city",
    "individual.address.line1",
    "individual.address.postal_code",
    "individual.dob.day",
    "individual.dob.month",
    "individual.dob.year",
    "individual.email",
    "individual.first_name",
    "individual.last_name",
    "individual.phone",
    "tos_acceptance.date",
    "tos_acceptance.ip",
]
# What is still missing when the person leaves onboarding before giving their bank details.
BANK_DETAILS_REQUIREMENTS = ["external_account", "tos_acceptance.date", "tos_acceptance.ip"]
CAPABILITIES = ("card_payments", "transfers")
LINK_LIFETIME_SECONDS = 300

_DASHBOARD_TYPES = {"full": "standard", "express": "express", "none": "custom"}
_LEGACY_TYPES = {
    "standard": {"fees": "account", "losses": "stripe", "dashboard": "full", "collection": "stripe"},
    "express": {"fees": "application", "losses": "application", "dashboard": "express", "collection": "stripe"},
    "custom": {"fees": "application", "losses": "application", "dashboard": "none", "collection": "application"},
}
_ALLOWED = {
    "type", "controller", "country", "email", "business_type", "business_profile", "capabilities",
    "metadata", "default_currency", "tos_acceptance", "settings",
}  # fmt: skip
_PROFILE_FIELDS = ("name", "url", "product_description", "mcc", "support_email", "support_phone", "support_url")


def _requirements(currently_due: list[str]) -> dict[str, Any]:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(currently_due),
        "disabled_reason": "requirements.past_due" if currently_due else None,
        "errors": [],
        "eventually_due": list(currently_due),
        "past_due": list(currently_due),
        "pending_verification": [],
    }


def capability_object(account: dict[str, Any], name: str) -> dict[str, Any]:
    due = account["requirements"]["currently_due"]
    return {
        "account": account["id"],
        "future_requirements": _requirements([]),
        "id": name,
        "object": "capability",
        "requested": True,
        "requested_at": account["created"],
        "requirements": _requirements(due),
        "status": account["capabilities"][name],
    }


def _controller(request: Request) -> dict[str, Any]:
    params = request.params
    legacy = params.string("type", choices=_LEGACY_TYPES)
    if legacy is not None and params.has("controller"):
        raise invalid("type", "You cannot specify both type and controller.")
    choice = dict(_LEGACY_TYPES[legacy or "standard"])
    if params.has("controller"):
        choice["fees"] = (
            params.string(
                "controller.fees.payer",
                choices=("account", "application", "application_custom", "application_express"),
            )
            or "account"
        )
        choice["losses"] = params.string("controller.losses.payments", choices=("application", "stripe")) or "stripe"
        choice["dashboard"] = params.string("controller.stripe_dashboard.type", choices=_DASHBOARD_TYPES) or "full"
        choice["collection"] = (
            params.string("controller.requirement_collection", choices=("application", "stripe")) or "stripe"
        )
    if choice["dashboard"] != "none" and choice["collection"] == "application":
        raise invalid(
            "controller[requirement_collection]",
            "requirement_collection=application is only possible with stripe_dashboard[type]=none.",
        )
    return {
        "fees": {"payer": choice["fees"]},
        "is_controller": True,
        "losses": {"payments": choice["losses"]},
        "requirement_collection": choice["collection"],
        "stripe_dashboard": {"type": choice["dashboard"]},
        "type": "application",
    }


def _requested_capabilities(request: Request) -> list[str]:
    wanted = request.params.raw("capabilities")
    if wanted is None:
        return []
    if not isinstance(wanted, dict):
        raise invalid("capabilities", "Invalid capabilities: must be a hash")
    names = []
    for name in wanted:
        if name not in CAPABILITIES:
            raise invalid(f"capabilities[{name}]", f"The fake Stripe knows only these capabilities: {CAPABILITIES}")
        if request.params.boolean(f"capabilities.{name}.requested"):
            names.append(name)
    return names


def create_account(request: Request) -> dict[str, Any]:
    params = request.params
    params.refuse_unknown(_ALLOWED)
    controller = _controller(request)
    country = params.string("country") or COUNTRY
    if country != COUNTRY:
        raise invalid("country", "The fake Stripe makes UK (GB) accounts only.")
    account_id = new_id("acct", 16)
    created = request.now()
    profile: dict[str, Any] = {
        "annual_revenue": None, "estimated_worker_count": None, "mcc": None, "minority_owned_business_designation":
        None, "name": None, "product_description": None, "support_address": None, "support_email": None,
        "support_phone": None, "support_url": None, "url": None,
    }  # fmt: skip
    for field in _PROFILE_FIELDS:
        profile[field] = params.string(f"business_profile.{field}") or profile[field]
    account: dict[str, Any] = {
        "business_profile": profile,
        "business_type": params.string(
            "business_type", choices=("individual", "company", "non_profit", "government_entity")
        ),
        "capabilities": dict.fromkeys(_requested_capabilities(request), "inactive"),
        "charges_enabled": False,
        "controller": controller,
        "country": country,
        "created": created,
        "default_currency": CURRENCY,
        "details_submitted": False,
        "email": params.string("email"),
        "external_accounts": embedded_list(f"/v1/accounts/{account_id}/external_accounts"),
        "future_requirements": _requirements([]),
        "id": account_id,
        "metadata": params.metadata(),
        "object": "account",
        "payouts_enabled": False,
        "requirements": _requirements(ONBOARDING_REQUIREMENTS),
        "settings": {
            "bacs_debit_payments": {"display_name": None, "service_user_number": None},
            "branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
            "card_issuing": {"tos_acceptance": {"date": None, "ip": None}},
            "card_payments": {
                "decline_on": {"avs_failure": False, "cvc_failure": False},
                "statement_descriptor_prefix": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "dashboard": {"display_name": profile["name"], "timezone": "Europe/London"},
            "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": "offer"},
            "payments": {
                "statement_descriptor": None,
                "statement_descriptor_kana": None,
                "statement_descriptor_kanji": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "payouts": {
                "debit_negative_balances": True,
                "schedule": {"delay_days": 3, "interval": "daily"},
                "statement_descriptor": None,
            },
            "sepa_debit_payments": {},
        },
        "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
        "type": _DASHBOARD_TYPES[controller["stripe_dashboard"]["type"]],
    }
    return request.store.insert(account, account=None)


def retrieve_account(request: Request) -> dict[str, Any]:
    (account_id,) = request.path_args
    return request.store.get("account", account_id, account=None, param="account")


def update_account(request: Request) -> dict[str, Any]:
    (account_id,) = request.path_args
    params = request.params
    params.refuse_unknown({"email", "business_profile", "business_type", "capabilities", "metadata", "settings"})
    account = request.store.get("account", account_id, account=None, param="account")
    before = copy.deepcopy(account)
    if params.has("email"):
        account["email"] = params.string("email")
    for field in _PROFILE_FIELDS:
        if params.has(f"business_profile.{field}"):
            account["business_profile"][field] = params.string(f"business_profile.{field}")
    if params.has("business_type"):
        account["business_type"] = params.string("business_type")
    for name in _requested_capabilities(request):
        account["capabilities"].setdefault(name, "active" if account["charges_enabled"] else "inactive")
    account["metadata"] = params.metadata(account["metadata"])
    request.store.save(account)
    changed = {key: before[key] for key in account if before.get(key) != account[key]}
    if changed:
        request.fake.emit("account.updated", account, account=account_id, previous_attributes=changed, request=request)
    return account


def list_accounts(request: Request) -> dict[str, Any]:
    if request.account is not None:
        raise StripeError("Connected accounts cannot list accounts.", status=403, code="permission_denied")
    return list_object(request, request.store.all("account"), "/v1/accounts")


def list_capabilities(request: Request) -> dict[str, Any]:
    account = retrieve_account(request)
    data = [capability_object(account, name) for name in sorted(account["capabilities"])]
    return {"object": "list", "data": data, "has_more": False, "url": f"/v1/accounts/{account['id']}/capabilities"}


def retrieve_capability(request: Request) -> dict[str, Any]:
    account_id, name = request.path_args
    account = request.store.get("account", account_id, account=None, param="account")
    if name not in account["capabilities"]:
        raise no_such("capability", name)
    return capability_object(account, name)


def create_account_link(request: Request) -> dict[str, Any]:
    params = request.params
    params.refuse_unknown({"account", "type", "refresh_url", "return_url", "collect", "collection_options"})
    account_id = params.required_string("account")
    request.store.get("account", account_id, account=None, param="account")
    link_type = params.required_string("type", choices=("account_onboarding", "account_update"))
    refresh_url = params.required_string("refresh_url")
    return_url = params.required_string("return_url")
    created = request.now()
    token = new_id("onb", 32)
    request.store.insert(
        {
            "id": token,
            "object": "fake.account_link",
            "created": created,
            "account": account_id,
            "type": link_type,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "expires_at": created + LINK_LIFETIME_SECONDS,
            "used": False,
        },
        account=None,
    )
    return {
        "created": created,
        "expires_at": created + LINK_LIFETIME_SECONDS,
        "object": "account_link",
        "url": f"{request.fake.base_url}/hosted/onboarding/{token}",
    }


def finish_onboarding(
    fake: Fake, account_id: str, *, with_bank_details: bool, request: Request | None = None
) -> dict[str, Any]:
    """What the hosted onboarding page does: record the details given and tell the platform (Connect events)."""
    account = fake.store.get("account", account_id, account=None, param="account")
    before = copy.deepcopy(account)
    now = fake.now()
    if with_bank_details:
        account["requirements"] = _requirements([])
        account["details_submitted"] = True
        account["charges_enabled"] = True
        account["payouts_enabled"] = True
        account["tos_acceptance"] = {"date": now, "ip": "127.0.0.1", "user_agent": "fake-stripe onboarding"}
        if not account["external_accounts"]["data"]:
            bank_id = new_id("ba")
            account["external_accounts"]["data"] = [
                {
                    "id": bank_id,
                    "object": "bank_account",
                    "account": account_id,
                    "bank_name": "FAKE BANK",
                    "country": COUNTRY,
                    "currency": CURRENCY,
                    "default_for_currency": True,
                    "last4": "2345",
                    "routing_number": "10-88-00",
                    "status": "new",
                }
            ]
            account["external_accounts"]["total_count"] = 1
        capability_status = "active"
    else:
        account["requirements"] = _requirements(BANK_DETAILS_REQUIREMENTS)
        capability_status = "inactive"
    account["business_type"] = account["business_type"] or "individual"
    if account["business_profile"]["mcc"] is None:
        account["business_profile"]["mcc"] = "8050"  # nursing and personal care facilities
    changed_capabilities = []
    for name in account["capabilities"]:
        if account["capabilities"][name] != capability_status:
            account["capabilities"][name] = capability_status
            changed_capabilities.append(name)
    fake.store.save(account)
    changed = {key: before[key] for key in account if before.get(key) != account[key]}
    if changed:
        fake.emit("account.updated", account, account=account_id, previous_attributes=changed, request=request)
    for name in changed_capabilities:
        fake.emit(
            "capability.updated",
            capability_object(account, name),
            account=account_id,
            previous_attributes={"status": before["capabilities"][name]},
            request=request,
        )
    return account


def onboarding_link(fake: Fake, token: str) -> dict[str, Any] | None:
    found = fake.store.find(token)
    return found if found is not None and found["object"] == "fake.account_link" else None


def destination_account(request: Request, account_id: str, *, param: str) -> dict[str, Any]:
    """A connected account money can be sent to (Stripe refuses transfers to accounts without the capability)."""
    account = request.store.get("account", account_id, account=None, param=param)
    if account["capabilities"].get("transfers") != "active":
        raise StripeError(
            "Your destination account needs to have at least one of the following capabilities enabled: "
            "transfers, crypto_transfers, legacy_payments",
            code="insufficient_capabilities_for_transfer",
            param=param,
        )
    return account


ROUTES = [
    ("POST", r"/v1/accounts", create_account),
    ("GET", r"/v1/accounts", list_accounts),
    ("GET", r"/v1/accounts/([^/]+)", retrieve_account),
    ("POST", r"/v1/accounts/([^/]+)", update_account),
    ("GET", r"/v1/accounts/([^/]+)/capabilities", list_capabilities),
    ("GET", r"/v1/accounts/([^/]+)/capabilities/([^/]+)", retrieve_capability),
    ("POST", r"/v1/account_links", create_account_link),
]
