"""Writing to one Whoosh index version: small upsert/delete commits and chunked bulk loads."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import whoosh.index

from .codec import Codec
from .documents import IndexDoc
from .schema import to_fields

Progress = Callable[[int], None]
PROGRESS_EVERY = 1000
CHUNK_DOCS = 8000  # per indexing process
LIMIT_MB = 768


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


def _unique(docs: Iterable[IndexDoc]) -> Iterator[IndexDoc]:
    seen: set[str] = set()
    for doc in docs:
        if doc.key not in seen:
            seen.add(doc.key)
            yield doc


def _batched(items: Iterable[IndexDoc], size: int) -> Iterator[list[IndexDoc]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def fill(
    ix: whoosh.index.Index,
    docs: Iterable[IndexDoc],
    progress: Progress | None,
    procs: int,
) -> int:
    """Add ``docs`` to a fresh index, one segment per process per chunk; return how many were added.

    Chunks keep each writer's posting pool in memory: a pool that overflows ``limitmb`` is sorted
    on disk, which is several times slower.
    """
    count = 0
    for chunk in _batched(_unique(docs), CHUNK_DOCS * procs):
        if procs > 1:
            writer = ix.writer(
                procs=procs, multisegment=True, limitmb=LIMIT_MB, codec=Codec()
            )
        else:
            writer = ix.writer(limitmb=LIMIT_MB, codec=Codec())
        try:
            for doc in chunk:
                writer.add_document(**to_fields(doc))
                count += 1
                if progress is not None and count % PROGRESS_EVERY == 0:
                    progress(count)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(merge=False)
    return count
