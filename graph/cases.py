"""A ring's case as its audit log gives it: status, assignee, last note and re-alert.

The audit log (:class:`~graph.results.CaseChange` entries, oldest first) is the only record of a
case. An entry is either a person's decision (a status move, an assignment, a note, or several
at once) or a detection run's **re-alert**: a later run added claims to a ring an investigator
had already confirmed or dismissed, or took some out of it. The ring keeps its status, but the
case says what is new until a person next acts on it (any decision clears the re-alert).

>>> log = [
...     CaseChange("R-1", "2025-01-02T09:00:00+00:00", "张伟", CaseStatus.NEW,
...                CaseStatus.INVESTIGATING, "调取柜面录像", assignee="张伟"),
...     CaseChange("R-1", "2025-01-09T09:00:00+00:00", "张伟", CaseStatus.INVESTIGATING,
...                CaseStatus.CONFIRMED, "已报案", assignee="张伟"),
... ]
>>> case = Case.from_audit("R-1", log)
>>> case.status.value, case.assignee, case.last_note, case.realert is None
('confirmed', '张伟', '已报案', True)
>>> old = Ring("R-1", 0.9, "high", ("C1", "C2", "C3"))
>>> grown = Ring("R-1", 0.9, "high", ("C1", "C2", "C3", "C7", "C8"))
>>> [(c.event.value, c.new_claims) for c in realerts([old], [grown], {"R-1": case}, "run-2", "2025-02-01T00:00:00+00:00")]
[('realert', ('C7', 'C8'))]
>>> Case.from_audit("R-1", log + realerts([old], [grown], {"R-1": case}, "run-2", "2025-02-01")).realert.new_claims
('C7', 'C8')
>>> shrunk = Ring("R-1", 0.9, "high", ("C1", "C3"))
>>> [(c.new_claims, c.note.split(" · ")[1]) for c in realerts([old], [shrunk], {"R-1": case}, "run-2", "2025-02-01")]
[((), 'A later run took 1 claim out of this ring: C2 (in no ring)')]
>>> elsewhere = Ring("R-2", 0.8, "high", ("C2", "C9"))
>>> realerts([old], [shrunk, elsewhere], {"R-1": case}, "run-2", "2025-02-01")[0].note.split(" · ")[1]
'A later run took 1 claim out of this ring: C2 (now in R-2)'
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.keys.cells import clean_cell
from graph.results import CaseChange, CaseEvent, CaseStatus, Ring

__all__ = ["REALERT_STATUSES", "Case", "Realert", "realert_note", "realerts", "says_something"]

REALERT_STATUSES: frozenset[CaseStatus] = frozenset({CaseStatus.CONFIRMED, CaseStatus.DISMISSED})
"""Statuses of decided cases: new claims in such a ring re-alert it."""


def says_something(note: str | None) -> bool:
    """Whether a note on a case says anything: read as a cell is (:func:`graph.keys.cells.clean_cell`:
    invisible characters, blanks and placeholders such as ``无`` or ``空`` say nothing), it
    holds a letter or a digit (Unicode categories L and N). A braille blank, a lone combining
    mark, a private-use or replacement character looks like a note in a list and says nothing
    (an outside tester confirmed cases with each).

    >>> [says_something(n) for n in ("已报案", "ok", "\u2800", " \u0301", "\ufffd\ufffd", "无", "N/A", "—")]
    [True, True, False, False, False, False, True, False]
    """
    text = clean_cell(note)
    return text is not None and any(unicodedata.category(ch)[0] in "LN" for ch in text)


@dataclass(frozen=True)
class Realert:
    """What later runs added to a decided ring since a person last acted on its case: when
    (the first such run), by which runs, and the claims they added, in order."""

    at: str
    runs: tuple[str, ...]
    new_claims: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "runs": list(self.runs), "new_claim_ids": list(self.new_claims)}


@dataclass(frozen=True)
class Case:
    """A ring's case now: status, assignee (a person's name, or ``None``), the last note a
    person left (with who and when), when it last changed, and the pending re-alert, if any."""

    ring_id: str
    status: CaseStatus = CaseStatus.NEW
    assignee: str | None = None
    last_note: str = ""
    last_note_by: str = ""
    last_note_at: str = ""
    updated_at: str = ""
    realert: Realert | None = None

    @classmethod
    def from_audit(cls, ring_id: str, changes: Sequence[CaseChange]) -> Case:
        """Fold a ring's audit log (oldest first) into its case. Only decisions move the status
        (a re-alert records the status it saw, and never changes it)."""
        status, assignee, updated = CaseStatus.NEW, None, ""
        note = note_by = note_at = ""
        realert: Realert | None = None
        for change in changes:
            updated = change.at
            if change.event is CaseEvent.REALERT:
                realert = Realert(
                    realert.at if realert else change.at,
                    (*realert.runs, change.actor) if realert else (change.actor,),
                    (*realert.new_claims, *change.new_claims) if realert else change.new_claims,
                )
                continue
            status, assignee, realert = change.to_status, change.assignee, None
            if change.note:
                note, note_by, note_at = change.note, change.actor, change.at
        return cls(ring_id, status, assignee, note, note_by, note_at, updated, realert)

    def to_dict(self) -> dict[str, Any]:
        """The case as exports and the API give it."""
        return {
            "status": self.status.value, "assignee": self.assignee, "last_note": self.last_note,
            "last_note_by": self.last_note_by or None, "last_note_at": self.last_note_at or None,
            "updated_at": self.updated_at or None, "realerted": self.realert is not None,
            "realert": self.realert.to_dict() if self.realert else None,
        }


def realert_note(new_claims: Sequence[str], left: Mapping[str, str | None] | None = None) -> str:
    """The audit note of a re-alert, in Chinese and English: the claims a later run added, and
    those that left the ring, each with the ring it is in now (``None``: in none), so the
    investigator can follow them.

    >>> realert_note(["C7", "C8"])
    '新一轮检测为该团伙新增 2 笔申请：C7, C8 · A later run added 2 claims to this ring: C7, C8'
    >>> realert_note([], {"C2": "R-9", "C5": None})
    '新一轮检测中 2 笔申请离开该团伙：C2（现属 R-9）, C5（不属任何团伙） · A later run took 2 claims out of this ring: C2 (now in R-9), C5 (in no ring)'
    """
    zh, en = [], []
    if new_claims:
        listed = ", ".join(new_claims)
        zh.append(f"新一轮检测为该团伙新增 {len(new_claims)} 笔申请：{listed}")
        en.append(f"A later run added {len(new_claims)} claims to this ring: {listed}")
    if left:
        zh_listed = ", ".join(f"{c}（现属 {r}）" if r else f"{c}（不属任何团伙）" for c, r in left.items())
        en_listed = ", ".join(f"{c} (now in {r})" if r else f"{c} (in no ring)" for c, r in left.items())
        zh.append(f"新一轮检测中 {len(left)} 笔申请离开该团伙：{zh_listed}")
        en.append(f"A later run took {len(left)} claim{'s' if len(left) > 1 else ''} out of this ring: {en_listed}")
    return f"{'；'.join(zh)} · {'; '.join(en)}"


def realerts(previous: Sequence[Ring], current: Sequence[Ring], cases: Mapping[str, Case],
             run_id: str, at: str) -> list[CaseChange]:
    """The re-alert entries a run's rings call for: one per ring that kept the id of a previous
    ring (see :func:`detectors.ring_ids.carry_forward`), holds claims that ring did not or lost
    some it held, and whose case is confirmed or dismissed (an investigator who confirmed a set
    of claims must see it change). ``cases``: the cases of the previous rings (absent: new); the
    entry's actor is ``run_id``; its ``new_claims`` are the claims added, its note names both."""
    before = {r.ring_id: frozenset(r.claim_ids) for r in previous}
    ring_now = {c: r.ring_id for r in current for c in r.claim_ids}
    out = []
    for ring in current:
        known = before.get(ring.ring_id)
        case = cases.get(ring.ring_id)
        if known is None or case is None or case.status not in REALERT_STATUSES:
            continue
        added = tuple(c for c in ring.claim_ids if c not in known)
        left = tuple(sorted(known - frozenset(ring.claim_ids)))
        if added or left:
            out.append(CaseChange(ring.ring_id, at, run_id, case.status, case.status,
                                  realert_note(added, {c: ring_now.get(c) for c in left}), assignee=case.assignee,
                                  event=CaseEvent.REALERT, new_claims=added))
    return out
