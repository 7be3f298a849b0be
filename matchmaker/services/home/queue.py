"""The entry point: what waits for one signed-in person, by what they are on the platform."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from matchmaker.models import Role, User, utcnow
from matchmaker.services import policy
from matchmaker.services.home.admins import admin_items
from matchmaker.services.home.enterprises import enterprise_items
from matchmaker.services.home.items import WorkQueue, queue, today_in_vietnam
from matchmaker.services.home.officials import official_items
from matchmaker.services.home.researchers import researcher_items
from matchmaker.services.matching.matches import Recommendations


@dataclass(frozen=True)
class Home:
    """A signed-in person's home: their work queue, and for a researcher the recommendations."""

    work: WorkQueue
    recommendations: Recommendations | None = None


def home_for(user: User, now: datetime | None = None) -> Home:
    """What waits for ``user`` now, most urgent first, limited to what the policy lets them see.

    Officials: steps on the orders in their charge (``policy.orders_in_charge``), calls closing, councils
    to form, late milestones and tranches, deliverables to confirm. Researchers: proposals to score on
    their councils, their proposals' next step, milestones of the tasks they lead, open calls that fit
    them. Enterprise representatives: interests to answer, researchers who fit their open needs.
    Administrators: invitations not accepted, the search index and the matching model.
    """
    now = now or utcnow()
    today = today_in_vietnam(now)
    if policy.is_admin(user):
        items, health = admin_items(today)
        return Home(queue(items, health, audience="admin"))
    if policy.is_staff(user):
        return Home(queue(official_items(user, today, now), audience="official"))
    if user.role == Role.RESEARCHER:
        items, recommended = researcher_items(user, today, now)
        return Home(queue(items, audience="researcher"), recommended)
    if user.role == Role.ENTERPRISE:
        return Home(queue(enterprise_items(user, today), audience="enterprise"))
    return Home(WorkQueue())
