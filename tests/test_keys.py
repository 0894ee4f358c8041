"""Node keys: the same identifier typed any way is one key, and the fast path agrees with
``phonenumbers``."""

from __future__ import annotations

import doctest
import importlib
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum import luhn, numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from graph.keys import (
    BankAccount,
    IdNumber,
    Phone,
    normalize_address,
    normalize_addresses,
    normalize_bank_account,
    normalize_bank_accounts,
    normalize_id_number,
    normalize_id_numbers,
    normalize_phone,
    normalize_phones,
    normalize_text,
    normalize_texts,
    person_key,
    person_keys,
)
from graph.keys.bank_accounts import _account_or_damage
from graph.keys.cells import identifier_cell, with_damage
from graph.keys.id_numbers import FIRST_BIRTH_DATE, _id_or_damage, region_codes
from graph.keys.phones import _parsed_phone, _phone_or_damage
from graph.keys.records import _key_row, normalize_record_keys

MOBILE_PREFIXES = [
    "130", "135", "138", "139", "147", "150", "159", "166", "177", "186", "188", "199",
]
AREA_CODES = ["10", "20", "21", "755", "797", "571", "28"]
# Regions stdnum accepts for any birth year, for some years only, and not at all.
REGIONS = ["110101", "110105", "310101", "440305", "360102", "440106", "340121", "999999"]
FULL_WIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")

mobiles = st.builds(lambda p, rest: p + rest, st.sampled_from(MOBILE_PREFIXES),
                    st.text("0123456789", min_size=8, max_size=8))
landlines = st.builds(
    lambda area, first, rest: (area, first + rest),
    st.sampled_from(AREA_CODES), st.sampled_from("2345678"),
    st.text("0123456789", min_size=7, max_size=7),
)
separators = st.sampled_from(["", " ", "-", ".", "  ", " - ", "\u3000"])


@st.composite
def typed_mobile(draw: st.DrawFn) -> tuple[str, str]:
    """A mobile number and the way a clerk typed it."""
    number = draw(mobiles)
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "86 ", "(+86)"]))
    cuts = sorted(draw(st.sets(st.integers(1, 10), max_size=3)))
    parts = [number[i:j] for i, j in zip([0, *cuts], [*cuts, 11], strict=True)]
    typed = prefix + draw(separators).join(parts)
    if draw(st.booleans()):
        typed = typed.translate(FULL_WIDTH)
    return number, " " * draw(st.integers(0, 2)) + typed


@st.composite
def typed_landline(draw: st.DrawFn) -> tuple[str, str]:
    area, local = draw(landlines)
    prefix = draw(st.sampled_from(["0", "+86 ", "0086 ", "(0", "+86-"]))
    sep = draw(st.sampled_from(["-", " ", "", ") "])) if prefix == "(0" else draw(separators)
    if prefix == "(0" and ")" not in sep:
        sep = ")" + sep
    return area + local, prefix + area + sep + local


@given(typed_mobile())
def test_mobile_typed_any_way_is_one_value(case: tuple[str, str]) -> None:
    number, typed = case
    canonical = normalize_phone(number)
    assert canonical is not None
    assert normalize_phone(typed) == canonical
    assert _parsed_phone(number) == canonical  # agrees with phonenumbers
    if canonical.valid:
        assert canonical.value == "+86" + number and canonical.kind == "mobile"


@given(typed_landline())
def test_landline_typed_any_way_is_one_value(case: tuple[str, str]) -> None:
    national, typed = case
    canonical = normalize_phone("0" + national)
    assert canonical is not None
    assert _parsed_phone("0" + national) == canonical
    assume(canonical.valid)  # invalid numbers keep their digits as typed, by design
    assert canonical.value == "+86" + national and canonical.kind == "landline"
    assert normalize_phone(typed) == canonical


@settings(max_examples=400)
@given(st.text("0123456789+- ()", min_size=1, max_size=18))
def test_fast_path_agrees_with_phonenumbers_on_any_digits(typed: str) -> None:
    """On the line as read (a bracketed group at the end is a clerk's note, cut off before)."""
    got = normalize_phone(typed)
    if got is None:
        assert typed.strip() == ""
    else:
        line = identifier_cell(typed)
        assert isinstance(line, str) and got == _parsed_phone(line)


