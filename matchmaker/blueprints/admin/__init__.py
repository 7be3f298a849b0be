"""The admin blueprint."""

from matchmaker.blueprints.admin.views import bp

__all__ = ["bp"]
