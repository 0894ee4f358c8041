"""Decisions on ring cases, as the API and the explorer take them.

A decision moves a case's status, assigns it or leaves a note (:meth:`GraphStore.change_case`,
a compare-and-set); an admin may also reopen a confirmed case, with a note. The assignee must be a person named in ``RINGSCOPE_API_KEYS`` whose key may
work cases, so a case is never assigned to a misspelt name nobody answers to. Real-time scoring
reads the rings' case statuses again at once (a dismissed ring stops counting at the next
request; other server processes follow within seconds).
"""

from __future__ import annotations

from api.deps import AppState
from api.scope import scope_of
from api.security import KeyRing, Permission, Principal
from graph.errors import AccessError, InputError
from graph.results import CaseChange, CaseStatus
from graph.store import KEEP, Keep

__all__ = ["assignable", "decide"]


def assignable(keys: KeyRing, insurer: str | None = None) -> list[str]:
    """The people a case may be assigned to, sorted: the holders of keys that may work cases,
    of the same member insurer as the one assigning (``None``: the association's own keys, or
    every key in a store of one insurer's book)."""
    return keys.people(Permission.CASE, insurer)


def decide(state: AppState, who: Principal, ring_id: str, status: CaseStatus | None, note: str,
           expected: CaseStatus | None = None, assignee: str | Keep | None = KEEP,
           expected_assignee: str | Keep | None = KEEP) -> CaseChange:
    """Record ``who``'s decision on a ring's case (see :meth:`GraphStore.change_case`) and have
    real-time scoring read the case statuses again.

    Raises :class:`NotFoundError` for an unknown ring (or one without the claims of the
    member insurer a scoped key belongs to), :class:`AccessError` when a scoped key decides
    a ring spanning other members or reopens a confirmed case without being an admin,
    :class:`InputError` for an assignee who
    is not among :func:`assignable`, and what ``change_case`` raises (nothing to change, a move
    the workflow forbids, a case changed meanwhile).
    """
    store, keys = state.store, state.keys
    if isinstance(assignee, str):  # as a key is read: spaces around a name are no part of it
        assignee = assignee.strip()
    scope = scope_of(store, who.insurer)
    whole = store.get_ring(ring_id)
    scope.ring(whole)  # another member's ring: not found
    if not scope.may_decide(whole):
        raise AccessError(f"ring {ring_id} spans other member insurers: its case is decided by the "
                          "association's investigators")
    people = assignable(keys, who.insurer)
    if isinstance(assignee, str) and assignee not in people:
        named = ", ".join(people) or "nobody: name the keys in RINGSCOPE_API_KEYS"
        raise InputError(f"cannot assign the case to {assignee!r}; assign it to one of: {named}")
    change = store.change_case(ring_id, status, who.actor, note, expected, assignee, expected_assignee,
                               reopen=who.may(Permission.REOPEN))
    state.scorer.refresh_cases()
    return change
