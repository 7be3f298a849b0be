"""The enterprises blueprint: enterprise profiles and technology needs."""

from matchmaker.blueprints.enterprises import need_views  # noqa: F401  (adds the need routes to bp)
from matchmaker.blueprints.enterprises.views import bp

__all__ = ["bp"]
