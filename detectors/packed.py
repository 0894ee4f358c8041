"""Records by key, packed into three flat buffers that forked processes share unchanged.

A dictionary of a million Python objects is a million reference counts: every look-up writes to
the object it returns, so each memory page a forked server worker reads from is copied into
that worker sooner or later, and the "shared" data ends up once per worker. :class:`PackedRecords`
keeps every record as JSON in one ``bytes`` buffer, found through a sorted array of 64-bit key
hashes and an array of end offsets (NumPy): a look-up only reads those buffers and decodes the
one record it wants, so the pages stay shared. It is also several times smaller than the same
records as Python objects.

>>> table = PackedRecords([("C1", {"name": "张伟"}), ("C2", [1, 2])])
>>> table.get("C1"), table.get("C2"), table.get("C3"), len(table)
({'name': '张伟'}, [1, 2], None, 2)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import orjson

__all__ = ["PackedRecords"]


def _hash(key: str) -> int:
    """A 64-bit hash of the key that is the same in every process (``hash()`` is not)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def _mapped(path: Path) -> np.ndarray:
    """An array :func:`numpy.save` wrote, mapped read-only (an empty one cannot be mapped)."""
    try:
        array: np.ndarray = np.load(path, mmap_mode="r")
    except ValueError:
        array = np.load(path)
    return array


class PackedRecords:
    """Read-only records (anything :mod:`orjson` writes) by string key.

    ``items`` are ``(key, record)`` pairs with distinct keys (a repeated key raises
    ``ValueError``). Each record is stored with its key, so two keys with the same hash are told
    apart. :attr:`nbytes` is the memory the three buffers take.
    """

    def __init__(self, items: Iterable[tuple[str, Any]]) -> None:
        pairs = list(items)
        if len({key for key, _ in pairs}) != len(pairs):
            raise ValueError("PackedRecords: keys must be distinct")
        hashes = np.fromiter((_hash(key) for key, _ in pairs), dtype=np.uint64, count=len(pairs))
        order = np.argsort(hashes, kind="stable")
        self._hashes = hashes[order]
        # Each record is appended as soon as it is written: orjson's output keeps a buffer of a
        # few kilobytes, so a list of them would take a hundred times the records' size.
        blob = bytearray()
        ends = np.empty(len(pairs), dtype=np.int64)
        for n, i in enumerate(order.tolist()):
            blob += orjson.dumps(pairs[i])
            ends[n] = len(blob)
        self._ends: np.ndarray = ends
        self._blob: bytes | np.ndarray = bytes(blob)
        self._view = memoryview(self._blob)

    def save(self, prefix: Path) -> None:
        """Write the three buffers to ``<prefix>.hashes.npy``, ``.ends.npy`` and ``.blob.npy``."""
        np.save(prefix.with_name(prefix.name + ".hashes.npy"), self._hashes)
        np.save(prefix.with_name(prefix.name + ".ends.npy"), self._ends)
        np.save(prefix.with_name(prefix.name + ".blob.npy"), np.frombuffer(self._blob, dtype=np.uint8))

    @classmethod
    def load(cls, prefix: Path) -> PackedRecords:
        """The records :meth:`save` wrote, memory-mapped read-only: every process that loads
        them shares one copy, the operating system's."""
        table = cls([])
        table._hashes = _mapped(prefix.with_name(prefix.name + ".hashes.npy"))
        table._ends = _mapped(prefix.with_name(prefix.name + ".ends.npy"))
        blob = _mapped(prefix.with_name(prefix.name + ".blob.npy"))
        table._blob, table._view = blob, blob.data
        return table

    def __len__(self) -> int:
        return len(self._hashes)

    @property
    def nbytes(self) -> int:
        """Bytes held by the records, the hashes and the offsets."""
        return int(len(self._blob) + self._hashes.nbytes + self._ends.nbytes)

    def get(self, key: str) -> Any | None:
        """The record stored under ``key`` (decoded afresh: the caller may keep or change it),
        or ``None`` when there is none."""
        wanted = _hash(key)
        hashes = self._hashes
        i = int(np.searchsorted(hashes, np.uint64(wanted)))
        while i < len(hashes) and int(hashes[i]) == wanted:
            start = int(self._ends[i - 1]) if i else 0
            stored, record = orjson.loads(self._view[start:int(self._ends[i])])
            if stored == key:
                return record
            i += 1
        return None
