from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Directory search"

    def ready(self) -> None:
        from marketplace.core.sweeps import register_minute_sweep

        from .indexing import search_backlog_retry
        from .listing_hooks import register_listing_hooks

        # Index updates the search server could not take are retried every minute until it answers.
        register_minute_sweep("search index backlog", search_backlog_retry)
        register_listing_hooks()
