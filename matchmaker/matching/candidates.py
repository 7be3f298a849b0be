"""Per-candidate arrays (metadata, scores) used to filter and group scores without Python loops."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matchmaker.matching.types import CandidateMeta, QueryFilter


@dataclass(frozen=True)
class Scored:
    """Candidate scores with the rows (documents or units) behind them, runs of rows per candidate."""

    candidates: np.ndarray
    totals: np.ndarray
    rows: np.ndarray
    scores: np.ndarray
    starts: np.ndarray

    def best_row(self, position: int) -> int:
        """The best-scoring row of the candidate at ``position``."""
        start = self.starts[position]
        stop = (
            self.starts[position + 1]
            if position + 1 < len(self.starts)
            else len(self.rows)
        )
        return int(self.rows[start + np.argmax(self.scores[start:stop])])


_EMPTY = np.empty(0, dtype=np.int64)
NOBODY = Scored(_EMPTY, np.empty(0), _EMPTY, np.empty(0), _EMPTY)


def joined(first: Scored, second: Scored) -> Scored:
    """Scores of two disjoint sets of candidates as one."""
    return Scored(
        np.concatenate((first.candidates, second.candidates)),
        np.concatenate((first.totals, second.totals)),
        np.concatenate((first.rows, second.rows)),
        np.concatenate((first.scores, second.scores)),
        np.concatenate((first.starts, second.starts + len(first.rows))),
    )


class CandidateTable:
    """Candidates in insertion order with their metadata as NumPy arrays."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.index: dict[str, int] = {}
        self.metas: list[CandidateMeta] = []
        self.active = np.zeros(0, dtype=bool)
        self.available = np.zeros(0, dtype=bool)
        self.public = np.zeros(0, dtype=bool)
        self.kind = np.zeros(0, dtype=np.int64)
        self.institution = np.zeros(0, dtype=np.int64)
        self.field_masks: dict[str, np.ndarray] = {}
        self._codes: dict[tuple[str, str], int] = {}

    @classmethod
    def build(cls, entries: list[tuple[str, CandidateMeta]]) -> CandidateTable:
        """Table of ``(candidate_id, meta)`` entries, in that order."""
        table = cls()
        table.ids = [candidate_id for candidate_id, _ in entries]
        table.index = {candidate_id: at for at, candidate_id in enumerate(table.ids)}
        table.metas = [meta for _, meta in entries]
        table.active = np.ones(len(entries), dtype=bool)
        table.available = np.array([m.available for m in table.metas], dtype=bool)
        table.public = np.array([m.public for m in table.metas], dtype=bool)
        table.kind = np.array(
            [table._code("kind", m.institution_kind) for m in table.metas]
        )
        institutions = [
            table._code("institution", m.institution_id) for m in table.metas
        ]
        table.institution = np.array(institutions, dtype=np.int64)
        for at, meta in enumerate(table.metas):
            for name in meta.fields:
                table.field_masks.setdefault(name, np.zeros(len(entries), dtype=bool))[
                    at
                ] = True
        return table

    def __len__(self) -> int:
        return len(self.ids)

    def put(self, candidate_id: str, meta: CandidateMeta) -> int:
        """Add or update a candidate; return its index."""
        at = self.index.get(candidate_id)
        if at is None:
            at = self._grow(candidate_id)
        self.metas[at] = meta
        self.active[at] = True
        self.available[at] = meta.available
        self.public[at] = meta.public
        self.kind[at] = self._code("kind", meta.institution_kind)
        self.institution[at] = self._code("institution", meta.institution_id)
        for name, mask in self.field_masks.items():
            mask[at] = name in meta.fields
        for name in meta.fields - self.field_masks.keys():
            self.field_masks[name] = np.zeros(len(self.ids), dtype=bool)
            self.field_masks[name][at] = True
        return at

    def deactivate(self, at: int) -> None:
        """Hide a removed candidate from every query."""
        self.active[at] = False

    def eligible(self, candidates: np.ndarray, where: QueryFilter | None) -> np.ndarray:
        """Boolean mask over ``candidates`` (indices) of those passing ``where``."""
        keep = self.active[candidates].copy()
        if where is None:
            return keep
        if where.available_only:
            keep &= self.available[candidates]
        if where.public_only:
            keep &= self.public[candidates]
        if where.institution_kinds is not None:
            codes = [
                self._codes.get(("kind", kind), -2) for kind in where.institution_kinds
            ]
            keep &= np.isin(self.kind[candidates], codes)
        if where.fields is not None:
            in_field = np.zeros(len(candidates), dtype=bool)
            for name in where.fields & self.field_masks.keys():
                in_field |= self.field_masks[name][candidates]
            keep &= in_field
        for candidate_id in where.exclude_ids:
            at = self.index.get(candidate_id)
            if at is not None:
                keep &= candidates != at
        return keep

    def _grow(self, candidate_id: str) -> int:
        at = len(self.ids)
        self.ids.append(candidate_id)
        self.index[candidate_id] = at
        self.metas.append(CandidateMeta())
        for name in ("active", "available", "public", "kind", "institution"):
            setattr(self, name, _appended(getattr(self, name)))
        for name, mask in self.field_masks.items():
            self.field_masks[name] = _appended(mask)
        return at

    def _code(self, kind: str, value: str | None) -> int:
        if value is None:
            return -1
        return self._codes.setdefault((kind, value), len(self._codes))


