"""Metrics read from the database when /metrics is scraped, so they are right however many web
and worker processes there are. Each app registers the collector of its own rows from its
AppConfig.ready(); safeface.metrics serves them beside the request metrics."""

import prometheus_client

# auto_describe off: a collector's families are only known once it has read its rows.
SCRAPED = prometheus_client.CollectorRegistry(auto_describe=False)


def register(collector) -> None:
    """Add an app's collector (an object with `collect()` yielding metric families) once."""
    SCRAPED.register(collector)
