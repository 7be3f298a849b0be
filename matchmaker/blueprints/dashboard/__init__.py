"""The results dashboard: figures for officials, the public figures for everyone, records, definitions, export."""

from matchmaker.blueprints.dashboard.views import bp

__all__ = ["bp"]
