"""The orders blueprint: orders and their lifecycle, with the proposals, council, work and assignments
blueprints nested in it."""

from matchmaker.blueprints.orders.views import bp

__all__ = ["bp"]
