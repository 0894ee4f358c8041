"""API keys, roles and what each role may do.

Keys come from ``RINGSCOPE_API_KEYS`` as ``key:role[:name][@CODE]`` entries: an optional name
(letters, digits, ``.``, ``_``, ``-``) stands for the key in audit logs, and ``@CODE`` scopes the
key to one member insurer of an association (:mod:`api.scope`). A presented key is compared
with *every* configured key in constant time (``hmac.compare_digest``), so the time an answer
takes says nothing about how much of a key was right or where it sits in the list.

>>> ring = KeyRing.parse("s3cret-risk:risk_system, s3cret-admin:admin")
>>> ring.authenticate("s3cret-admin").role
<Role.ADMIN: 'admin'>
>>> ring.authenticate("nope") is None
True
>>> ring.by_name(ring.authenticate("s3cret-risk").name).role
<Role.RISK_SYSTEM: 'risk_system'>
>>> scoped = KeyRing.parse("s3cret-wang:investigator:wang.li@PA").authenticate("s3cret-wang")
>>> scoped.name, scoped.insurer
('wang.li@PA', 'PA')
>>> KeyRing.parse("lonely")
Traceback (most recent call last):
...
graph.errors.ConfigError: RINGSCOPE_API_KEYS entry 1 is not 'key:role'
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
    RUNS = "runs"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.RISK_SYSTEM: frozenset({Permission.SCORE}),
    Role.INVESTIGATOR: frozenset({Permission.READ, Permission.CASE}),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``name`` identifies the key in audit logs without revealing it;
    ``insurer`` is the member insurer a scoped key belongs to (``None``: not scoped)."""

    name: str
    role: Role
    pii: bool = False
    insurer: str | None = None

    def may(self, permission: Permission) -> bool:
        return permission in _GRANTS[self.role]


DEV_PRINCIPAL = Principal("dev", Role.ADMIN, pii=True)


def _key_name(key: str, role: Role, name: str | None, insurer: str | None) -> str:
    base = name or f"{role}:{hashlib.sha256(key.encode()).hexdigest()[:8]}"
    return f"{base}@{insurer}" if insurer else base


@dataclass(frozen=True)
class KeyEntry:
    """One configured key: the secret, its role, its optional name and insurer."""

    key: str
    role: Role
    name: str | None = None
    insurer: str | None = None


_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_ROLES = frozenset(r.value for r in Role)


def _parse_entry(number: int, item: str) -> KeyEntry:
    """``key:role[:name][@CODE]``; the key itself may hold ``:`` and ``@``."""
    head, at, scope = item.rpartition("@")
    insurer = normalize_insurer_code(scope) if at else None
    if insurer is not None:
        item = head
    parts = [p.strip() for p in item.split(":")]
    if len(parts) < 2 or not parts[0]:
        raise ConfigError(f"RINGSCOPE_API_KEYS entry {number} is not 'key:role'")
    name = None
    if parts[-1] not in _ROLES and len(parts) >= 3 and parts[-2] in _ROLES:
        name = parts.pop()
        if not _NAME.fullmatch(name):
            raise ConfigError(f"RINGSCOPE_API_KEYS entry {number}: a name is 1 to 64 letters, "
                              "digits, '.', '_' or '-'")
    key, role_name = ":".join(parts[:-1]).strip(), parts[-1]
    try:
        role = Role(role_name)
    except ValueError:
        raise ConfigError(
            f"RINGSCOPE_API_KEYS entry {number}: unknown role {role_name!r}; "
            f"use one of {', '.join(r.value for r in Role)}"
        ) from None
    if not key:
        raise ConfigError(f"RINGSCOPE_API_KEYS entry {number} is not 'key:role'")
    return KeyEntry(key, role, name, insurer)


class KeyRing:
    """The configured keys; :meth:`authenticate` maps a presented key to its principal."""

    def __init__(self, entries: list[KeyEntry], investigator_pii: bool = False,
                 open_access: bool = False) -> None:
        self.open_access = open_access
        self._entries = [(e.key.encode(), Principal(
            _key_name(e.key, e.role, e.name, e.insurer), e.role,
            pii=e.role is Role.ADMIN or (e.role is Role.INVESTIGATOR and investigator_pii),
            insurer=e.insurer,
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
        entry, a repeated key or a repeated name."""
        entries: list[KeyEntry] = []
        seen: set[str] = set()
        names: set[tuple[str, str | None]] = set()
        for number, item in enumerate((p.strip() for p in spec.split(",")), start=1):
            if not item:
                continue
            entry = _parse_entry(number, item)
            key = entry.key
            if len(key) < MIN_KEY_LENGTH:
                raise ConfigError(
                    f"RINGSCOPE_API_KEYS entry {number}: keys must be at least "
                    f"{MIN_KEY_LENGTH} characters"
                )
            if key in seen:
                raise ConfigError(f"RINGSCOPE_API_KEYS entry {number} repeats an earlier key")
            if entry.name is not None and (entry.name, entry.insurer) in names:
                raise ConfigError(f"RINGSCOPE_API_KEYS entry {number} repeats an earlier name")
            seen.add(key)
            if entry.name is not None:
                names.add((entry.name, entry.insurer))
            entries.append(entry)
        return cls(entries, investigator_pii)

    def by_name(self, name: str) -> Principal | None:
        """The principal of a configured key by its name (a session names its principal, so a
        key removed from the configuration ends the sessions opened with it)."""
        if self.open_access:
            return DEV_PRINCIPAL if name == DEV_PRINCIPAL.name else None
        return next((p for _, p in self._entries if p.name == name), None)

    def authenticate(self, presented: str | None) -> Principal | None:
        """The principal of a presented key, or ``None``; compares against every key."""
        if self.open_access:
            return DEV_PRINCIPAL
        if not presented:
            return None
        candidate = presented.encode("utf-8", "surrogateescape")
        found: Principal | None = None
        for key, principal in self._entries:
            if hmac.compare_digest(candidate, key):
                found = principal
        return found
