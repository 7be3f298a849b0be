"""Batch loads for rebuilds: bulk-written segments, in this process or in worker processes."""

# With several processes, documents go round-robin in batches to long-lived workers (spawned, so
# that no lock or thread of the caller is copied); each worker writes its own segments with a
# lock-free BulkWriter and sends them back, and this process commits them all at once while
# holding Whoosh's write lock. Round-robin, not first-come, keeps the layout deterministic.

from __future__ import annotations

import itertools
import multiprocessing
import queue
import traceback
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.process import BaseProcess
from typing import Any

import whoosh.index
from whoosh.codec.base import Segment

from .bulk import BulkWriter, commit_segments
from .codec import Codec
from .documents import IndexDoc, WorkerFailed
from .schema import to_fields

Progress = Callable[[int], None]
PROGRESS_EVERY = 1000
# A bulk writer holds its segment's postings in memory (some 300 MB per 100,000 records).
SEGMENT_DOCS = 100_000
# Fewer documents are indexed in this process: starting the workers takes a second or two.
PARALLEL_FROM = 4000
BATCH_DOCS = 500  # documents sent to a worker at a time
QUEUED_BATCHES = 4  # per worker: bounds memory and keeps the worker busy
POLL_SECONDS = 0.5
JOIN_SECONDS = 30


def load(
    ix: whoosh.index.Index,
    docs: Iterable[IndexDoc],
    progress: Progress | None = None,
    procs: int = 1,
) -> int:
    """Add ``docs`` to the empty index ``ix`` with ``procs`` processes; return how many were added.

    Documents repeating an earlier key are skipped; ``progress(n)`` is called every
    :data:`PROGRESS_EVERY` documents read.
    """
    owner = ix.writer(codec=Codec())  # holds the write lock and commits the segments
    unique = _UniqueDocs(docs, progress)
    try:
        head = list(itertools.islice(unique, PARALLEL_FROM if procs > 1 else 0))
        if procs > 1 and len(head) == PARALLEL_FROM:
            segments = _write_in_workers(
                ix.storage.folder, itertools.chain(head, unique), procs
            )
        else:
            segments = write_segments(ix, itertools.chain(head, unique))
    except BaseException:
        owner.cancel()
        raise
    commit_segments(owner, segments)
    return unique.count


class _UniqueDocs(Iterator[IndexDoc]):
    """The documents of an iterable whose key was not seen before, counted."""

    def __init__(self, docs: Iterable[IndexDoc], progress: Progress | None) -> None:
        self._docs = iter(docs)
        self._seen: set[str] = set()
        self._progress = progress
        self.count = 0

    def __next__(self) -> IndexDoc:
        doc = next(self._docs)
        while doc.key in self._seen:
            doc = next(self._docs)
        self._seen.add(doc.key)
        self.count += 1
        if self._progress is not None and self.count % PROGRESS_EVERY == 0:
            self._progress(self.count)
        return doc


def write_segments(ix: whoosh.index.Index, docs: Iterable[IndexDoc]) -> list[Segment]:
    """Write ``docs`` into new segments of at most :data:`SEGMENT_DOCS` each, without locking."""
    segments: list[Segment] = []
    writer: BulkWriter | None = None
    try:
        for doc in docs:
            if writer is None:
                writer = BulkWriter(ix, lock=False)
            writer.add_document(**to_fields(doc))
            if writer.doc_count() >= SEGMENT_DOCS:
                segments.append(writer.finish_segment())
                writer = None
        if writer is not None:
            segments.append(writer.finish_segment())
    except BaseException:
        if writer is not None and not writer.is_closed:
            writer._close_segment()
        raise
    return segments


def _worker(folder: str, jobs: Any, results: Any) -> None:
    """Index the batches from ``jobs`` until ``None``; put ``("ok", segments)`` or the error."""
    try:
        batches = iter(jobs.get, None)
        segments = write_segments(
            whoosh.index.open_dir(folder), itertools.chain.from_iterable(batches)
        )
        results.put(("ok", segments))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def _write_in_workers(
    folder: str, docs: Iterator[IndexDoc], procs: int
) -> list[Segment]:
    context = multiprocessing.get_context("spawn")
    jobs = [context.Queue(QUEUED_BATCHES) for _ in range(procs)]
    results = [context.Queue() for _ in range(procs)]
    workers = [
        context.Process(target=_worker, args=(folder, *queues), daemon=True)
        for queues in zip(jobs, results, strict=True)
    ]
    for worker in workers:
        worker.start()
    try:
        batches = iter(lambda: list(itertools.islice(docs, BATCH_DOCS)), [])
        for number, batch in enumerate(batches):
            turn = number % procs
            _put(jobs[turn], batch, workers[turn], results[turn])
        for job, worker, result in zip(jobs, workers, results, strict=True):
            _put(job, None, worker, result)
        found = [_result(w, r) for w, r in zip(workers, results, strict=True)]
    except BaseException:
        for job, worker in zip(jobs, workers, strict=True):
            job.cancel_join_thread()  # the batches still queued will never be read
            worker.terminate()
            worker.join()
        raise
    for worker in workers:
        worker.join(JOIN_SECONDS)
        if worker.is_alive():  # its segments are written; only its exit hangs
            worker.terminate()
            worker.join()
    return [segment for segments in found for segment in segments]


def _put(
    jobs: Any, batch: list[IndexDoc] | None, worker: BaseProcess, results: Any
) -> None:
    """Queue a batch for a worker, waiting while it is busy; raise if it has failed."""
    while True:
        try:
            jobs.put(batch, timeout=POLL_SECONDS)
            return
        except queue.Full:
            if not worker.is_alive():
                _result(worker, results)
                raise WorkerFailed("indexing process stopped early") from None


def _result(worker: BaseProcess, results: Any) -> list[Segment]:
    """The segments a worker wrote; raise its error if it failed."""
    while True:
        try:
            status, value = results.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if not worker.is_alive() and results.empty():
                raise WorkerFailed(
                    f"indexing process exited with code {worker.exitcode}"
                ) from None
            continue
        if status == "ok":
            return value
        raise WorkerFailed(f"indexing process failed:\n{value}")
