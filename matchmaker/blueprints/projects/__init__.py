"""The projects blueprint."""

from matchmaker.blueprints.projects.views import bp

__all__ = ["bp"]
