"""Load the Cần Thơ demo dataset: deterministic and idempotent."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from matchmaker.demo import orders as demo_orders
from matchmaker.demo import plan as demo_plan
from matchmaker.demo import projects as demo_projects
from matchmaker.extensions import db
from matchmaker.matching.text import normalise
from matchmaker.models import (
    Confidentiality,
    Enterprise,
    EnterpriseSize,
    Institution,
    InstitutionKind,
    InterestStatus,
    IPAsset,
    IPKind,
    IPStatus,
    NeedInterest,
    NeedStatus,
    Publication,
    ResearcherField,
    ResearcherProfile,
    Role,
    TechNeed,
    User,
    utcnow,
)
from matchmaker.models.user import hash_password
from matchmaker.services import events
from matchmaker.services.search import index as search
from matchmaker.validators import title_key

DATA_DIR = Path(__file__).resolve().parent / "data"
# Every demo account signs in with this password (documented in the README).
DEMO_PASSWORD = "CanTho-demo-2026"

Progress = Callable[[int], Any]


@cache
def _read(name: str) -> tuple[dict, ...]:
    with (DATA_DIR / f"{name}.json").open(encoding="utf-8") as handle:
        return tuple(json.load(handle))


def database_is_empty() -> bool:
    """True when no account exists yet."""
    return db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def total_steps() -> int:
    """How many records the loader walks through (for a progress bar)."""
    return (
        sum(
            len(_read(name))
            for name in ("institutions", "enterprises", "staff", "researchers")
        )
        + len(demo_orders.rows())
        + len(demo_projects.rows())
        + len(demo_plan.rows())
    )


def load_demo_data(progress: Progress | None = None) -> dict[str, int]:
    """Create every demo record that is missing; existing records are left as they are."""
    step = progress or (lambda _n: None)
    password_hash = hash_password(DEMO_PASSWORD)
    institutions = _load_institutions(step)
    enterprises = _load_enterprises(password_hash, step)
    _load_staff(institutions, password_hash, step)
    _load_researchers(institutions, password_hash, step)
    _load_needs(enterprises, step)
    db.session.commit()
    # The demo's people see their notifications in the app, no mail is sent; and one pass over
    # everything loaded rebuilds the search index, instead of an update per record.
    with events.quiet("records", "notes"):
        demo_orders.load_orders(_approving_official(), step)
        demo_projects.load_projects(step)
        demo_plan.load_plan(_approving_official(), step)
    search.rebuild()
    return {
        "institutions": db.session.scalar(sa.select(sa.func.count(Institution.id))),
        "enterprises": len(enterprises),
        "users": db.session.scalar(sa.select(sa.func.count(User.id))),
        "researchers": db.session.scalar(
            sa.select(sa.func.count(ResearcherProfile.id))
        ),
    }


# The README's demo official takes decisions on orders (approve, award, accept).
APPROVING_OFFICIAL = "official@demo.cantho.example"


def _approving_official() -> User:
    official = db.session.scalar(
        sa.select(User).where(User.email == APPROVING_OFFICIAL)
    )
    if not official.can_approve:
        official.can_approve = True
        db.session.commit()
    return official


def _text(value: Any) -> Any:
    return normalise(value) if isinstance(value, str) else value


def _load_institutions(step: Progress) -> dict[str, Institution]:
    existing = {i.slug: i for i in db.session.scalars(sa.select(Institution))}
    for row in _read("institutions"):
        if row["slug"] not in existing:
            fields = {k: _text(v) for k, v in row.items() if k != "kind"}
            institution = Institution(kind=InstitutionKind(row["kind"]), **fields)
            db.session.add(institution)
            existing[row["slug"]] = institution
        step(1)
    db.session.flush()
    return existing


def _account(
    email: str, full_name: str, role: Role, password_hash: str
) -> tuple[User, bool]:
    user = db.session.scalar(sa.select(User).where(User.email == email.lower()))
    if user is not None:
        return user, False
    user = User(
        email=email.lower(),
        full_name=normalise(full_name),
        role=role,
        password_hash=password_hash,
    )
    user.email_verified_at = utcnow()
    db.session.add(user)
    return user, True


def _load_enterprises(password_hash: str, step: Progress) -> dict[str, Enterprise]:
    existing = {e.slug: e for e in db.session.scalars(sa.select(Enterprise))}
    for row in _read("enterprises"):
        enterprise = existing.get(row["slug"])
        if enterprise is None:
            fields = {
                k: _text(v)
                for k, v in row.items()
                if k not in {"size", "representatives"}
            }
            enterprise = Enterprise(size=EnterpriseSize(row["size"]), **fields)
            db.session.add(enterprise)
            existing[row["slug"]] = enterprise
        for rep in row["representatives"]:
            user, created = _account(
                rep["email"], rep["full_name"], Role.ENTERPRISE, password_hash
            )
            if created:
                user.enterprise = enterprise
        step(1)
    db.session.flush()
    return existing


def _load_staff(
    institutions: dict[str, Institution], password_hash: str, step: Progress
) -> None:
    for row in _read("staff"):
        user, created = _account(
            row["email"], row["full_name"], Role(row["role"]), password_hash
        )
        if created:
            user.institution = institutions[row["institution"]]
        step(1)
    db.session.flush()


_PROFILE_FIELDS = (
    "academic_title", "degree", "department", "position", "priority_area", "keywords", "summary",
    "capabilities", "orcid", "open_to_orders", "public",
)  # fmt: skip


def _load_researchers(
    institutions: dict[str, Institution], password_hash: str, step: Progress
) -> None:
    for row in _read("researchers"):
        user, created = _account(
            row["email"], row["full_name"], Role.RESEARCHER, password_hash
        )
        if created:
            user.institution = institutions[row["institution"]]
            fields = {
                k: _text(row.get(k)) for k in _PROFILE_FIELDS if row.get(k) is not None
            }
            fields["keywords"] = [normalise(k) for k in row.get("keywords", [])]
            profile = ResearcherProfile(user=user, links=[], **fields)
            profile.field_rows = [
                ResearcherField(field_code=code) for code in row.get("fields", [])
            ]
            profile.publications = [
                _publication(p) for p in row.get("publications", [])
            ]
            profile.ip_assets = [_ip(a) for a in row.get("patents", [])]
            db.session.add(profile)
        step(1)
    db.session.flush()


def _publication(row: dict) -> Publication:
    title = normalise(row["title"])
    return Publication(
        title=title, title_key=title_key(title), authors=normalise(row.get("authors", "")), year=row.get("year"),
        venue=normalise(row.get("venue", "")), doi=row.get("doi"), abstract=normalise(row.get("abstract", "")),
    )  # fmt: skip


def _ip(row: dict) -> IPAsset:
    return IPAsset(
        kind=IPKind(row["kind"]), number=row.get("number", ""), title=normalise(row["title"]),
        year=row.get("year"), status=IPStatus(row["status"]),
    )  # fmt: skip


_NEED_FIELDS = ("title", "description", "desired_outcome", "targets", "trl", "priority_area", "budget_min",
                "budget_max", "cofund")  # fmt: skip


def _load_needs(enterprises: dict[str, Enterprise], step: Progress) -> None:
    existing = {
        tuple(row)
        for row in db.session.execute(sa.select(TechNeed.enterprise_id, TechNeed.title))
    }
    for row in _read("needs"):
        enterprise = enterprises[row["enterprise"]]
        title = normalise(row["title"])
        if (enterprise.id, title) not in existing:
            need = TechNeed(
                enterprise_id=enterprise.id, field_code=row.get("field"),
                deadline=date.fromisoformat(row["deadline"]) if row.get("deadline") else None,
                confidentiality=Confidentiality(row["confidentiality"]), status=NeedStatus(row["status"]),
                **{k: _text(row.get(k)) for k in _NEED_FIELDS},
            )  # fmt: skip
            db.session.add(need)
            existing.add((enterprise.id, title))
        step(1)
    db.session.flush()
    _load_interests(enterprises)


def _load_interests(enterprises: dict[str, Enterprise]) -> None:
    """Researchers' expressions of interest in the needs (the enterprise's answer, if it gave one)."""
    needs = {
        (n.enterprise_id, n.title): n for n in db.session.scalars(sa.select(TechNeed))
    }
    people = {u.email: u for u in db.session.scalars(sa.select(User).where(User.role.in_((Role.RESEARCHER, Role.ENTERPRISE))))}  # fmt: skip
    existing = {tuple(r) for r in db.session.execute(sa.select(NeedInterest.need_id, NeedInterest.user_id))}  # fmt: skip
    for row in _read("needs"):
        enterprise = enterprises[row["enterprise"]]
        need = needs[(enterprise.id, normalise(row["title"]))]
        answering = people[_representatives(row["enterprise"])[0].lower()]
        for item in row.get("interests", []):
            user = people[item["researcher"].lower()]
            if (need.id, user.id) in existing:
                continue
            status = InterestStatus(item["status"])
            decided = status != InterestStatus.PENDING
            db.session.add(NeedInterest(
                need_id=need.id, user_id=user.id, message=normalise(item["message"]), status=status,
                on_behalf_of_institution=item["on_behalf_of_institution"],
                decided_at=utcnow() if decided else None, decided_by_id=answering.id if decided else None,
            ))  # fmt: skip
            existing.add((need.id, user.id))
    db.session.flush()


def _representatives(slug: str) -> list[str]:
    """The e-mails of an enterprise's representatives in the demo data."""
    row = next(r for r in _read("enterprises") if r["slug"] == slug)
    return [rep["email"] for rep in row["representatives"]]
