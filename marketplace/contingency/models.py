"""Provider-failure contingency flags. See issue 4."""
