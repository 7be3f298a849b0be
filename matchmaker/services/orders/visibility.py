"""The text of a research order that anyone may read once it is published.

Who sees which part of an order is :mod:`matchmaker.services.policy`'s rule (``visible_order_parts``);
the search index and the matching corpus are built from :func:`public_text` only, so text and files never
disagree with it.
"""

from __future__ import annotations

from collections.abc import Mapping

from matchmaker.models import ResearchOrder
from matchmaker.services import policy

# Text parts of an order: the beneficiary is always public, the others may be kept internal.
TEXT_PARTS = ("beneficiary", "necessity", "objectives", "main_content", "expected_products")  # fmt: skip


def public_text(order: ResearchOrder) -> Mapping[str, str]:
    """The order's text parts that are public once it is published, by name, in page order.

    The search index and the matching corpus are built from this (and the title) only, so nothing
    marked internal ever reaches a search result, a match, a score or a "why" line.
    """
    public = policy.public_order_parts(order) | {"beneficiary"}
    return {
        part: getattr(order, part) or ""
        for part in TEXT_PARTS
        if part in public and getattr(order, part)
    }
