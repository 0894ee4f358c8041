"""API keys, roles, the people holding them, and what each role may do.

Keys come from ``RINGSCOPE_API_KEYS`` as ``key:role[:name][@CODE]`` entries. The name is the
person holding the key (``…:investigator:张伟``), recorded in audit logs and shown in the
explorer; an unnamed key is known by its role and a short hash of the key. ``@CODE`` scopes the
key to one member insurer of an association (:mod:`api.scope`). A presented key is compared
with *every* configured key in constant time (``hmac.compare_digest``), so the time an answer
takes says nothing about how much of a key was right or where it sits in the list.

>>> ring = KeyRing.parse("s3cret-risk:risk_system, s3cret-admin:admin, s3cret-zw:investigator:张伟")
>>> ring.authenticate("s3cret-admin").role
<Role.ADMIN: 'admin'>
>>> ring.authenticate("nope") is None
True
>>> ring.by_key_id(ring.authenticate("s3cret-risk").key_id).role
<Role.RISK_SYSTEM: 'risk_system'>
>>> zhang = ring.authenticate("s3cret-zw")
>>> zhang.name, zhang.actor, ring.authenticate("s3cret-admin").actor
('张伟', '张伟', 'admin:77a4e206')
>>> scoped = KeyRing.parse("s3cret-wang:investigator:王丽@PA").authenticate("s3cret-wang")
>>> scoped.name, scoped.actor, scoped.insurer
('王丽', '王丽@PA', 'PA')
>>> KeyRing.parse("lonely")
Traceback (most recent call last):
...
graph.errors.ConfigError: RINGSCOPE_API_KEYS entry 1 is not 'key:role' or 'key:role:name'
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

from graph.errors import ConfigError
from graph.keys import normalize_insurer_code

__all__ = ["DEV_PRINCIPAL", "MIN_KEY_LENGTH", "KeyEntry", "KeyRing", "Permission", "Principal",
           "Role"]

MIN_KEY_LENGTH = 8


class Role(StrEnum):
    """What a key is for."""

    RISK_SYSTEM = "risk_system"
    INVESTIGATOR = "investigator"
    ADMIN = "admin"


class Permission(StrEnum):
    """Actions the API guards."""

    SCORE = "score"
    READ = "read"
    CASE = "case"
    REOPEN = "reopen"
    """Reopen a confirmed case (:data:`graph.results.CASE_REOPENINGS`): admins only."""
    RUNS = "runs"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.RISK_SYSTEM: frozenset({Permission.SCORE}),
    Role.INVESTIGATOR: frozenset({Permission.READ, Permission.CASE}),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``key_id`` identifies the key without revealing it (its role and
    a short hash); ``name`` is the person holding it, ``""`` for an unnamed key; ``insurer`` is
    the member insurer a scoped key belongs to (``None``: not scoped)."""

    key_id: str
    role: Role
    pii: bool = False
    name: str = ""
    insurer: str | None = None

    @property
    def actor(self) -> str:
        """Who audit logs name: the person, or the key's id when the key is unnamed, with the
        insurer of a scoped key (``王丽@PA``)."""
        who = self.name or self.key_id
        return f"{who}@{self.insurer}" if self.insurer else who

    def may(self, permission: Permission) -> bool:
        return permission in _GRANTS[self.role]


DEV_PRINCIPAL = Principal("dev", Role.ADMIN, pii=True)

_NAME_LENGTH = 64
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _key_id(key: str, role: Role) -> str:
    return f"{role}:{hashlib.sha256(key.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class KeyEntry:
    """One configured key: the secret, its role, the name of its holder (``""``: unnamed) and
    the insurer it is scoped to."""

    key: str
    role: Role
    name: str = ""
    insurer: str | None = None


def _role(text: str) -> Role | None:
    try:
        return Role(text.strip())
    except ValueError:
        return None