def test_a_clerks_note_is_cut_off_and_its_digits_never_join_the_number() -> None:
    """An outside tester's cells: a short number with a note holding digits became another
    customer's valid number (``1381234568（1号床）`` → ``+8613812345681``), tying an honest
    customer to a ring; an ID number with a note was another person."""
    cases = {"1381234568（1号床）": ("1381234568", False), "1771234567 (8)": ("1771234567", False),
             "1771234567【8】": ("1771234567", False), "1381234568号1": ("1381234568号1", False),
             "13812345680（女儿1）": ("+8613812345680", True), "13812345696.0（本人）": ("+8613812345696", True),
             "0731-84567890转123（3楼）": ("+8673184567890", True), "13812345686【本人】": ("+8613812345686", True)}
    for typed, (value, valid) in cases.items():
        phone = normalize_phone(typed)
        assert phone is not None and (phone.value, phone.valid) == (value, valid), typed
    assert normalize_id_number("362203199706028692（代办人）") == normalize_id_number("362203199706028692")
    assert normalize_bank_account("6222 0202 0011 2233 446（本人）") == normalize_bank_account("6222020200112233446")
    # a second tester's: an unclosed or stray bracket, a plus or a star between the digits, a
    # leading bracket that is no area code; none is another customer's number or card
    for typed in ("1381234568（1", "1381234568）1", "1381234568（1）号", "1381234568+1", "1381234568*1",
                  "(1)3812345681", "13812345678；13987654321"):
        phone = normalize_phone(typed)
        assert phone is not None and not phone.valid and phone.value != "+8613812345681", typed
    assert normalize_phone("(0797)8123456") == normalize_phone("(+86)797 8123456") == Phone("+867978123456",
                                                                                             "landline", True)
    for typed in ("622202020011223344（6", "622202020011223344）6", "622202020011223344（6）号",
                  "622202020011223344+6", "(6)222020200112233446"):
        account = normalize_bank_account(typed)
        assert account is not None and not account.luhn_valid and account.value != "6222020200112233446", typed


def test_phone_examples() -> None:
    assert normalize_phone("+86 797 8123456") == Phone("+867978123456", "landline", True)
    assert normalize_phone("010-12345678") == Phone("+861012345678", "landline", True)
    assert normalize_phone("12012345678") == Phone("+8612012345678", "other", False)
    assert normalize_phone("86 120 1234 5678") == Phone("+8612012345678", "other", False)
    assert normalize_phone("无") is None  # a placeholder, not a value (graph.keys.cells.PLACEHOLDERS)
    # an extension after a dash is the line's extension, not more digits of the number
    assert normalize_phone("0797-8123457-801") == normalize_phone("0797-8123457") == Phone(
        "+867978123457", "landline", True)
    assert normalize_phone("0797-812-3457") == Phone("+867978123457", "landline", True)
    assert normalize_phone(None) is None and normalize_phone(float("nan")) is None
    assert normalize_phone("+1 650 253 0000") == Phone("+16502530000", "other", True)


@given(st.lists(st.one_of(typed_mobile().map(lambda c: c[1]), st.just(""), st.none(),
                          st.text(max_size=6)), max_size=30))
def test_vectorised_phones_match_scalar(values: list[str | None]) -> None:
    frame = normalize_phones(pd.Series(values, dtype=object))
    for value, row in zip(values, frame.itertuples(index=False), strict=True):
        expected = normalize_phone(value)
        if not pd.isna(row.damaged):  # type: ignore[arg-type]
            assert expected is None  # e.g. "1E5": digits a spreadsheet lost
            continue
        if expected is None:
            assert all(pd.isna(v) for v in (row.value, row.kind, row.valid))  # type: ignore[arg-type]
        else:
            assert (row.value, row.kind, bool(row.valid)) == tuple(expected)


any_text = st.text(st.characters(codec="utf-8"), max_size=24)
# What spreadsheets and old systems do to cells (see graph.keys.cells), for the fast paths.
rendered = st.builds(
    lambda body, form: form.format(body),
    st.text("0123456789", min_size=1, max_size=19),
    st.sampled_from(["{}.0", "'{}", '="{}"', "\u200b{}", "{}\ufeff", "\u00a0{}\u3000", "{}转801",
                     "{} 分机 12", "{}x9", "{}E+18", "1.{}E+17", "{},000", "`{}"]),
)
typed_values = st.lists(st.one_of(
    typed_mobile().map(lambda c: c[1]), typed_landline().map(lambda c: c[1]),
    st.text("0123456789Xx -\u3000\t+()", max_size=22), any_text, st.none(), rendered,
    st.sampled_from(["张 三", " 江西省 赣州市\u3000章贡区 ", "A\u2028B", "\x1c", "٣٤٥", "ＡＢ",
                     "320102880505001", "3201028805050x1", "6.22203E+18", "'6222", "C001.0",
                     "红旗大道1号 十幢", "8号楼2号单元", "Ａ幢 三单元号", "二十三栋一百零五室", "五一路"]),
), max_size=40)


