"""Reading request parameters as Stripe does: required ones, integers, booleans, unknown names refused."""

from collections.abc import Iterable
from typing import Any

from fakestripe.errors import StripeError, invalid, missing


class Params:
    """The decoded parameters of one request, read by dotted path (``transfer_data.destination``)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def refuse_unknown(self, allowed: Iterable[str]) -> None:
        known = {*allowed, "expand"}
        for name in self.values:
            if name not in known:
                raise StripeError(f"Received unknown parameter: {name}", code="parameter_unknown", param=name)

    def raw(self, path: str) -> Any:
        node: Any = self.values
        for part in path.split("."):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return None
        return node

    def has(self, path: str) -> bool:
        return self.raw(path) is not None

    def string(self, path: str, *, required: bool = False, choices: Iterable[str] | None = None) -> str | None:
        value = self.raw(path)
        if value is None or value == "":
            if required:
                raise missing(_bracketed(path))
            return None
        if not isinstance(value, str):
            raise invalid(_bracketed(path), f"Invalid string: {_bracketed(path)}")
        if choices is not None and value not in set(choices):
            allowed = ", ".join(choices)
            raise invalid(_bracketed(path), f"Invalid {_bracketed(path)}: must be one of {allowed}")
        return value

    def required_string(self, path: str, *, choices: Iterable[str] | None = None) -> str:
        value = self.string(path, required=True, choices=choices)
        assert value is not None
        return value

    def integer(self, path: str, *, required: bool = False, minimum: int | None = None) -> int | None:
        value = self.raw(path)
        if value is None or value == "":
            if required:
                raise missing(_bracketed(path))
            return None
        try:
            number = int(str(value))
        except ValueError:
            raise StripeError(
                f"Invalid integer: {value}", code="parameter_invalid_integer", param=_bracketed(path)
            ) from None
        if minimum is not None and number < minimum:
            raise StripeError(
                f"This value must be greater than or equal to {minimum}.",
                code="parameter_invalid_integer",
                param=_bracketed(path),
            )
        return number

    def required_integer(self, path: str, *, minimum: int | None = None) -> int:
        value = self.integer(path, required=True, minimum=minimum)
        assert value is not None
        return value

    def boolean(self, path: str, *, default: bool = False) -> bool:
        value = self.raw(path)
        if value is None or value == "":
            return default
        if value in ("true", "True", "1"):
            return True
        if value in ("false", "False", "0"):
            return False
        raise invalid(_bracketed(path), f"Invalid boolean: {value}")

    def metadata(self, current: dict[str, str] | None = None) -> dict[str, str]:
        """The metadata after this request: an empty value removes a key, as on Stripe."""
        result = dict(current or {})
        value = self.raw("metadata")
        if value is None:
            return result
        if value == "":
            return {}
        if not isinstance(value, dict):
            raise invalid("metadata", "Invalid metadata: must be a hash")
        for key, item in value.items():
            if not isinstance(item, str):
                raise invalid(f"metadata[{key}]", "Metadata values must be strings")
            if item == "":
                result.pop(key, None)
            else:
                result[key] = item
        return result

    def expand(self) -> list[str]:
        value = self.raw("expand")
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return value
        raise invalid("expand", "Invalid expand: must be an array of strings")


def _bracketed(path: str) -> str:
    first, *rest = path.split(".")
    return first + "".join(f"[{part}]" for part in rest)
