"""The main blueprint."""

from matchmaker.blueprints.main.views import bp

__all__ = ["bp"]