@settings(max_examples=150, deadline=None)
@given(typed_values)
def test_vectorised_normalizers_equal_scalar(values: list[str | None]) -> None:
    series = pd.Series(values, dtype=object)
    for vector, scalar, width in ((normalize_phones, _phone_or_damage, 3),
                                  (normalize_id_numbers, _id_or_damage, 2),
                                  (normalize_bank_accounts, _account_or_damage, 2)):
        rows = [None if pd.isna(r[0]) and pd.isna(r[-1]) else tuple(None if pd.isna(v) else v
                                                                    for v in r)
                for r in vector(series).astype(object).itertuples(index=False)]
        assert rows == [with_damage(scalar(v), width) for v in values], vector.__name__
    texts = [None if pd.isna(t) else t for t in normalize_texts(series)]
    assert texts == [normalize_text(v) for v in values]
    addresses = [None if pd.isna(t) else t for t in normalize_addresses(series)]
    assert addresses == [normalize_address(v) for v in values]
    keys = [None if pd.isna(r[0]) and pd.isna(r[1]) else tuple(None if pd.isna(v) else v for v in r)
            for r in normalize_record_keys(series).astype(object).itertuples(index=False)]
    assert keys == [_key_row(v) for v in values]


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(REGIONS))
    birth = draw(st.dates(min_value=pd.Timestamp("1930-01-01").date(),
                          max_value=pd.Timestamp("2005-12-31").date())).strftime("%Y%m%d")
    body = area + birth + draw(st.text("0123456789", min_size=3, max_size=3))
    return body + ric.calc_check_digit(body + "0")  # the function expects a full-length number


@given(id_numbers(), st.sampled_from(["", " ", "-"]), st.booleans())
def test_id_number_typed_any_way(number: str, sep: str, lower: bool) -> None:
    typed = number[:6] + sep + number[6:14] + sep + number[14:]
    typed = typed.lower() if lower else typed
    assert normalize_id_number(typed) == IdNumber(number, _reference_valid(number))
    broken = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert normalize_id_number(broken) == IdNumber(broken, False)


def _reference_valid(number: str) -> bool:
    """The rule, written with stdnum's parts: shape, check character, a real birth date from
    1900 to today, and a region code stdnum's table has at all (whatever its years)."""
    compact = number.replace(" ", "").replace("-", "").upper()
    if len(compact) != 18 or not compact[:17].isdigit() or compact[17] != ric.calc_check_digit(
            compact):
        return False
    try:
        born = ric.get_birth_date(compact)
    except ValidationError:
        return False
    place = dict(kv for _, props in numdb.get("cn/loc").info(compact[:6]) for kv in props.items())
    return FIRST_BIRTH_DATE <= born <= date.today() and "county" in place


@settings(max_examples=300)
@given(st.one_of(id_numbers(), st.text("0123456789Xx -", min_size=16, max_size=20),
                 st.builds(lambda n, i, c: n[:i] + c + n[i + 1:], id_numbers(),
                           st.integers(0, 17), st.sampled_from("0123456789X"))))
def test_id_validity_follows_the_rule(typed: str) -> None:
    got = normalize_id_number(typed)
    assert got is not None or typed.strip() == ""
    if got is not None and len(got.value) == 18 and len(typed.replace(" ", "").replace("-", "")) != 15:
        assert got.valid == _reference_valid(typed.replace(" ", "").replace("-", ""))


def test_every_region_code_that_ever_existed_is_valid_whatever_the_birth_year() -> None:
    """A number issued by a county created after its holder's birth (most numbers of people
    born before the 1990s) is valid: stdnum's own check flags them."""
    codes = sorted(region_codes())
    assert len(codes) > 6000
    births = ["19010101", "19491231", "19600229", "19851015", "20000101", "20231231"]
    numbers = []
    for i, code in enumerate(codes):
        body = code + births[i % len(births)] + f"{i % 1000:03d}"
        numbers.append(body + ric.calc_check_digit(body + "0"))
    frame = normalize_id_numbers(pd.Series(numbers))
    assert frame["valid"].all()
    assert all(normalize_id_number(n) == IdNumber(n, True) for n in numbers[::50])
    assert not ric.is_valid("360702" + "19900101" + "0010")  # stdnum ties region and birth year
    assert normalize_id_number("360702199001010010") == IdNumber("360702199001010010", True)


def test_id_number_dates_and_regions_that_are_flagged() -> None:
    def number(body: str) -> str:
        return body + ric.calc_check_digit(body + "0")

    future = (date.today() + timedelta(days=1)).strftime("%Y%m%d")
    for body in ("11010518991231001", "110105" + future + "001", "11010519900230001",
                 "99999919900101001", "11019919900101001"):
        assert normalize_id_number(number(body)) == IdNumber(number(body), False), body
    assert normalize_id_number(number("11010519000101001")).valid  # type: ignore[union-attr]


@given(st.text("0123456789", min_size=15, max_size=18), st.sampled_from([" ", "-", ""]))
def test_bank_account_groups_of_four(body: str, sep: str) -> None:
    card = body + luhn.calc_check_digit(body)
    typed = sep.join(card[i:i + 4] for i in range(0, len(card), 4))
    assert normalize_bank_account(typed) == BankAccount(card, True)
    wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert normalize_bank_account(wrong) == BankAccount(wrong, False)


