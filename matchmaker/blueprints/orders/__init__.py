"""The orders blueprint: orders and their lifecycle, proposals, the selection council, the work, and
exact assignments of reviewers and researchers."""

from matchmaker.blueprints.orders.views import bp

# Route modules register on ``bp`` when imported.
from matchmaker.blueprints.orders import (  # noqa: E402, F401  isort: skip
    assignment_views,
    council_views,
    proposal_views,
    work_views,
)

__all__ = ["bp"]
