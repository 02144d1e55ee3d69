"""Errors in Stripe's shape: ``{"error": {"type", "code", "message", "param"}}`` with Stripe's status codes."""

from typing import Any


class StripeError(Exception):
    """An error the fake answers as Stripe would: an HTTP status and an error object."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        error_type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_type = error_type
        self.code = code
        self.param = param
        self.extra = extra or {}

    def body(self, request_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {
            "type": self.error_type,
            "code": self.code,
            "message": self.message,
            "param": self.param,
            "doc_url": f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}" if self.code else None,
            "request_log_url": f"https://dashboard.stripe.com/test/logs/{request_id}",
        }
        error.update(self.extra)
        return {"error": error}


def missing(param: str) -> StripeError:
    return StripeError(f"Missing required param: {param}.", code="parameter_missing", param=param)


def invalid(param: str, message: str) -> StripeError:
    return StripeError(message, code="parameter_invalid", param=param)


def no_such(kind: str, object_id: str, param: str = "id") -> StripeError:
    return StripeError(f"No such {kind}: '{object_id}'", status=404, code="resource_missing", param=param)


def card_declined(*, charge_id: str | None, payment_intent: dict[str, Any] | None = None) -> StripeError:
    extra: dict[str, Any] = {"decline_code": "generic_decline", "charge": charge_id}
    if payment_intent is not None:
        extra["payment_intent"] = payment_intent
    return StripeError(
        "Your card was declined.",
        status=402,
        error_type="card_error",
        code="card_declined",
        extra=extra,
    )
