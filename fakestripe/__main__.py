"""``python -m fakestripe --port N --data-dir DIR [--webhook URL=SECRET] [--connect-webhook URL=SECRET]``."""

import argparse
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from fakestripe.core import Endpoint, Fake
from fakestripe.server import FakeStripeServer
from fakestripe.store import Store
from fakestripe.testhelpers import sweep
from fakestripe.webhooks import Deliverer


def _endpoint(connect: bool) -> Callable[[str], Endpoint]:
    def parse(value: str) -> Endpoint:
        url, separator, secret = value.rpartition("=")
        if not separator or not url.startswith(("http://", "https://")) or not secret:
            raise argparse.ArgumentTypeError(f"expected URL=SECRET, got {value!r}")
        return Endpoint(url=url, secret=secret, connect=connect)

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fakestripe", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--data-dir", type=Path, required=True, help="where the SQLite state is kept")
    parser.add_argument(
        "--webhook",
        type=_endpoint(False),
        action="append",
        default=[],
        metavar="URL=SECRET",
        help="a platform webhook endpoint and its signing secret (repeatable)",
    )
    parser.add_argument(
        "--connect-webhook",
        type=_endpoint(True),
        action="append",
        default=[],
        metavar="URL=SECRET",
        help="a Connect webhook endpoint (connected accounts' events)",
    )
    parser.add_argument(
        "--retry-base-seconds",
        type=float,
        default=2.0,
        help="first delay before a failed webhook is retried; it doubles each time",
    )
    parser.add_argument("--max-attempts", type=int, default=12, help="webhook attempts before giving up")
    parser.add_argument("--quiet", action="store_true", help="log warnings only")
    options = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if options.quiet else logging.INFO,
        format="fakestripe %(levelname)s %(message)s",
        stream=sys.stderr,
    )

    store = Store(options.data_dir)
    fake = Fake(store=store, base_url="", endpoints=[*options.webhook, *options.connect_webhook])
    deliverer = Deliverer(
        store,
        base_delay=options.retry_base_seconds,
        max_attempts=options.max_attempts,
        housekeeping=lambda: sweep(fake),
    )
    server = FakeStripeServer(options.port, fake, deliverer)
    port = server.server_address[1]
    fake.base_url = f"http://127.0.0.1:{port}"
    deliverer.start()

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"fakestripe listening on {fake.base_url}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        deliverer.stop()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
