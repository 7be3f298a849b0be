"""Per-candidate arrays (document rows, metadata) used to filter and group scores without Python loops."""

from __future__ import annotations

import numpy as np

from matchmaker.matching.types import CandidateMeta, QueryFilter


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
