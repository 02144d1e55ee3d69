"""Contract monitoring: contracts and lists, visits and audits, ratings, action plans. See issue 4."""
