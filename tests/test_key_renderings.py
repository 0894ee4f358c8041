"""Any way a clerk or a spreadsheet renders one identifier maps to one node key; renderings of two
different identifiers never share a key; a rendering that lost digits maps to no key.

Per identifier kind (mobile, landline, landline with an extension, 18- and 15-character ID
numbers, bank cards), a rendering is the identifier typed the clerk's way (separators, ``+86``,
lower-case ``x``, groups of four), then decorated the way exports decorate cells (full-width
characters, invisible characters anywhere, a text-forcing wrapper, odd spaces around), or the
identifier as a spreadsheet number (``.0``, thousands separators, scientific notation with all
digits: recovered while a float holds the number exactly; Excel's six-digit scientific
notation, or a longer number: damaged).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import NamedTuple

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import ric

from graph.keys import normalize_bank_account, normalize_id_number, normalize_phone
from graph.keys.cells import FLOAT_EXACT_LIMIT
from graph.keys.id_numbers import region_codes

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
SPACES = ["", " ", "\u00a0", "\u3000", "\t", "  "]
WRAPPERS = ["{}", "'{}", '="{}"', '"{}"', "`{}", "‘{}"]
FULL_WIDTH = str.maketrans("0123456789+-()xX.", "０１２３４５６７８９＋－（）ｘＸ．")
MOBILE_PREFIXES = ["130", "135", "138", "139", "147", "150", "157", "166", "177", "186", "199"]
AREA_CODES = ["10", "20", "21", "755", "797", "571", "28", "731"]
EXTENSIONS = ["转{}", "分机{}", " 分机号 {}", " ext. {}", "ext{}", " x{}", "x{}", "(转{})",
              "-转{}", " #{}", "转分机{}"]
NOTES = ["{}（本人）", "{}（子女）", "{} (老伴)", "{}(单位)", "{}[本人]", "{}【本人】", "{}（3号床）"]
"""A clerk's note after the number saying whose it is (an outside book's export had 394)."""
CODES = sorted(region_codes())


class Rendering(NamedTuple):
    typed: str
    damaged: bool  # a spreadsheet lost digits: no key


@st.composite
def decorated(draw: st.DrawFn, text: str) -> str:
    """``text`` as an export may carry it: full width, invisible characters, a wrapper."""
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(INVISIBLE)) + text[at:]
    text = draw(st.sampled_from(WRAPPERS)).format(text)
    return draw(st.sampled_from(SPACES)) + text + draw(st.sampled_from(SPACES))


def as_numbers(digits: str) -> list[Rendering]:
    """The identifier as a spreadsheet or a float shows a number."""
    number = int(digits)
    exact = number <= FLOAT_EXACT_LIMIT
    text = str(number)
    full = text[0] + ("." + text[1:] if len(text) > 1 else "") + f"E+{len(text) - 1}"
    out = [Rendering(f"{text}.0", not exact), Rendering(f"{number:,}", not exact),
           Rendering(full, not exact), Rendering(f"{digits}.00", not exact)]
    if len(text) > 6:
        out.append(Rendering(f"{number:.5E}", True))  # what Excel's General format shows
    return out


@st.composite
def rendering(draw: st.DrawFn, typed: list[str], digits: str | None) -> Rendering:
    """One of the clerk's forms ``typed`` decorated, or the digits as a spreadsheet number."""
    if digits is not None and draw(st.integers(0, 3)) == 0:
        number = draw(st.sampled_from(as_numbers(digits)))
        if number.damaged or draw(st.booleans()):
            return number
        return Rendering(draw(decorated(number.typed)), False)
    return Rendering(draw(decorated(draw(st.sampled_from(typed)))), False)


def _cut(text: str, sep: str, *at: int) -> str:
    bounds = [0, *at, len(text)]
    return sep.join(text[a:b] for a, b in pairwise(bounds))


# ------------------------------------------------------------------------------ identifiers
class Identifier(NamedTuple):
    key: str  # the node key every rendering must map to
    render: st.SearchStrategy[Rendering]


mobiles = st.builds(lambda p, rest: p + rest, st.sampled_from(MOBILE_PREFIXES),
                    st.text("0123456789", min_size=8, max_size=8))
UNALLOCATED_PREFIXES = ["140", "143", "146", "148", "154", "168", "194"]
"""Mobile-shaped prefixes the numbering plan does not (yet) allocate: data-only and reserved
ranges that still appear on real requests."""
unallocated = st.builds(lambda p, rest: p + rest, st.sampled_from(UNALLOCATED_PREFIXES),
                        st.text("0123456789", min_size=8, max_size=8))


@st.composite
def mobile(draw: st.DrawFn, numbers: st.SearchStrategy[str] = mobiles) -> Identifier:
    number = draw(numbers)
    sep = draw(st.sampled_from(["", " ", "-", "."]))
    forms = [number, _cut(number, sep, 3, 7), "+86" + number, "+86 " + _cut(number, " ", 3, 7),
             "0086" + number, "86" + number, "(+86)" + number]
    forms += [draw(st.sampled_from(NOTES)).format(form) for form in forms]
    return Identifier("+86" + number, rendering(forms, number))