def _appended(values: np.ndarray) -> np.ndarray:
    """``values`` with one zero (or False) more, same dtype."""
    return np.concatenate((values, np.zeros(1, dtype=values.dtype)))


def aggregate(
    rows: np.ndarray,
    scores: np.ndarray,
    row_candidate: np.ndarray,
    n_docs: np.ndarray,
    top_docs: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of each candidate's ``top_docs`` best document scores (documents not given score 0).

    ``rows`` must be ascending and the live rows of one candidate contiguous, so candidates form runs.

    Returns
    -------
    candidates, scores, starts : ndarray
        Candidate indices, their scores, and where each candidate's run starts in ``rows``.
    """
    if not len(rows):
        empty = np.empty(0, dtype=np.int64)
        return empty, np.empty(0), empty
    owner = row_candidate[rows]
    starts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
    candidates = owner[starts]
    if len(starts) == len(rows):
        # One row per candidate: its score over its number of documents.
        sizes = n_docs[candidates]
        divisor = sizes if top_docs is None else np.minimum(sizes, top_docs)
        return candidates, scores / np.maximum(divisor, 1), starts
    sums = np.add.reduceat(scores, starts)
    counts = np.diff(np.append(starts, len(rows)))
    if top_docs is not None and (counts > top_docs).any():
        sums = _top_sums(scores, starts, counts, sums, top_docs)
    sizes = n_docs[candidates]
    divisor = sizes if top_docs is None else np.minimum(sizes, top_docs)
    return candidates, sums / np.maximum(divisor, 1), starts


def _top_sums(
    scores: np.ndarray,
    starts: np.ndarray,
    counts: np.ndarray,
    sums: np.ndarray,
    top: int,
) -> np.ndarray:
    """Replace the sums of runs longer than ``top`` by the sum of their ``top`` largest scores."""
    label = np.repeat(np.arange(len(starts)), counts)
    long_run = (counts > top)[label]
    label, values = label[long_run], scores[long_run]
    order = np.lexsort((-values, label))
    label, values = label[order], values[order]
    first = np.flatnonzero(np.r_[True, label[1:] != label[:-1]])
    rank = np.arange(len(label)) - np.repeat(first, np.diff(np.r_[first, len(label)]))
    keep = rank < top
    out = sums.copy()
    over = np.flatnonzero(counts > top)
    out[over] = np.bincount(label[keep], weights=values[keep], minlength=len(starts))[
        over
    ]
    return out
