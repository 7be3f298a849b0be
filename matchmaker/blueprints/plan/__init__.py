"""The plan blueprint: the register of the Resolution 57 action plan."""

from matchmaker.blueprints.plan.views import bp

__all__ = ["bp"]
