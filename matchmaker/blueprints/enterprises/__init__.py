"""The enterprises blueprint: enterprise profiles, with the technology needs blueprint nested in it."""

from matchmaker.blueprints.enterprises.views import bp

__all__ = ["bp"]
