"""The demo county, Wendleshire: its places, providers, people and advice pages."""