@st.composite
def landline(draw: st.DrawFn, extension: bool = False) -> Identifier:
    area = draw(st.sampled_from(AREA_CODES))
    local = draw(st.sampled_from("2345678")) + draw(st.text("0123456789", min_size=7,
                                                            max_size=7))
    national = area + local
    forms = ["0" + area + "-" + local, "0" + national, "(0" + area + ")" + local,
             "+86 " + area + " " + local, "0" + area + " " + local]
    digits: str | None = "0" + national
    if extension:
        ext = draw(st.text("0123456789", min_size=1, max_size=4))
        forms = [form + draw(st.sampled_from(EXTENSIONS)).format(ext) for form in forms]
        digits = None
    forms += [draw(st.sampled_from(NOTES)).format(form) for form in forms]
    return Identifier("+86" + national, rendering(forms, digits))


@st.composite
def id_18(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A valid 18-character number and the clerk's ways of typing it."""
    birth = draw(st.dates(min_value=ric.get_birth_date("110105190001010010"),
                          max_value=ric.get_birth_date("110105202312310010")))
    body = draw(st.sampled_from(CODES)) + birth.strftime("%Y%m%d") + draw(
        st.text("0123456789", min_size=3, max_size=3))
    number = body + ric.calc_check_digit(body + "0")
    return number, [number, number.lower(), _cut(number, " ", 6, 14), _cut(number, "-", 6, 14),
                    _cut(number, " ", 6, 10, 14)]


@st.composite
def id_number_18(draw: st.DrawFn) -> Identifier:
    number, forms = draw(id_18())
    return Identifier(number, rendering(forms, number if number[-1] != "X" else None))


@st.composite
def id_number_15(draw: st.DrawFn) -> Identifier:
    """A first-generation number (born in the 1900s): its renderings and its 18-character
    upgrade's all map to the upgrade."""
    birth = draw(st.dates(min_value=ric.get_birth_date("110105190001010010"),
                          max_value=ric.get_birth_date("110105199912310010")))
    old = draw(st.sampled_from(CODES)) + birth.strftime("%y%m%d") + draw(
        st.text("0123456789", min_size=3, max_size=3))
    body = old[:6] + "19" + old[6:]
    new = body + ric.calc_check_digit(body + "0")
    forms = [old, _cut(old, " ", 6, 12), _cut(old, "-", 6, 12), new, new.lower()]
    return Identifier(new, st.one_of(rendering(forms, old), rendering([new], None)))


@st.composite
def bank_card(draw: st.DrawFn) -> Identifier:
    body = draw(st.sampled_from(["62", "4", "5", "9"])) + draw(
        st.text("0123456789", min_size=13, max_size=17))
    card = body + luhn.calc_check_digit(body)
    forms = [card, _cut(card, " ", *range(4, len(card), 4)), _cut(card, "-", *range(4, len(card), 4)),
             " " + card]
    return Identifier(card, rendering(forms, card))


def phone_key(typed: str) -> str | None:
    phone = normalize_phone(typed)
    return phone.value if phone else None


def id_key(typed: str) -> str | None:
    ident = normalize_id_number(typed)
    return ident.value if ident else None


def card_key(typed: str) -> str | None:
    account = normalize_bank_account(typed)
    return account.value if account else None


KINDS: dict[str, tuple[Callable[[], st.SearchStrategy[Identifier]], Callable[[str], str | None]]] = {
    "mobile": (mobile, phone_key),
    "unallocated mobile": (lambda: mobile(unallocated), phone_key),
    "landline": (landline, phone_key),
    "landline with extension": (lambda: landline(extension=True), phone_key),
    "ID number (18)": (id_number_18, id_key),
    "ID number (15)": (id_number_15, id_key),
    "bank card": (bank_card, card_key),
}


@pytest.mark.parametrize("kind", list(KINDS))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_renderings_of_one_identifier_map_to_one_key(kind: str, data: st.DataObject) -> None:
    strategy, key_of = KINDS[kind]
    identifier = data.draw(strategy())
    if kind in ("mobile", "landline", "landline with extension"):
        canonical = normalize_phone(identifier.key)
        assume(canonical is not None and canonical.valid)
    typed = data.draw(identifier.render)
    assert key_of(typed.typed) == (None if typed.damaged else identifier.key), typed
    if kind in ("mobile", "landline", "landline with extension") and not typed.damaged:
        assert normalize_phone(typed.typed) == normalize_phone(identifier.key), typed  # kind and validity too


@pytest.mark.parametrize("kind", list(KINDS))
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_two_identifiers_never_share_a_key(kind: str, data: st.DataObject) -> None:
    strategy, key_of = KINDS[kind]
    first, second = data.draw(strategy()), data.draw(strategy())
    assume(first.key != second.key)
    a, b = key_of(data.draw(first.render).typed), key_of(data.draw(second.render).typed)
    assert a is None or a != b


def test_renderings_that_lost_digits_map_to_no_key() -> None:
    """Two different cards as Excel shows them are the same text; neither may become a key."""
    assert f"{6222029900000001018:.5E}" == f"{6222029900000002024:.5E}" == "6.22203E+18"
    for typed in ("6.22203E+18", "6222029900000001018.0", "6,222,029,900,000,001,018",
                  "1.10105E+17", "110105198001010112.0"):
        assert card_key(typed) is None and id_key(typed) is None and phone_key(typed) is None
    assert phone_key("1.57123E+10") is None
    assert phone_key("1.5712349999E+10") == "+8615712349999"
