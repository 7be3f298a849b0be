"""The orders blueprint."""

from matchmaker.blueprints.orders.views import bp

__all__ = ["bp"]
