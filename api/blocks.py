"""Number blocks as the API and the explorer show them.

A ring may be held together by a *number block*: consecutive mobile numbers its members changed
to just before surrendering, SIM cards bought in one batch (:func:`graph.keys.number_block`,
README "How detection works", step 2). A block has no node in the graph; detection keeps its
profile under label ``Phone`` and the block's key (``+86199797003**``), and a ring lists it among
its identifiers as an entry of type ``number_block`` followed by the numbers of it the ring's
members changed to (type ``phone``). This module builds what a page shows of a block from
those: its numbers, the rings that list it and detection's profile.

Blocks exist only for callers who see the whole store: a key scoped to one member insurer of an
association sees none (an association's books are pseudonymized, and hashed keys have no blocks).

>>> block_key("+86 199-7970-03**"), block_key("199797003**"), block_key("１９９７９７００３＊＊")
('+86199797003**', '+86199797003**', '+86199797003**')
>>> block_key("19979700311") is None, block_key("0797-81234**") is None
(True, True)
>>> ring = Ring("R-1", 0.9, "high", ("C1", "C2"), identifiers=(
...     RingIdentifier("number_block", "+86199797003**"), RingIdentifier("phone", "+8619979700311"),
...     RingIdentifier("phone", "+8619979700312"), RingIdentifier("bank_account", "6222020200112233445")))
>>> ring_blocks(ring)
{'+86199797003**': ('+8619979700311', '+8619979700312')}
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from api.scope import EVERYTHING, Scope
from graph.keys import is_number_block, number_block
from graph.model import Label, NodeRef
from graph.results import IdentifierProfile, Ring, RingIdentifier  # noqa: F401 - RingIdentifier: doctest
from graph.store import GraphStore

__all__ = [
    "BLOCK_LABEL",
    "BLOCK_TYPE",
    "IN_BLOCK",
    "NumberBlock",
    "block_key",
    "block_of_number",
    "find_block",
    "ring_blocks",
]

BLOCK_TYPE = "number_block"
"""The type of a block's entry in a ring's ``identifiers`` and in entity URLs."""
BLOCK_LABEL = "NumberBlock"
"""A block's node label in graph answers (``/v1/rings/{id}/graph``, neighbourhoods)."""
IN_BLOCK = "IN_BLOCK"
"""The relationship from a number to its block in graph answers (drawn, never stored)."""

_TYPED_BLOCK = re.compile(r"(?:\+?86|0086)?(1\d{8}\*\*)")
_SEPARATORS = re.compile(r"[\s\-()]")


@dataclass(frozen=True)
class NumberBlock:
    """A block: its ``key``, the ``numbers`` of it the current rings list (sorted), those
    rings' ids (``ring_ids``, highest score first) and detection's ``profile`` of it."""

    key: str
    numbers: tuple[str, ...]
    ring_ids: tuple[str, ...]
    profile: IdentifierProfile | None = None

    @property
    def ref(self) -> NodeRef:
        """The block as detection keys its profile."""
        return NodeRef(Label.PHONE, self.key)

    def to_dict(self) -> dict[str, Any]:
        """The block as the API answers it (``profile`` as the entity endpoint gives one)."""
        profile = None if self.profile is None else {
            "customers": self.profile.customers, "households": self.profile.households,
            "suspicion": self.profile.suspicion, "ring_id": self.profile.ring_id,
            "notes": list(self.profile.notes)}
        return {"key": self.key, "numbers": list(self.numbers), "ring_ids": list(self.ring_ids),
                "profile": profile}


def block_key(text: str) -> str | None:
    """A block as typed (``+86 199-7970-03**``, ``199797003**``, full-width too) as its key, or
    ``None`` when ``text`` is not a mobile number block."""
    cleaned = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    found = _TYPED_BLOCK.fullmatch(cleaned)
    if found is None:
        return None
    key = "+86" + found.group(1)
    return key if is_number_block(key) else None


def ring_blocks(ring: Ring) -> dict[str, tuple[str, ...]]:
    """The blocks a ring lists, each with the numbers of it the ring lists (and, for a ring
    stored before numbers were listed, where the block was typed ``phone``, those its
    ``shared_number_block`` evidence names)."""
    blocks: dict[str, set[str]] = {}
    for item in ring.identifiers:
        if item.type in (BLOCK_TYPE, "phone") and is_number_block(item.value):
            blocks.setdefault(item.value, set())
    if not blocks:
        return {}
    for item in ring.identifiers:
        block = number_block(item.value) if item.type == "phone" else None
        if block in blocks:
            blocks[block].add(item.value)
    for evidence in ring.evidence:
        value = evidence.data.get("value")
        if evidence.code == "shared_number_block" and value in blocks:
            blocks[value].update(str(n) for n in evidence.data.get("numbers", ()))
    return {key: tuple(sorted(numbers)) for key, numbers in blocks.items()}


def listed_blocks(store: GraphStore, ring: Ring, scope: Scope = EVERYTHING) -> list[NumberBlock]:
    """The blocks ``ring`` lists, each with detection's profile of it, as a ring's drawing shows
    them (none for a caller scoped to one member insurer: an association's keys are hashes)."""
    listed = ring_blocks(ring) if scope.insurer is None else {}
    if not listed:
        return []
    profiles = store.identifier_profiles(NodeRef(Label.PHONE, key) for key in listed)
    return [NumberBlock(key, numbers, (ring.ring_id,), profiles.get(NodeRef(Label.PHONE, key)))
            for key, numbers in listed.items()]


def find_block(store: GraphStore, key: str, scope: Scope = EVERYTHING) -> NumberBlock | None:
    """The block of key ``key`` as the current results know it, ``None`` when detection has no
    profile of it (then no current ring lists it either)."""
    if scope.insurer is not None or not is_number_block(key):
        return None
    ref = NodeRef(Label.PHONE, key)
    profile = store.identifier_profiles([ref]).get(ref)
    if profile is None:  # detection profiles every block a claim uses, so no ring lists it either
        return None
    numbers: set[str] = set()
    listing: list[Ring] = []
    for ring in store.rings():
        found = ring_blocks(ring).get(key)
        if found is not None:
            numbers.update(found)
            listing.append(ring)
    listing.sort(key=lambda r: (-r.score, r.ring_id))
    return NumberBlock(key, tuple(sorted(numbers)), tuple(r.ring_id for r in listing), profile)


def block_of_number(store: GraphStore, phone: str, scope: Scope = EVERYTHING) -> NumberBlock | None:
    """The block a phone number belongs to as one of the numbers a current ring lists for it,
    ``None`` when it is no such number (a landline, a number no ring's block holds)."""
    block = number_block(phone)
    found = find_block(store, block, scope) if block is not None else None
    return found if found is not None and phone in found.numbers else None


