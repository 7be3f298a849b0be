"""The roles the order pages treat as staff: officials and administrators."""

from __future__ import annotations

from matchmaker.models import Role

STAFF = (Role.OFFICIAL, Role.ADMIN)
