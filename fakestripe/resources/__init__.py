"""One module per family of Stripe resources; each exposes its routes in ``ROUTES``."""
