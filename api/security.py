"""API keys, roles and what each role may do.

Keys come from ``RINGSCOPE_API_KEYS`` as ``key:role`` pairs. A presented key is compared with
*every* configured key in constant time (``hmac.compare_digest``), so the time an answer takes
says nothing about how much of a key was right or where it sits in the list.

>>> ring = KeyRing.parse("s3cret-risk:risk_system, s3cret-admin:admin")
>>> ring.authenticate("s3cret-admin").role
<Role.ADMIN: 'admin'>
>>> ring.authenticate("nope") is None
True
>>> ring.by_name(ring.authenticate("s3cret-risk").name).role
<Role.RISK_SYSTEM: 'risk_system'>
>>> KeyRing.parse("lonely")
Traceback (most recent call last):
...
graph.errors.ConfigError: RINGSCOPE_API_KEYS entry 1 is not 'key:role'
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

from graph.errors import ConfigError

__all__ = ["DEV_PRINCIPAL", "MIN_KEY_LENGTH", "KeyRing", "Permission", "Principal", "Role"]

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
    """An authenticated caller. ``name`` identifies the key in audit logs without revealing it."""

    name: str
    role: Role
    pii: bool = False

    def may(self, permission: Permission) -> bool:
        return permission in _GRANTS[self.role]


DEV_PRINCIPAL = Principal("dev", Role.ADMIN, pii=True)


def _key_name(key: str, role: Role) -> str:
    return f"{role}:{hashlib.sha256(key.encode()).hexdigest()[:8]}"


class KeyRing:
    """The configured keys; :meth:`authenticate` maps a presented key to its principal."""

    def __init__(self, entries: list[tuple[str, Role]], investigator_pii: bool = False,
                 open_access: bool = False) -> None:
        self.open_access = open_access
        self._entries = [(key.encode(), Principal(
            _key_name(key, role), role,
            pii=role is Role.ADMIN or (role is Role.INVESTIGATOR and investigator_pii),
        )) for key, role in entries]

    @classmethod
    def open(cls) -> KeyRing:
        """Development mode: no keys, every caller is an admin."""
        return cls([], open_access=True)

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def parse(cls, spec: str, investigator_pii: bool = False) -> KeyRing:
        """Read ``key:role, key:role …``; raises :class:`ConfigError` on any malformed entry."""
        entries: list[tuple[str, Role]] = []
        seen: set[str] = set()
        for number, item in enumerate((p.strip() for p in spec.split(",")), start=1):
            if not item:
                continue
            key, sep, role_name = item.rpartition(":")
            key, role_name = key.strip(), role_name.strip()
            if not sep or not key:
                raise ConfigError(f"RINGSCOPE_API_KEYS entry {number} is not 'key:role'")
            try:
                role = Role(role_name)
            except ValueError:
                raise ConfigError(
                    f"RINGSCOPE_API_KEYS entry {number}: unknown role {role_name!r}; "
                    f"use one of {', '.join(r.value for r in Role)}"
                ) from None
            if len(key) < MIN_KEY_LENGTH:
                raise ConfigError(
                    f"RINGSCOPE_API_KEYS entry {number}: keys must be at least "
                    f"{MIN_KEY_LENGTH} characters"
                )
            if key in seen:
                raise ConfigError(f"RINGSCOPE_API_KEYS entry {number} repeats an earlier key")
            seen.add(key)
            entries.append((key, role))
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
