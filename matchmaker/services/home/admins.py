"""An administrator's work: invitations not yet accepted, and whether search and matching work."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from matchmaker import formatting
from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.services.home.items import (
    HealthCheck,
    Kind,
    Severity,
    WorkItem,
    item,
)
from matchmaker.services.matching import model as matching_model
from matchmaker.services.search import index as search

# Invitations listed at most (the oldest first; the count says how many there are).
INVITATIONS_SHOWN = 10
# An invitation not accepted after this many days is worth a reminder.
INVITATION_STALE_DAYS = 7


def _invitation_items(today: date) -> list[WorkItem]:
    """Accounts created by an administrator whose owner has not chosen a password yet, oldest first."""
    users = db.session.scalars(
        sa.select(User)
        .where(User.invitation_pending.is_(True))
        .order_by(User.created_at, User.id)
        .limit(INVITATIONS_SHOWN)
    ).all()
    found = []
    for user in users:
        invited = item(
            Kind.INVITATION_PENDING, user.full_name,
            _("%(email)s has not accepted the invitation: send it again or cancel it.", email=user.email),
            "admin.user_detail", {"user_id": user.id}, today, since=user.created_at,
            key=f"invitation-{user.id}",
        )  # fmt: skip
        if invited.since and (today - invited.since).days >= INVITATION_STALE_DAYS:
            invited = _with_severity(invited, Severity.SOON)
        found.append(invited)
    return found


def _with_severity(one: WorkItem, severity: Severity) -> WorkItem:
    return replace(one, severity=severity)


def _failing(
    name: str,
    note: str,
    today: date,
    severity: Severity,
    key: str,
    detail: str | None = None,
) -> tuple[HealthCheck, list[WorkItem]]:
    """A check that needs attention, and the work item that says what to run."""
    item_ = item(
        Kind.PLATFORM_HEALTH, name, note, None, {}, today, severity=severity, key=key
    )
    return HealthCheck(name, False, detail or note), [item_]


def _search_check(today: date) -> tuple[HealthCheck, list[WorkItem]]:
    health = search.health()
    waiting = search.pending_retries()
    name = _("Search index")
    if not health.ok:
        note = _(
            "The search index cannot be read (%(reason)s): run “matchmaker search rebuild”.",
            reason=health.reason,
        )
        return _failing(name, note, today, Severity.OVERDUE, "search-index")
    detail = _("%(n)d documents indexed.", n=health.doc_count)
    if waiting:
        note = _(
            "%(n)d updates failed and wait for a retry: run “matchmaker search retry”.",
            n=waiting,
        )
        return _failing(
            name,
            note,
            today,
            Severity.SOON,
            "search-retries",
            detail=f"{detail} {note}",
        )
    return HealthCheck(name, True, detail), []


def _matching_check(today: date) -> tuple[HealthCheck, list[WorkItem]]:
    state = matching_model.model_state()
    name = _("Matching model")
    if not state.saved:
        note = _(
            "No matching model is saved yet: it is built at the first match, or run “matchmaker match rebuild”."
        )
        return _failing(name, note, today, Severity.SOON, "matching-model")
    detail = _("Fitted on %(when)s.", when=formatting.datetime(state.fitted_at))
    if state.refitting:
        detail = f"{detail} {_('A refit is running.')}"
    return HealthCheck(name, True, detail), []


def admin_items(today: date) -> tuple[list[WorkItem], list[HealthCheck]]:
    """Invitations waiting and platform problems, with the state of search and matching."""
    search_check, search_items = _search_check(today)
    matching_check, matching_items = _matching_check(today)
    return (
        [*_invitation_items(today), *search_items, *matching_items],
        [search_check, matching_check],
    )
