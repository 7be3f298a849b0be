"""A Whoosh 3 codec variant whose posting blocks hold raw arrays, for numpy decoding."""

# Whoosh pickles each block's ids and weights as tuples of Python numbers; decoding those costs
# more than anything else in a query. Here ids are stored as uint32 deltas and weights as float32
# bytes, which numpy reads without a per-posting Python loop. Whoosh's own matchers (used for
# merges, deletes by term and type-ahead) decode the same blocks through the subclassed matcher.

from __future__ import annotations

import pickle
import struct
import zlib
from array import array
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3LeafMatcher,
    W3PostingsWriter,
)
from whoosh.system import pack_int
from whoosh.util.numeric import length_to_byte

IDS_DTYPE = np.dtype("<u4")
WEIGHTS_DTYPE = np.dtype("<f4")
SMALL_BLOCK = 32  # below this many postings, plain Python beats numpy's call overhead
COMPRESS_FROM = 128  # bytes of pickled block data; zlib cannot shrink less by much


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

    def add_arrays(
        self, ids: np.ndarray, weights: np.ndarray, values: bytes | None
    ) -> None:
        """Add a whole posting list at once, between ``start_postings`` and ``finish_postings``.

        ``ids`` are ascending docnums and ``values`` the fixed-size values of all postings joined
        (``None`` for a format without values). The blocks are those ``add_posting`` would write.
        """
        limit, count = self._blocklimit, len(ids)
        size = len(values) // count if values else 0
        for start in range(0, count, limit):
            end = min(start + limit, count)
            if end - start <= SMALL_BLOCK:  # most lists: Python lists beat numpy calls
                block_weights = weights[start:end].tolist()
                self._ids = array("I", ids[start:end].tolist())
                self._weights = array("f", block_weights)
                self._maxweight = float(max(block_weights))
            else:
                self._ids = array("I", ids[start:end].astype(IDS_DTYPE).tobytes())
                self._weights = array(
                    "f", weights[start:end].astype(WEIGHTS_DTYPE).tobytes()
                )
                self._maxweight = float(weights[start:end].max())
            self._values = values[start * size : end * size] if size else []
            self._write_block(last=end == count)

    def _write_block(self, last: bool = False) -> None:
        """Write the buffered block as Whoosh does, but leave small blocks uncompressed.

        Whoosh meant to skip compressing tiny blocks but overwrites that decision; compressing
        a one-posting block costs more than writing it. Each block header says whether its data
        is compressed, so readers need no change.
        """
        self._terminfo.add_block(self)
        data = pickle.dumps(
            (self._mini_ids(), self._mini_weights(), self._mini_values()), 2
        )
        compression = self._compression if len(data) >= COMPRESS_FROM else 0
        if compression:
            data = zlib.compress(data, compression)
        ids = self._ids
        info = pickle.dumps(
            (
                len(ids),
                ids[-1],
                self._maxweight,
                compression,
                length_to_byte(self._minlength),
                length_to_byte(self._maxlength),
            ),
            2,
        )
        length = len(info) + len(data)
        self._postfile.write(
            b"".join(
                (
                    b"" if self._blockcount else WHOOSH3_HEADER_MAGIC,
                    pack_int(-length if last else length),  # negative: the last block
                    info,
                    data,
                )
            )
        )
        self._blockcount += 1
        self._new_block()

    def _mini_ids(self) -> Any:
        if self._byteids:
            return super()._mini_ids()
        ids = self._ids
        if len(ids) > SMALL_BLOCK and isinstance(ids, array):
            return (
                np.diff(np.frombuffer(ids, dtype=np.uint32), prepend=0)
                .astype(IDS_DTYPE)
                .tobytes()
            )
        # struct beats numpy here: most posting lists are a handful of ids long.
        return struct.pack(
            f"<{len(ids)}I", *[b - a for a, b in zip([0, *ids], ids, strict=False)]
        )

    def _mini_weights(self) -> Any:
        weights = self._weights
        if len(weights) > SMALL_BLOCK and isinstance(weights, array):
            found = np.frombuffer(weights, dtype=np.float32)
            if (found == 1.0).all():
                return None
            if (found == found[0]).all():
                return weights[0]
            return found.astype(WEIGHTS_DTYPE).tobytes()
        weights = super()._mini_weights()
        if isinstance(weights, tuple):
            return struct.pack(f"<{len(weights)}f", *weights)
        return weights

    def _mini_values(self) -> Any:
        if isinstance(self._values, bytes):  # from add_arrays: already joined
            return self._values
        return super()._mini_values()


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
