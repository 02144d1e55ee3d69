"""Stripe's request format: form-encoded bodies and query strings with nested brackets.

``transfer_data[destination]=acct_1`` becomes ``{"transfer_data": {"destination": "acct_1"}}`` and
``line_items[0][quantity]=1`` becomes ``{"line_items": [{"quantity": "1"}]}``. Values stay strings;
each resource converts and checks the ones it reads.
"""

import re
from typing import Any
from urllib.parse import parse_qsl

from fakestripe.errors import StripeError

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


def decode(encoded: str) -> dict[str, Any]:
    """The nested parameters of a form-encoded body or query string."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(encoded, keep_blank_values=True):
        match = _KEY.match(key)
        if not match:
            raise StripeError(f"Invalid parameter name: {key}", code="parameter_unknown", param=key)
        parts = [match.group(1), *_PART.findall(match.group(2))]
        node = root
        for index, part in enumerate(parts):
            if part == "":  # "expand[]=x": append
                part = str(sum(1 for existing in node if existing.isdigit()))
            if index == len(parts) - 1:
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise StripeError(f"Invalid parameter: {key}", code="parameter_invalid", param=key)
                node = child
    return _lists(root)


def _lists(node: Any) -> Any:
    """Dicts whose keys are all indexes become lists, in index order."""
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted
