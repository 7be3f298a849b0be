"""The auth blueprint."""

from matchmaker.blueprints.auth.views import bp

__all__ = ["bp"]
