"""The search blueprint."""

from matchmaker.blueprints.search.views import bp

__all__ = ["bp"]
