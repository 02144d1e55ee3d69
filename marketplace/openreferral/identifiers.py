"""Stable ORUK identifiers for things that have no UUID column of their own.

Providers, locations and taxonomy terms keep their own `uuid`. Rows the API
derives from them (a provider's schedules, cost options, service areas...)
get a UUID5 from the parent's UUID and a name that says what the row is, so
the same listing gives the same ids on every request and every server.
"""

import uuid

# Fixed for ever: changing it would change every derived id the API has published.
OPENREFERRAL_NAMESPACE = uuid.UUID("6f1c0d1e-5b1a-4d0e-9b57-3c8e2f4a7d21")


def derived_id(parent: uuid.UUID, kind: str, key: str = "") -> str:
    """The id of a row derived from `parent`, e.g. derived_id(provider.uuid, "schedule", "morning")."""
    return str(uuid.uuid5(parent, f"{kind}:{key}"))


def namespace_id(kind: str, key: str = "") -> str:
    """The id of something with no parent row, such as a taxonomy."""
    return derived_id(OPENREFERRAL_NAMESPACE, kind, key)
