"""The institutions blueprint."""

from matchmaker.blueprints.institutions.views import bp

__all__ = ["bp"]
