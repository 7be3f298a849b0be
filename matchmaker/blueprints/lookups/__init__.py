"""The lookups blueprint: what the searchable pickers of forms ask for as one types."""

from matchmaker.blueprints.lookups.views import bp

__all__ = ["bp"]
