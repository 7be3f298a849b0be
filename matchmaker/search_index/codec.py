"""A Whoosh 3 codec variant whose posting blocks hold raw arrays, for numpy decoding."""

# Whoosh pickles each block's ids and weights as tuples of Python numbers; decoding those costs
# more than anything else in a query. Here ids are stored as uint32 deltas and weights as float32
# bytes, which numpy reads without a per-posting Python loop. Whoosh's own matchers (used for
# merges, deletes by term and type-ahead) decode the same blocks through the subclassed matcher.

from __future__ import annotations

import struct
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PostingsWriter

IDS_DTYPE = np.dtype("<u4")
WEIGHTS_DTYPE = np.dtype("<f4")


class ArrayPostingsWriter(W3PostingsWriter):
    """Writes ids and weights of each block as raw arrays."""

    def add_posting(
        self, id_: Any, weight: float, vbytes: bytes, length: int | None = None
    ) -> None:
        """Buffer one posting; Whoosh's version also type-checks every posting and tracks lengths."""
        if len(self._ids) >= self._blocklimit:
            self._write_block()
        self._ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        if vbytes:
            self._values.append(vbytes)

    def _mini_ids(self) -> Any:
        if self._byteids:
            return super()._mini_ids()
        ids = self._ids
        # struct beats numpy here: most posting lists are a handful of ids long.
        return struct.pack(
            f"<{len(ids)}I", *[b - a for a, b in zip([0, *ids], ids, strict=False)]
        )

    def _mini_weights(self) -> Any:
        weights = super()._mini_weights()
        if isinstance(weights, tuple):
            return struct.pack(f"<{len(weights)}f", *weights)
        return weights


def decode_ids(data: Any) -> np.ndarray:
    """Docnums of a block: raw uint32 deltas, or Whoosh's tuple of deltas."""
    if isinstance(data, bytes):
        return np.cumsum(np.frombuffer(data, dtype=IDS_DTYPE), dtype=np.int64)
    return np.cumsum(np.asarray(data, dtype=np.int64))


def decode_weights(data: Any, count: int) -> np.ndarray:
    """Weights of a block: ``None`` (all 1), one number for all, raw float32, or a tuple."""
    if data is None:
        return np.ones(count, dtype=np.float64)
    if isinstance(data, float | int):
        return np.full(count, float(data))
    if isinstance(data, bytes):
        return np.frombuffer(data, dtype=WEIGHTS_DTYPE).astype(np.float64)
    return np.asarray(data, dtype=np.float64)


class ArrayLeafMatcher(W3LeafMatcher):
    """Whoosh's leaf matcher, decoding the raw array blocks."""

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        if self._byteids or not isinstance(self._data[0], bytes):
            super()._read_ids()
            return
        self._ids = decode_ids(self._data[0]).tolist()

    def _read_weights(self) -> None:
        if self._data is None:
            self._read_data()
        if not isinstance(self._data[1], bytes):
            super()._read_weights()
            return
        self._weights = np.frombuffer(self._data[1], dtype=WEIGHTS_DTYPE).tolist()


class Codec(W3Codec):
    """Whoosh 3 codec with array blocks, big blocks and no per-block length statistics.

    Queries read whole posting lists (see engine.py), so big blocks mean less overhead, and our
    scoring does not use Whoosh's length statistics.
    """

    length_stats = False

    def __init__(
        self, blocklimit: int = 1024, compression: int = 3, inlinelimit: int = 1
    ) -> None:
        super().__init__(
            blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit
        )

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> W3PostingsWriter:
        """Return a writer of array blocks."""
        return ArrayPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(
        self,
        dbfile: Any,
        terminfo: Any,
        format_: Any,
        term: Any = None,
        scorer: Any = None,
    ) -> Any:
        """Return a matcher that understands array blocks."""
        if terminfo.is_inlined():
            return super().postings_reader(
                dbfile, terminfo, format_, term=term, scorer=scorer
            )
        offset, length = terminfo.extent()
        return ArrayLeafMatcher(
            dbfile, offset, length, format_, term=term, scorer=scorer
        )
