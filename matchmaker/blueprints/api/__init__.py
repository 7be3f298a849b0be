"""The public read-only API, version 1 (``/api/v1``): the platform's public records as JSON."""

from matchmaker.blueprints.api.views import bp

__all__ = ["bp"]
