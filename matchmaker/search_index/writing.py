"""Writing to one Whoosh index version: small upsert and delete commits (rebuilds: loading.py)."""

from __future__ import annotations

from typing import Any

import whoosh.index

from .codec import Codec
from .schema import to_fields


def apply_ops(
    ix: whoosh.index.Index, ops: list[tuple[str, Any]], timeout: float
) -> None:
    """Apply upserts and deletes in one commit."""
    if not ops:
        return
    writer = ix.writer(timeout=timeout, delay=0.05, codec=Codec())
    try:
        for op, value in ops:
            if op == "upsert":
                writer.update_document(**to_fields(value))
            else:
                writer.delete_by_term("key", value)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