@given(st.text(max_size=20))
def test_text_normalization_is_idempotent(raw: str) -> None:
    once = normalize_text(raw)
    assert once is None or normalize_text(once) == once


def test_text_examples() -> None:
    assert normalize_text("张  三") == "张三"
    assert normalize_text("Li  Ming\t") == "Li Ming"
    assert normalize_text("ＡＢＣ１２３") == "ABC123"
    assert normalize_text("") is None


def test_person_key() -> None:
    assert person_key("张三", "11010519491231002x", "13812345678") == "11010519491231002X"
    assert person_key("张 三", "", "+86 138 1234 5678") == "张三|+8613812345678"
    assert person_key("张三", None, None) is None
    assert person_key(None, None, "13812345678") == "|+8613812345678"


def test_vectorised_variants_match_scalar() -> None:
    names = pd.Series(["张 三", "李四", None, "王五"])
    ids = pd.Series(["", "11010519491231002x", None, "bad"])
    phones = pd.Series(["13812345678", "", "1", None])
    keys = person_keys(names, ids, phones).tolist()
    expected = [person_key(n, i, p) for n, i, p in zip(names, ids, phones, strict=True)]
    assert [None if pd.isna(k) else k for k in keys] == expected
    assert normalize_texts(names).tolist()[:2] == ["张三", "李四"]
    assert normalize_id_numbers(ids)["valid"].tolist()[1] is True
    accounts = normalize_bank_accounts(pd.Series(["6222 0202 0011 2233 446", None]))
    assert accounts["value"].tolist()[0] == "6222020200112233446"
    assert accounts["luhn_valid"].tolist()[0] is True


@pytest.mark.parametrize("module", ["", ".cells", ".columns", ".text", ".phones", ".id_numbers",
                                    ".bank_accounts", ".persons", ".records"])
def test_doctests(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"graph.keys{module}"))
    assert result.failed == 0 and result.attempted > 0


def test_stray_spaces_in_an_address_do_not_split_it() -> None:
    from graph.keys import normalize_text

    typed = ("江西省 赣州市 章贡区 红旗大道 1 号", "江西省赣州市章贡区红旗大道１号", "江西省赣州市章贡区 红旗大道1号")
    assert {normalize_text(t) for t in typed} == {"江西省赣州市章贡区红旗大道1号"}
    assert normalize_text("建国路88号  A座") == "建国路88号 A座"


BUILDING = "赣州市章贡区红旗大道1号10栋2单元301室"


@pytest.mark.parametrize("typed", [
    "江西省赣州市章贡区红旗大道1号10栋2单元301室",
    "江西省赣州市章贡区红旗大道1号10幢2单元301室",
    "江西省赣州市章贡区红旗大道1号10号楼2单元301室",
    "江西省赣州市章贡区红旗大道1号10栋2单元号301室",
    "江西省赣州市章贡区红旗大道1号10栋2号单元301室",
    "江西省赣州市章贡区红旗大道１号１０幢２单元３０１室",
    "江西省 赣州市章贡区红旗大道一号十幢二单元三零一室",
    "江西省赣州市章贡区红旗大道1号 十号楼 二号单元 301室",
    "赣州市章贡区红旗大道1号10栋2单元301室",
    "赣州市章贡区红旗大道一号十幢二单元三零一室",
])
def test_building_words_that_mean_the_same_are_one_address(typed: str) -> None:
    assert normalize_address(typed) == BUILDING
    assert normalize_addresses(pd.Series([typed], dtype="str")).tolist() == [BUILDING]


@pytest.mark.parametrize(("typed", "key"), [
    ("江西省赣州市章贡区红旗大道1号10楼", "赣州市章贡区红旗大道1号10楼"),  # 楼 alone: often a floor
    ("湖南省衡阳市祁东县灶市街新庄村11组23号", "衡阳市祁东县灶市街新庄村11组23号"),
    ("广西壮族自治区南宁市青秀区民族大道1号", "南宁市青秀区民族大道1号"),
    ("湖南省湘西土家族苗族自治州吉首市人民路2号", "湘西土家族苗族自治州吉首市人民路2号"),
    ("江西省南康区唐江镇3号", "江西省南康区唐江镇3号"),  # no city named after the province: kept
    ("建国路88号A座", "建国路88号A座"),
    ("五一路十里铺", "五一路十里铺"),  # numerals in names stay
    ("红旗大道1号A幢", "红旗大道1号A栋"),
    ("二十三栋一百零五室", "23栋105室"),
])
def test_address_keys_leave_other_words_as_typed(typed: str, key: str) -> None:
    assert normalize_address(typed) == key
