"""The notifications blueprint: a user's in-app notifications."""

from matchmaker.blueprints.notifications.views import bp

__all__ = ["bp"]
