"""Enterprise profiles: creating, editing, listing and inviting colleagues."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from matchmaker.extensions import db
from matchmaker.matching.text import fold, normalise
from matchmaker.models import Enterprise, EnterpriseSize, Role, User
from matchmaker.services import events, policy, text_filter
from matchmaker.services.accounts import users
from matchmaker.services.errors import Conflict, NotAllowed, ServiceError
from matchmaker.services.messaging import notifications
from matchmaker.services.pagination import paginate
from matchmaker.validators import InvalidValue, normalise_tax_code, normalise_url

_SLUG_RE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class EnterpriseInput:
    """What a representative types on the enterprise profile form."""

    name: str
    tax_code: str
    sector: str = ""
    size: EnterpriseSize | None = None
    address: str = ""
    district: str = ""
    website: str = ""


def ensure_can_manage(user: User | None, enterprise: Enterprise) -> None:
    """Raise NotAllowed unless ``user`` may change ``enterprise`` and its needs."""
    if not policy.may_manage_enterprise(user, enterprise):
        raise NotAllowed(_("Only the enterprise's representatives can do this."))


def needs_profile(user: User | None) -> bool:
    """True for an enterprise representative who has not created or joined an enterprise yet."""
    return (
        user is not None and user.role == Role.ENTERPRISE and user.enterprise_id is None
    )


def _clean(data: EnterpriseInput) -> dict:
    try:
        tax_code = normalise_tax_code(data.tax_code)
    except InvalidValue as error:
        raise ServiceError(str(error.message), field="tax_code") from None
    website = normalise(data.website)
    if website:
        try:
            website = normalise_url(website)
        except InvalidValue as error:
            raise ServiceError(str(error.message), field="website") from None
    name = normalise(data.name)
    if not name:
        raise ServiceError(_("Enter the enterprise's name."), field="name")
    return {
        "name": name,
        "tax_code": tax_code,
        "sector": normalise(data.sector),
        "size": data.size,
        "address": normalise(data.address),
        "district": normalise(data.district),
        "website": website or None,
    }


def _ensure_unique_tax_code(tax_code: str, own_id: int | None = None) -> None:
    stmt = sa.select(Enterprise.id).where(Enterprise.tax_code == tax_code)
    if own_id is not None:
        stmt = stmt.where(Enterprise.id != own_id)
    if db.session.scalar(stmt) is not None:
        raise Conflict(
            _(
                "An enterprise with this tax code is already registered. "
                "Ask one of its representatives to invite you."
            ),
            field="tax_code",
        )


def _unique_slug(name: str) -> str:
    base = _SLUG_RE.sub("-", fold(name).lower()).strip("-")[:70] or "enterprise"
    taken = set(
        db.session.scalars(
            sa.select(Enterprise.slug).where(Enterprise.slug.like(f"{base}%"))
        )
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_enterprise(user: User, data: EnterpriseInput) -> Enterprise:
    """Create the enterprise of a representative who has none yet, and make them its representative."""
    if not needs_profile(user):
        raise NotAllowed(
            _("Only an enterprise representative without an enterprise can do this.")
        )
    values = _clean(data)
    _ensure_unique_tax_code(values["tax_code"])
    enterprise = Enterprise(slug=_unique_slug(values["name"]), **values)
    db.session.add(enterprise)
    user.enterprise = enterprise
    events.commit()
    return enterprise


def update_enterprise(
    user: User, enterprise: Enterprise, data: EnterpriseInput
) -> None:
    """Change the enterprise's profile (its representatives or an administrator)."""
    ensure_can_manage(user, enterprise)
    values = _clean(data)
    _ensure_unique_tax_code(values["tax_code"], own_id=enterprise.id)
    for key, value in values.items():
        setattr(enterprise, key, value)
    events.commit()


def invite_colleague(
    inviter: User, enterprise: Enterprise, full_name: str, email: str
) -> User:
    """Create a representative account for a colleague; they choose a password from the mailed link."""
    ensure_can_manage(inviter, enterprise)
    if not normalise(full_name):
        raise ServiceError(_("Enter the colleague's name."), field="full_name")
    # One unit of work: the account, already linked to the enterprise, and the invitation that names the inviter.
    colleague = users.new_user(email, full_name, Role.ENTERPRISE, enterprise=enterprise)
    notifications.notify(
        colleague,
        "colleague_invited",
        {"who": inviter.full_name, "enterprise": enterprise.name},
        "enterprises.detail",
        enterprise_id=enterprise.id,
    )
    with events.quiet("notes"):  # in-app only: the invitation e-mail says it
        events.commit()
    users.mail_invitation(colleague, inviter, enterprise)
    return colleague


def representatives(enterprise: Enterprise) -> list[User]:
    """The enterprise's active representatives, by name."""
    stmt = (
        sa.select(User)
        .where(
            User.enterprise_id == enterprise.id,
            User.role == Role.ENTERPRISE,
            User.active.is_(True),
        )
        .order_by(User.full_name)
    )
    return list(db.session.scalars(stmt))


def list_enterprises(
    page: int, query: str = "", size: EnterpriseSize | None = None, per_page: int = 20
):
    """Enterprises by name, optionally filtered by a name/sector/district fragment and size class."""
    stmt = sa.select(Enterprise).order_by(Enterprise.name, Enterprise.id)
    if size is not None:
        stmt = stmt.where(Enterprise.size == size)
    if query := text_filter.query_text(query):
        stmt = stmt.where(
            text_filter.contains(
                query,
                Enterprise.name,
                Enterprise.sector,
                Enterprise.district,
                Enterprise.tax_code,
            )
        )
    return paginate(stmt, page, per_page)
