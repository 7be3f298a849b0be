"""Bulk creation of an institution's researcher accounts from a CSV staff list: a dry run, then all or nothing."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker.extensions import db
from matchmaker.models import (
    ImportBatch,
    Institution,
    ResearcherProfile,
    Role,
    User,
)
from matchmaker.services import events, policy, staging
from matchmaker.services.accounts.identity import mail_password_link
from matchmaker.services.errors import Conflict, NotAllowed
from matchmaker.services.imports import ImportProblem
from matchmaker.services.institutions.staff_csv import StaffRow, parse_staff_csv

IMPORT_KIND = "staff"


@dataclass(frozen=True)
class StaffReport:
    """The dry run: every row, every problem, and the batch to confirm when there is no problem."""

    batch_id: int | None
    rows: list[StaffRow]
    problems: list[ImportProblem]


def _registered(emails: list[str]) -> set[str]:
    return (
        set(db.session.scalars(sa.select(User.email).where(User.email.in_(emails))))
        if emails
        else set()
    )


def preview(institution: Institution, admin: User, data: bytes) -> StaffReport:
    """Check a staff list without creating anything; keep it for confirmation only if every row is valid."""
    if not policy.is_admin(admin):
        raise NotAllowed(_l("Only administrators import staff lists."))
    parsed = parse_staff_csv(data)
    taken = _registered([row.email for row in parsed.rows])
    problems = list(parsed.problems) + [
        ImportProblem(
            row.line,
            _l(
                "Line %(line)d: %(email)s already has an account.",
                line=row.line,
                email=row.email,
            ),
        )
        for row in parsed.rows
        if row.email in taken
    ]
    problems.sort(key=lambda p: p.position)
    batch_id = None
    if parsed.rows and not problems:
        batch = ImportBatch(
            user_id=admin.id,
            kind=IMPORT_KIND,
            target_id=institution.id,
            payload=[asdict(r) for r in parsed.rows],
        )
        db.session.add(batch)
        events.commit()
        batch_id = batch.id
    return StaffReport(batch_id, parsed.rows, problems)


def confirm(institution: Institution, admin: User, batch_id: int) -> int:
    """Create every account of a checked list in one transaction, inactive until the invitation is accepted."""
    batch = staging.pending_batch(batch_id, IMPORT_KIND, admin, institution.id)
    rows = [StaffRow(**row) for row in batch.payload]
    if taken := _registered([row.email for row in rows]):
        raise Conflict(
            _(
                "Nothing was imported: %(email)s registered in the meantime.",
                email=sorted(taken)[0],
            )
        )
    users = [_invited_researcher(row, institution) for row in rows]
    staging.mark_confirmed(batch)
    events.commit()
    for user in users:
        mail_password_link(user, _("Your matchmaker account"), "invitation")
    return len(users)


def _invited_researcher(row: StaffRow, institution: Institution) -> User:
    user = User(
        email=row.email, full_name=row.full_name, role=Role.RESEARCHER, institution_id=institution.id,
        active=False, invitation_pending=True,
    )  # fmt: skip
    db.session.add(user)
    db.session.add(
        ResearcherProfile(
            user=user,
            department=row.department,
            position=row.position,
            keywords=[],
            links=[],
            academic_title=row.academic_title or None,
            degree=row.degree or None,
        )  # fmt: skip
    )
    return user
