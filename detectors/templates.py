"""Near-duplicate complaint letters: character shingles, MinHash and LSH banding, in numpy.

Agencies file the same formulaic letter for every customer, with names, dates and a few words
changed. Letters are cut into character 3-grams (digits folded, spaces and punctuation
dropped), each set is summarised by a MinHash signature, signatures are banded so that similar
letters land in a common bucket, and every candidate pair is checked with the exact Jaccard
similarity. Pairs at or above the threshold join one template group. The bands are laid out
for recall (see :func:`band_params`): a pair at the threshold shares a bucket with probability
at least 0.95, since a template pair LSH never proposes is lost, while a chance candidate only
costs one exact check.

Everything is vectorised over all letters at once: 100 000 letters take seconds.

>>> letters = ["本人于2019年购买保险，业务员承诺保本高收益，隐瞒退保损失，要求全额退还保费。",
...            "本人于2020年购买保险，业务员承诺保本高收益，隐瞒退保损失，要求全额退还保费！",
...            "因家中急需用钱，申请退保，谢谢。"]
>>> template_groups(letters, threshold=0.5, seed=1).tolist()
[0, 0, -1]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from graph.keys.pseudonyms import letter_sketch_shingles

__all__ = ["ShingleMatrix", "band_params", "jaccard", "letter_shingles", "letter_variants", "letters_cut_once",
           "minhash_signatures", "shingles", "template_groups"]

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def shingles(text: str, k: int = 3) -> np.ndarray:
    """Sorted unique character k-grams of a letter, as 63-bit integers.

    >>> len(shingles("要求全额退保")), len(shingles("要求 全额-退保")), len(shingles("退保"))
    (4, 4, 1)
    """
    clean = _NOISE.sub("", _DIGITS.sub("0", unicodedata.normalize("NFKC", text or "")))
    if not clean:
        return np.empty(0, dtype=np.uint64)
    codes = np.frombuffer(clean.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < k:
        codes = np.concatenate([codes, np.zeros(k - len(codes), dtype=np.uint64)])
    grams = np.zeros(len(codes) - k + 1, dtype=np.uint64)
    for i in range(k):
        grams = (grams << np.uint64(21)) | codes[i:len(codes) - k + 1 + i]
    return np.unique(grams)


def letter_shingles(letter: str) -> np.ndarray:
    """A letter's shingles: :func:`shingles` of its text, or, in a pseudonymized book, the keyed
    shingles its sketch holds (:mod:`graph.keys.pseudonyms`: the same sets, hashed, so the
    same Jaccard similarities). Inside :func:`letters_cut_once` the array is read-only.

    >>> len(letter_shingles("要求全额退保")), letter_shingles("sketch/v1:AQAAAAIAAAA=").tolist()
    (4, [1, 2])
    """
    cut = _CUT.get()
    if cut is not None and (found := cut.get(letter)) is not None:
        return found
    sketch = letter_sketch_shingles(letter) if letter else None
    grams = shingles(letter) if sketch is None else sketch
    if cut is not None:
        grams.flags.writeable = False
        cut[letter] = grams
    return grams


_CUT: ContextVar[dict[str, np.ndarray] | None] = ContextVar("letters_cut", default=None)


@contextmanager
def letters_cut_once() -> Iterator[None]:
    """Within the block :func:`letter_shingles` cuts each distinct text once and gives the same
    (read-only) array each time after: a detection run compares the book's letters in three
    steps (template groups, letter links, the rings' letters), each of which cut every letter
    again. Only the block's own context sees the texts it cut, and they go with it.

    >>> with letters_cut_once():
    ...     letter_shingles("要求全额退保") is letter_shingles("要求全额退保")
    True
    >>> letter_shingles("要求全额退保") is letter_shingles("要求全额退保")
    False
    """
    token = _CUT.set({})
    try:
        yield
    finally:
        _CUT.reset(token)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique integer arrays."""
    if len(a) == 0 and len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


class ShingleMatrix:
    """The shingle sets of many letters (:func:`letter_shingles`) as one sparse 0/1 matrix, a
    row per letter, so exact Jaccard similarities of one letter against many, or of many pairs,
    are a sparse product instead of one set intersection each.

    >>> m = ShingleMatrix(["要求全额退还保费", "要求全额退还保费！", "请求退保", ""])
    >>> m.similarity(0, np.array([1, 2, 3])).tolist(), m.sizes.tolist()
    ([1.0, 0.0, 0.0], [6, 6, 2, 0])
    """

    def __init__(self, letters: Sequence[str]) -> None:
        self._fill([letter_shingles(t) for t in letters])

    @classmethod
    def of_shingles(cls, sets: Sequence[np.ndarray]) -> ShingleMatrix:
        """The matrix of shingle sets already cut (sorted unique integers, one per row)."""
        matrix = cls.__new__(cls)
        matrix._fill(sets)
        return matrix

    def _fill(self, sets: Sequence[np.ndarray]) -> None:
        self.sizes = np.array([len(s) for s in sets], dtype=np.int64)
        grams = np.concatenate(sets) if sets else np.empty(0, dtype=np.uint64)
        vocabulary, columns = np.unique(grams, return_inverse=True)
        pointers = np.concatenate([[0], np.cumsum(self.sizes)])
        self._matrix = csr_matrix((np.ones(len(columns), dtype=np.int32), columns.ravel(), pointers),
                                  shape=(len(sets), max(len(vocabulary), 1)))

    def __len__(self) -> int:
        return len(self.sizes)

    def similarity(self, row: int, others: np.ndarray) -> np.ndarray:
        """Exact Jaccard similarity of letter ``row`` with each letter of ``others`` (row
        positions); 0.0 where both letters are empty."""
        others = np.asarray(others, dtype=np.int64)
        shared = (self._matrix[others] @ self._matrix[row].T).toarray().ravel()
        return self._ratio(shared, self.sizes[others] + self.sizes[row] - shared)

    def block_similarity(self, rows: np.ndarray, others: np.ndarray) -> np.ndarray:
        """Exact Jaccard similarities of every letter of ``rows`` with every letter of
        ``others``, as a dense ``len(rows) × len(others)`` array."""
        rows, others = np.asarray(rows, dtype=np.int64), np.asarray(others, dtype=np.int64)
        shared = (self._matrix[rows] @ self._matrix[others].T).toarray()
        return self._ratio(shared, self.sizes[rows][:, None] + self.sizes[others][None, :] - shared)

    def pair_similarity(self, pairs: np.ndarray, block: int = 2048) -> np.ndarray:
        """Exact Jaccard similarity of the letters of each row ``(i, j)`` of ``pairs``, worked
        out ``block`` pairs at a time: the rows of a block are copied out of the matrix, and
        reusing small copies is several times faster than one copy of every pair's rows."""
        if block < 1:
            raise ValueError(f"block must be at least 1, got {block}")
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        left, right = pairs[:, 0], pairs[:, 1]
        shared = np.concatenate([np.asarray(self._matrix[left[start:start + block]].multiply(
            self._matrix[right[start:start + block]]).sum(axis=1)).ravel()
            for start in range(0, len(pairs), block)] or [np.empty(0, dtype=np.int64)])
        return self._ratio(shared, self.sizes[left] + self.sizes[right] - shared)

    @staticmethod
    def _ratio(shared: np.ndarray, union: np.ndarray) -> np.ndarray:
        return np.where(union > 0, shared / np.maximum(union, 1), 0.0).astype(float)


def band_params(threshold: float, num_perm: int, recall: float = 0.95) -> tuple[int, int]:
    """Bands and rows per band: the most rows per band (fewest chance candidates) for which a
    pair of letters at exactly ``threshold`` still shares a bucket with probability at least
    ``recall``.

    Every candidate is checked with the exact Jaccard similarity, so a chance candidate only
    costs one comparison, while a template pair that never shares a bucket is lost for good.
    The S-curve is therefore placed below the threshold, not centred on it.

    >>> band_params(0.45, 48)
    (24, 2)
    >>> band_params(0.8, 48)
    (9, 5)
    """
    if not 0.0 < recall < 1.0:
        raise ValueError(f"recall must be within (0, 1), got {recall}")
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= recall:
            return bands, rows
    return num_perm, 1


def minhash_signatures(sets: Sequence[np.ndarray], num_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures (``len(sets) × num_perm``, uint32) of integer sets.

    Each permutation is ``a·x + b mod 2³²`` with odd ``a`` over a 32-bit mix of the shingle;
    empty sets get all-max rows.
    """
    rng = np.random.default_rng(seed)
    a = (rng.integers(0, 1 << 31, size=num_perm, dtype=np.uint64) * 2 + 1).astype(np.uint32)
    b = rng.integers(0, 1 << 32, size=num_perm, dtype=np.uint64).astype(np.uint32)
    sizes = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    out = np.full((len(sets), num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    nonempty = np.flatnonzero(sizes)
    if len(nonempty) == 0:
        return out
    values = np.concatenate([sets[i] for i in nonempty.tolist()])
    starts = np.concatenate([[0], np.cumsum(sizes[nonempty])[:-1]])
    mixed = ((values * _GOLDEN) >> np.uint64(32)).astype(np.uint32)
    for j in range(num_perm):
        out[nonempty, j] = np.minimum.reduceat(mixed * a[j] + b[j], starts)
    return out


def template_groups(texts: Sequence[str], threshold: float = 0.45, seed: int = 0,
                    num_perm: int = 48, min_shingles: int = 30) -> np.ndarray:
    """Group id per letter (``-1`` for letters like no other); ids are numbered by first letter.

    Letters with fewer than ``min_shingles`` distinct 3-grams (about ``min_shingles + 2``
    characters) are too short to call a template and never group: a black market's letter is
    long and formulaic (``../shared/domain.md``), while a sentence or two ("今年的红利比去年少了一大半，
    和当初说的完全不一样") is what many honest people write in their own words, or a hotline
    clerk notes down for them. Within each LSH bucket every letter is checked against
    the bucket's first letter only, so work stays linear even when one template is very common.
    Groups are the connected parts of the candidate pairs at or above ``threshold``, all checked
    at once (:meth:`ShingleMatrix.pair_similarity`).
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be within (0, 1), got {threshold}")
    if num_perm < 4:
        raise ValueError(f"num_perm must be at least 4, got {num_perm}")
    sets = [letter_shingles(t) for t in texts]
    usable = np.flatnonzero(np.array([len(s) >= min_shingles for s in sets], dtype=bool))
    out = np.full(len(sets), -1, dtype=np.int64)
    if len(usable) < 2:
        return out
    kept = [sets[i] for i in usable]
    pairs = _candidate_pairs(minhash_signatures(kept, num_perm, seed), threshold)
    tied = pairs[ShingleMatrix.of_shingles(kept).pair_similarity(pairs) >= threshold]
    n = len(usable)
    _, labels = connected_components(coo_matrix((np.ones(len(tied), dtype=np.int8), (tied[:, 0], tied[:, 1])),
                                                shape=(n, n)), directed=False)
    # scipy numbers parts by their first letter already; keep the parts of two letters or more
    sizes = np.bincount(labels)
    grouped = sizes >= 2
    ids = np.where(grouped, np.cumsum(grouped) - 1, -1)
    out[usable] = ids[labels]
    return out


def _candidate_pairs(signatures: np.ndarray, threshold: float) -> np.ndarray:
    """Distinct ``(first, other)`` rows (``k × 2``, int64, ``first < other``) of signature rows
    that share an LSH bucket (:func:`band_params`), each letter against its bucket's first one,
    where the signatures agree on at least ``threshold`` less 3 standard errors of the MinHash
    estimate: a pair far below the threshold is not worth an exact check."""
    num_perm = signatures.shape[1]
    bands, rows = band_params(threshold, num_perm)
    floor = threshold - 3.0 * np.sqrt(threshold * (1.0 - threshold) / num_perm)
    firsts: list[np.ndarray] = []
    others: list[np.ndarray] = []
    for band in range(bands):
        block = np.ascontiguousarray(signatures[:, band * rows:(band + 1) * rows])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * rows))).ravel()
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        inverse = inverse.ravel()
        members = np.flatnonzero(counts[inverse] >= 2)
        order = members[np.argsort(inverse[members], kind="stable")]
        starts = np.concatenate([[True], np.diff(inverse[order]) != 0]) if len(order) else np.empty(0, dtype=bool)
        first = order[np.flatnonzero(starts)[np.cumsum(starts) - 1]]
        first, other = first[~starts], order[~starts]
        agree = (signatures[other] == signatures[first]).mean(axis=1)
        firsts.append(first[agree >= floor])
        others.append(other[agree >= floor])
    n = len(signatures)
    codes = np.unique(np.concatenate(firsts).astype(np.int64) * n + np.concatenate(others))
    return np.stack([codes // n, codes % n], axis=1)


def letter_variants(letters: ShingleMatrix, groups: np.ndarray, days: np.ndarray, threshold: float,
                    window: float, neighbours: int = 3, block: int = 256) -> np.ndarray:
    """Variant id per letter (``-1`` outside any template group): the versions a template
    group's letters come in.

    Two letters of one group are one version when each is among the other's ``neighbours``
    most similar letters of the group filed within ``window`` days (ties kept), at least
    ``threshold`` similar; versions are the connected parts of those mutual links. A ring edits
    the public letter its own way and hands its version to every member, so its letters are
    closest to each other; honest copies are closest to other copies (``../shared/domain.md``).
    A version can then crowd into a burst while its template, copied all year, does not.

    ``letters`` holds one row per letter (positions as in ``groups`` and ``days``); letters
    without a day never link. Work is ``block`` letters at a time against the group's letters
    within the window, so memory stays bounded for templates copied thousands of times.

    >>> texts = ["本人于2019年购买保险，业务员承诺保本高收益，隐瞒退保损失，要求全额退还保费。",
    ...          "本人于2020年购买保险，业务员承诺保本高收益，隐瞒退保损失，要求全额退还保费！",
    ...          "我于2018年投保，业务员当时承诺保本，未告知退保损失，现要求全额退还所交保费。",
    ...          "我于2017年投保，业务员当时承诺保本，未告知退保损失，现要求全额退还所交保费。"]
    >>> letter_variants(ShingleMatrix(texts), np.array([0, 0, 0, 0]), np.array([1.0, 2, 3, 4]),
    ...                 threshold=0.3, window=30, neighbours=1).tolist()
    [0, 0, 1, 1]
    """
    if neighbours < 1:
        raise ValueError(f"neighbours must be at least 1, got {neighbours}")
    groups = np.asarray(groups, dtype=np.int64)
    days = np.asarray(days, dtype=float)
    usable = np.flatnonzero((groups >= 0) & ~np.isnan(days))
    order = usable[np.lexsort((days[usable], groups[usable]))]
    heads: list[np.ndarray] = []
    tails: list[np.ndarray] = []
    cuts = np.flatnonzero(np.diff(groups[order])) + 1
    for members in np.split(order, cuts):
        if len(members) < 2:
            continue
        member_days = days[members]
        for start in range(0, len(members), block):
            rows = members[start:start + block]
            lo = np.searchsorted(member_days, days[rows[0]] - window, side="left")
            hi = np.searchsorted(member_days, days[rows[-1]] + window, side="right")
            others = members[lo:hi]
            similarity = letters.block_similarity(rows, others)
            far = (np.abs(days[rows][:, None] - days[others][None, :]) > window) | (rows[:, None] == others[None, :])
            similarity[far] = -1.0
            k = min(neighbours, similarity.shape[1])
            kth = -np.partition(-similarity, k - 1, axis=1)[:, k - 1]
            near = (similarity >= kth[:, None]) & (similarity >= threshold)
            r, c = np.nonzero(near)
            heads.append(rows[r])
            tails.append(others[c])
    out = np.full(len(groups), -1, dtype=np.int64)
    if not len(order):
        return out
    head = np.concatenate(heads) if heads else np.empty(0, dtype=np.int64)
    tail = np.concatenate(tails) if tails else np.empty(0, dtype=np.int64)
    n = len(groups)
    chosen = coo_matrix((np.ones(len(head), dtype=np.int8), (head, tail)), shape=(n, n)).tocsr()
    mutual = chosen.multiply(chosen.T)
    _, labels = connected_components(mutual, directed=False)
    _, numbered = np.unique(labels[order], return_inverse=True)
    first = np.full(numbered.max() + 1, n, dtype=np.int64)
    np.minimum.at(first, numbered, order)
    rank = np.argsort(np.argsort(first, kind="stable"), kind="stable")
    out[order] = rank[numbered]
    return out
