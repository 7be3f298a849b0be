"""The public read-only API, version 1 (``/api/v1``): the platform's public records as JSON."""

from matchmaker.blueprints.api import computed  # noqa: F401  (its views join the blueprint)
from matchmaker.blueprints.api.views import bp

__all__ = ["bp"]
