"""The embedded default: SQLite, database search, filesystem Celery broker."""

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
STORAGES = {
    **STORAGES,  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Each thread keeps its connection between requests, as production does with PostgreSQL. SQLite
    # reads the whole schema on a connection's first statement: about 2.5 ms a request, more than a
    # kept page takes to serve. (Django's runserver starts a thread a request, so it gains nothing
    # there; gunicorn's threads keep theirs: decision 0056.)
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
