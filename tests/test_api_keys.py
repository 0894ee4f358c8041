"""``RINGSCOPE_API_KEYS``: ``key:role`` and ``key:role:name`` entries, and who a key is."""

from __future__ import annotations

import hashlib

import pytest

from api.security import KeyRing, Permission, Role
from graph.errors import ConfigError


def _short_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def test_todays_entries_keep_working_and_are_known_by_role_and_hash() -> None:
    keys = KeyRing.parse("risk-key-0001:risk_system, case-key-0001:investigator")
    who = keys.authenticate("case-key-0001")
    assert who is not None and who.role is Role.INVESTIGATOR and who.name == ""
    assert who.actor == who.key_id == f"investigator:{_short_hash('case-key-0001')}"
    assert keys.by_key_id(who.key_id) == who


def test_a_named_key_names_its_holder() -> None:
    keys = KeyRing.parse("zw-key-00001:investigator:张伟, lx-key-00001:admin: 李 雪 ,"
                         "plain-key-001:investigator, risk-key-0001:risk_system:风控系统")
    zhang = keys.authenticate("zw-key-00001")
    assert zhang is not None and zhang.name == zhang.actor == "张伟"
    assert zhang.key_id == f"investigator:{_short_hash('zw-key-00001')}"  # sessions name the key
    li = keys.authenticate("lx-key-00001")
    assert li is not None and li.role is Role.ADMIN and li.name == "李 雪" and li.pii
    # people a case can be assigned to: named holders of keys that may work cases
    assert keys.people(Permission.CASE) == ["张伟", "李 雪"]


def test_a_key_may_hold_colons_in_todays_form() -> None:
    keys = KeyRing.parse("urn:ringscope:key-01:admin")
    who = keys.authenticate("urn:ringscope:key-01")
    assert who is not None and who.role is Role.ADMIN and who.name == ""


@pytest.mark.parametrize(("spec", "message"), [
    ("lonely", "entry 1 is not 'key:role' or 'key:role:name'"),
    (":admin", "entry 1 is not 'key:role' or 'key:role:name'"),
    ("good-key-0001:admin, some-key-0001:investigatr", "entry 2: unknown role 'investigatr'"),
    ("some-key-0001:boss:张伟", "entry 1: unknown role 'boss'"),
    ("some-key-0001:investigator:", "entry 1: the name after the role must be 1 to 64"),
    ("some-key-0001:investigator:" + "名" * 65, "the name after the role must be 1 to 64"),
    ("some-key-0001:investigator:张\x00伟", "without control characters"),
    ("some-key-0001:investigator:admin", "entry 1 is ambiguous"),
    ("short:investigator:张伟", "keys must be at least 8 characters"),
    ("some-key-0001:admin:张伟, some-key-0001:investigator:李雪", "entry 2 repeats an earlier key"),
])
def test_malformed_entries_are_refused_with_their_number(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        KeyRing.parse(spec)
