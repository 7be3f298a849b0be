"""What each person may see of a research order: its text, its budget figures, its history and its files.

One rule, :func:`visible_parts`, answers for every role; pages, downloads, the search index and the matching
corpus all ask it, so text and files never disagree:

- city officials and administrators (staff) see every part of every order;
- everybody else, the task's principal investigator and team included, sees a published order's public
  parts only: the parts an official did not mark internal. The history of steps (its notes and files) is
  the officials' working record: staff only.

Files follow the part they belong to: an order's own file needs the ``attachments`` part and, unless the
viewer is staff, the file's own "public" mark; a history step's file needs the ``history`` part.
(A proposal's files follow the proposal, a progress report's file the work on the task: their own rules.)
"""

from __future__ import annotations

from collections.abc import Mapping

from matchmaker.models import ResearchOrder, User
from matchmaker.services.orders import lifecycle as orders

# Text parts of an order: the beneficiary is always public, the others may be kept internal.
TEXT_PARTS = ("beneficiary", "necessity", "objectives", "main_content", "expected_products")  # fmt: skip
# The history of steps, with its notes and files: besides ``orders.PARTS``, the other part a rule speaks of.
HISTORY = "history"


def all_parts() -> frozenset[str]:
    """Every part a rule speaks of: the parts an official may keep internal, and the history."""
    return frozenset({*orders.PARTS, HISTORY})


def _is_staff(viewer: User | None) -> bool:
    return viewer is not None and viewer.is_authenticated and orders.is_staff(viewer)


def public_parts(order: ResearchOrder) -> frozenset[str]:
    """The parts of ``order`` anyone may read once it is published (whatever its state now)."""
    return frozenset(orders.PARTS) - set(order.internal_parts or ())


def visible_parts(viewer: User | None, order: ResearchOrder) -> frozenset[str]:
    """The parts of ``order`` that ``viewer`` may see: everything for staff; for anyone else the public
    parts of a published order, and nothing of an unpublished one."""
    if _is_staff(viewer):
        return all_parts()
    if order.state not in orders.PUBLIC_STATES:
        return frozenset()
    return public_parts(order)


def may_see(viewer: User | None, order: ResearchOrder, part: str) -> bool:
    """Whether ``viewer`` may see ``part`` (a name in ``orders.PARTS``, or ``"history"``) of ``order``."""
    return part in visible_parts(viewer, order)


def shows_budget(viewer: User | None, order: ResearchOrder) -> bool:
    """Budget figures (state budget, co-funding, contract value, tranches, disbursements) for ``viewer``."""
    return may_see(viewer, order, "budget")


def public_text(order: ResearchOrder) -> Mapping[str, str]:
    """The order's text parts that are public once it is published, by name, in page order.

    The search index and the matching corpus are built from this (and the title) only, so nothing
    marked internal ever reaches a search result, a match, a score or a "why" line.
    """
    public = public_parts(order) | {"beneficiary"}
    return {
        part: getattr(order, part) or ""
        for part in TEXT_PARTS
        if part in public and getattr(order, part)
    }


def may_download_order_file(
    viewer: User | None,
    order: ResearchOrder,
    *,
    public: bool,
    history_step: bool,
) -> bool:
    """Whether ``viewer`` may download a file of ``order`` itself (``history_step``: kept with a step)."""
    if history_step:
        return may_see(viewer, order, HISTORY)
    return may_see(viewer, order, "attachments") and (public or _is_staff(viewer))
