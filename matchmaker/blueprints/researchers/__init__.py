"""The researchers blueprint."""

from matchmaker.blueprints.researchers.views import bp

__all__ = ["bp"]
