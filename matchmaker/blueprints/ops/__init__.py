"""Operations: /healthz, /readyz and /metrics for load balancers and monitoring."""

from matchmaker.blueprints.ops.views import bp

__all__ = ["bp"]
