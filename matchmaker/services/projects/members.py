"""A project's team members with an account: naming them, their confirmation, and the projects of a researcher.

Whoever registers or edits a project may pick team members among the platform's researchers (people
without an account stay names in ``Project.team``). A researcher so named is only asked: the link waits as
pending until they confirm it or decline it (declining removes it). Only confirmed links count as their
work, in matching as on their profile; a researcher naming themselves is linked at once
(``policy.may_link_member_directly``). The principal investigator is never also a member, and taking a
member off the team removes the link. One link per project and researcher: a unique constraint, and edits
of one project wait for each other (``locking``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import (
    MemberStatus,
    Project,
    ProjectMember,
    ResearcherProfile,
    Role,
    User,
    utcnow,
)
from matchmaker.services import events, policy
from matchmaker.services.errors import Conflict, NotAllowed, ServiceError
from matchmaker.services.messaging import notifications

MEMBERS_MAX = 50


def member_choices(project: Project | None) -> list[User]:
    """The researchers who may be picked as team members, with the project's current members."""
    current = [m.user_id for m in project.members] if project is not None else []
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                sa.or_(
                    sa.and_(User.active.is_(True), User.role == Role.RESEARCHER),
                    User.id.in_(current),
                )
            )
            .options(selectinload(User.institution))
            .order_by(User.full_name, User.id)
        )
    )


def _same_name(a: str, b: str) -> bool:
    return normalise(a).casefold() == normalise(b).casefold()


def _new_members(ids: list[int]) -> dict[int, User]:
    found = {
        u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))
    }
    if any(not policy.may_be_named_team_member(found.get(i)) for i in ids):
        raise ServiceError(
            _("Choose team members from the list of researchers."), field="member_ids"
        )
    return found


def sync_members(user: User, project: Project, member_ids: Sequence[int]) -> None:
    """Make the project's linked team the researchers ``member_ids`` (flushed; requests are sent after the
    commit): links not wanted any more are removed, new ones are asked to confirm."""
    pis = {project.pi_id, project.pending_pi_id}
    wanted = [i for i in dict.fromkeys(member_ids) if i not in pis]
    if len(wanted) > MEMBERS_MAX:
        raise ServiceError(
            _("At most %(n)d team members.", n=MEMBERS_MAX), field="member_ids"
        )
    current = {m.user_id: m for m in project.members}
    named = _new_members([i for i in wanted if i not in current])
    for user_id, link in current.items():
        if user_id not in wanted:
            project.members.remove(link)
    for named_user in named.values():
        direct = policy.may_link_member_directly(user, named_user)
        project.members.append(
            ProjectMember(
                user_id=named_user.id, invited_by_id=user.id,
                status=MemberStatus.CONFIRMED if direct else MemberStatus.PENDING,
                confirmed_at=utcnow() if direct else None,
            )
        )  # fmt: skip
    try:
        db.session.flush()
    except IntegrityError:  # another request linked one of them a moment ago
        db.session.rollback()
        raise Conflict(
            _("The team was changed at the same moment: check it and save again."),
            field="member_ids",
        ) from None
    # A person linked by their account is not listed a second time among the names.
    linked = [m.user.full_name for m in project.members]
    project.team = [
        n for n in project.team if not any(_same_name(n, x) for x in linked)
    ]
    for named_user in named.values():
        if not policy.may_link_member_directly(user, named_user):
            notifications.notify(
                named_user, "project_member_requested",
                {"who": user.full_name, "title": project.title},
                "projects.detail", project_id=project.id,
            )  # fmt: skip


@dataclass(frozen=True)
class TeamEntry:
    """One person of a project's team as its page shows them."""

    name: str
    profile_id: int | None = (
        None  # a confirmed member's profile, if the viewer may open it
    )
    awaiting: bool = False  # named, not yet confirmed


def team_view(project: Project, viewer: User) -> list[TeamEntry]:
    """The team: members with an account (confirmed ones with their profile), then the other names."""
    linked = [m for m in project.members if m.user.active]
    profiles = {
        p.user_id: p
        for p in db.session.scalars(
            sa.select(ResearcherProfile).where(
                ResearcherProfile.user_id.in_([m.user_id for m in linked])
            )
        )
    }
    entries = []
    for member in linked:
        profile = profiles.get(member.user_id)
        shown = (
            profile is not None
            and member.is_confirmed
            and policy.may_view_profile(viewer, profile)
        )
        entries.append(
            TeamEntry(
                member.user.full_name,
                profile.id if shown else None,
                awaiting=not member.is_confirmed,
            )
        )
    return entries + [TeamEntry(name) for name in project.team]


def is_asked_to_join(user: User, project: Project) -> bool:
    """Whether ``user`` is named on the project's team and has yet to confirm or decline."""
    return user.is_authenticated and any(
        m.user_id == user.id and not m.is_confirmed for m in project.members
    )


def answer_member_request(user: User, project_id: int, confirm: bool) -> Project:
    """The named researcher confirms (the project counts as their work) or declines being on its team."""
    if not user.is_authenticated:
        raise NotAllowed(_("There is nothing for you to confirm on this project."))
    waiting = (
        ProjectMember.project_id == project_id,
        ProjectMember.user_id == user.id,
        ProjectMember.status == MemberStatus.PENDING,
    )
    invited_by_id = db.session.scalar(
        sa.select(ProjectMember.invited_by_id).where(*waiting)
    )
    now = utcnow()
    # Compare-and-set: only the request still waiting for this user is answered, and only once.
    stmt = (
        sa.update(ProjectMember).where(*waiting)
        .values(status=MemberStatus.CONFIRMED, confirmed_at=now, updated_at=now)
        if confirm else sa.delete(ProjectMember).where(*waiting)
    )  # fmt: skip
    result = db.session.execute(stmt.execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise NotAllowed(_("There is nothing for you to confirm on this project."))
    project = db.session.get(Project, project_id)
    db.session.refresh(project)
    db.session.expire(project, ["members"])
    inviter = db.session.get(User, invited_by_id) if invited_by_id else None
    if inviter is not None and inviter.active and inviter.id != user.id:
        kind = "project_member_confirmed" if confirm else "project_member_declined"
        notifications.notify(
            inviter, kind, {"who": user.full_name, "title": project.title},
            "projects.detail", project_id=project.id,
        )  # fmt: skip
    events.changed("project", project.id)
    events.commit()
    return project


def _by_recency(stmt: sa.Select) -> list[Project]:
    return list(
        db.session.scalars(
            stmt.options(selectinload(Project.institution)).order_by(
                sa.func.coalesce(Project.end_year, Project.start_year)
                .desc()
                .nulls_last(),
                Project.id.desc(),
            )
        )
    )


def projects_led(user_id: int) -> list[Project]:
    """The projects ``user_id`` leads as confirmed principal investigator, the most recent first."""
    return _by_recency(sa.select(Project).where(Project.pi_id == user_id))


def projects_joined(user_id: int) -> list[Project]:
    """The projects on whose team ``user_id`` confirmed being, the most recent first."""
    return _by_recency(
        sa.select(Project)
        .join(ProjectMember, ProjectMember.project_id == Project.id)
        .where(
            ProjectMember.user_id == user_id,
            ProjectMember.status == MemberStatus.CONFIRMED,
        )
    )
