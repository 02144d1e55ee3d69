"""gunicorn settings for every way the site is served (Dockerfile, docker-compose.yml,
scripts/run-dev.sh, scripts/bench.sh): `gunicorn -c config/gunicorn.py config.wsgi:application`.

- Threaded workers (gthread): a worker answers other requests while one waits
  for the database, and keeps connections alive between requests. On the
  2-core machine they gave about twice the throughput of sync workers.
- The app is loaded and warmed once in the master before the workers fork
  (`preload_app`, `when_ready`), so no visitor waits for Django, Wagtail and
  the templates to load on the first request. Its objects are then frozen
  out of the garbage collector's reach (`gc.freeze()`, as Python's docs
  advise before a fork), so a worker's full collections do not walk all of
  Django and Wagtail each time, and the memory pages the workers share stay
  shared.

Everything can be changed from the environment: WEB_CONCURRENCY (workers),
GUNICORN_THREADS, GUNICORN_WORKER_CONNECTIONS, GUNICORN_BIND, GUNICORN_TIMEOUT, GUNICORN_MAX_REQUESTS,
GUNICORN_ACCESS_LOG ("-" for standard output, empty for none).
"""

import gc
import os
from typing import Any

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 5
# Connections a worker holds at once: its threads' and two kept alive between requests. A worker
# then cannot take every connection of a small pool of kept-alive ones (a proxy's, the benchmark's
# eight) while the other worker idles: the rest wait in the shared backlog for a worker with room.
# At gunicorn's default of 1,000, wrk's eight sometimes all landed on one worker, and that page
# measured a third of its throughput (decision 0052).
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", str(threads + 2)))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Workers are replaced after this many requests (0: never; the benchmark's load would otherwise
# restart them mid-run).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None


def when_ready(server: Any) -> None:
    """Warm the preloaded app in the master, before any worker forks (see config/wsgi.py)."""
    from config.wsgi import warm_up

    warm_up()
    gc.freeze()
    server.log.info("The app is loaded, warmed and frozen; starting workers")


def post_fork(server: Any, worker: Any) -> None:
    """A worker collects garbage a tenth as often as Python's default (every 7,000 new objects, not 700).

    A page allocates tens of thousands of objects (the dashboard about 75,000), so at the default a
    worker holding its remembered searches ran a full collection every few requests: the dashboard's
    median over HTTP after the benchmark's load was 306 and 369 ms at the default, 253 and 257 ms
    with this (docs/benchmarks.md).
    """
    gc.set_threshold(7000, 10, 10)
