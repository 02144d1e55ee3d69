"""Reading a version table's token: one row (`marketplace.core.models.VersionRow`) whose token changes when
the data it stands for changes.

The listings' version (search/versioning.py, decision 0036) is such a row, read on every page that keeps
something by it. The dashboard's records versions (insights/freshness.py, decision 0063) are a row for each
panel, read together.
"""

from typing import TYPE_CHECKING

from django.db import connections

if TYPE_CHECKING:
    from marketplace.core.models import VersionRow


def version_token(model: "type[VersionRow]", using: str = "default") -> str | None:
    """The token in `model`'s one row (`model.ROW`), or None when there is no row.

    One plain statement: the ORM took twice as long to build this query as the database took to answer it
    (decision 0053).
    """
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT token FROM {model._meta.db_table} WHERE id = %s", [model.ROW])
        row = cursor.fetchone()
    return row[0] if row else None