def _parse_entry(item: str, number: int) -> KeyEntry:
    """One ``key:role[:name][@CODE]`` entry.

    A trailing ``@CODE`` that is an insurer code scopes the key (the key itself may hold ``@``).
    Then the last field decides: a role there makes a ``key:role`` entry (the key may hold
    colons), anything else is a name, with the role just before it. A key that itself ends in
    ``:<role>`` before a role cannot be told from a person named after a role: refused.
    """
    head, at, scope = item.rpartition("@")
    insurer = normalize_insurer_code(scope) if at else None
    if insurer is not None:
        item = head
    head, sep, last = item.rpartition(":")
    if not sep or not head.strip():
        raise ConfigError(f"RINGSCOPE_API_KEYS entry {number} is not 'key:role' or 'key:role:name'")
    role = _role(last)
    if role is not None:
        key = head.strip()
        if ":" in key and _role(key.rpartition(":")[2]) is not None:
            raise ConfigError(
                f"RINGSCOPE_API_KEYS entry {number} is ambiguous: a person cannot be named after "
                "a role, and a key cannot end in ':<role>'"
            )
        return KeyEntry(key, role, "", insurer)
    key, sep, role_name = head.rpartition(":")
    role = _role(role_name) if sep else None
    if role is None:
        unknown = role_name if sep else last
        raise ConfigError(
            f"RINGSCOPE_API_KEYS entry {number}: unknown role {unknown.strip()!r}; "
            f"use one of {', '.join(r.value for r in Role)}"
        )
    name = " ".join(last.split())
    if not name or len(name) > _NAME_LENGTH or _CONTROL.search(name):
        raise ConfigError(
            f"RINGSCOPE_API_KEYS entry {number}: the name after the role must be 1 to "
            f"{_NAME_LENGTH} characters without control characters"
        )
    return KeyEntry(key.strip(), role, name, insurer)


class KeyRing:
    """The configured keys; :meth:`authenticate` maps a presented key to its principal."""

    def __init__(self, entries: list[KeyEntry], investigator_pii: bool = False,
                 open_access: bool = False) -> None:
        self.open_access = open_access
        self._entries = [(e.key.encode(), Principal(
            _key_id(e.key, e.role), e.role,
            pii=e.role is Role.ADMIN or (e.role is Role.INVESTIGATOR and investigator_pii),
            name=e.name, insurer=e.insurer,
        )) for e in entries]

    @classmethod
    def open(cls) -> KeyRing:
        """Development mode: no keys, every caller is an admin."""
        return cls([], open_access=True)

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def parse(cls, spec: str, investigator_pii: bool = False) -> KeyRing:
        """Read ``key:role[:name][@CODE], …``; raises :class:`ConfigError` on any malformed
        entry or a repeated key."""
        entries: list[KeyEntry] = []
        seen: set[str] = set()
        for number, item in enumerate((p.strip() for p in spec.split(",")), start=1):
            if not item:
                continue
            entry = _parse_entry(item, number)
            key = entry.key
            if len(key) < MIN_KEY_LENGTH:
                raise ConfigError(
                    f"RINGSCOPE_API_KEYS entry {number}: keys must be at least "
                    f"{MIN_KEY_LENGTH} characters"
                )
            if key in seen:
                raise ConfigError(f"RINGSCOPE_API_KEYS entry {number} repeats an earlier key")
            seen.add(key)
            entries.append(entry)
        return cls(entries, investigator_pii)

    def people(self, permission: Permission, insurer: str | None = None) -> list[str]:
        """The names of the people whose keys grant ``permission`` and are scoped to
        ``insurer`` (``None``: unscoped keys), sorted (a case can be assigned to them)."""
        return sorted({p.name for _, p in self._entries
                       if p.name and p.may(permission) and p.insurer == insurer})

    def by_key_id(self, key_id: str) -> Principal | None:
        """The principal of a configured key by its id (a session names its key, so a key
        removed from the configuration ends the sessions opened with it)."""
        if self.open_access:
            return DEV_PRINCIPAL if key_id == DEV_PRINCIPAL.key_id else None
        return next((p for _, p in self._entries if p.key_id == key_id), None)

    def authenticate(self, presented: str | None) -> Principal | None:
        """The principal of a presented key, or ``None``; compares against every key. Spaces and
        tabs around it are no part of it (RFC 9110 section 5.5: a field value has none; a key
        pasted with a trailing space was refused and counted as a guess)."""
        if self.open_access:
            return DEV_PRINCIPAL
        if not presented or not presented.strip(" \t"):
            return None
        candidate = presented.strip(" \t").encode("utf-8", "surrogateescape")
        found: Principal | None = None
        for key, principal in self._entries:
            if hmac.compare_digest(candidate, key):
                found = principal
        return found
