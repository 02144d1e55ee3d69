"""A stateful fake of the parts of Stripe's API the project uses (Connect included), for tests and demos.

Run it with ``python -m fakestripe --port N --data-dir DIR``; see docs/fake-stripe.md.
It never talks to the real Stripe and only listens on 127.0.0.1.
"""

API_VERSION = "2026-10-28.endive"
