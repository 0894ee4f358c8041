"""The input contract as data: tables, columns, keys, types, allowed values, references, aliases.

An input folder holds one file per table (``agents.csv`` or ``agents.parquet`` …). Column names
are the English names below; common Chinese headers are accepted through per-table aliases.

>>> CONTRACT["surrenders"].primary_key
'claim_id'
>>> resolve_header("surrenders", "联系电话"), resolve_header("customers", "联系电话")
('contact_phone', 'phone')
>>> [t.name for t in CONTRACT.values() if t.required]
['agents', 'customers', 'policies', 'surrenders']
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from graph.keys.cells import clean_cell
from graph.model import SINGLE_VALUED, Label, Rel

__all__ = [
    "CLEARABLE",
    "CLEAR_MARKER",
    "CONTRACT",
    "Clearable",
    "Column",
    "ColumnKind",
    "Reference",
    "Table",
    "contract_markdown",
    "enum_value",
    "header_key",
    "pseudonym_columns",
    "resolve_header",
]


class ColumnKind(StrEnum):
    """How a column's values are checked and normalized."""

    KEY = "key"  # a record id: trimmed, compared exactly
    TEXT = "text"  # free text: NFKC and whitespace
    DATE = "date"  # YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD, stored as ISO
    AMOUNT = "amount"  # yuan, decimal
    ENUM = "enum"  # one of the allowed values
    PHONE = "phone"
    ID_NUMBER = "id_number"
    BANK_ACCOUNT = "bank_account"
    ADDRESS = "address"
    IDENTIFIER = "identifier"  # phone, account, ID number or address, depending on another column
    INSURER = "insurer"  # an insurer's code (graph.keys.insurers)


IDENTIFIER_KINDS = frozenset(
    {ColumnKind.PHONE, ColumnKind.ID_NUMBER, ColumnKind.BANK_ACCOUNT, ColumnKind.IDENTIFIER}
)


@dataclass(frozen=True)
class Column:
    """One column: its name, whether a value is required, its kind and accepted header aliases."""

    name: str
    kind: ColumnKind = ColumnKind.TEXT
    required: bool = False
    allowed: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    value_aliases: Mapping[str, str] | None = None

    @property
    def masked(self) -> bool:
        """Values of this column are personal identifiers and are masked in problem reports."""
        return self.kind in IDENTIFIER_KINDS


@dataclass(frozen=True)
class Reference:
    """``table.column`` must name an existing ``target`` record when it is not empty."""

    column: str
    target: str


@dataclass(frozen=True)
class Table:
    """One input table."""

    name: str
    required: bool
    primary_key: str
    columns: tuple[Column, ...]
    references: tuple[Reference, ...] = ()
    description: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def of_kind(self, *kinds: ColumnKind) -> list[Column]:
        return [c for c in self.columns if c.kind in kinds]


def _col(name: str, kind: ColumnKind = ColumnKind.TEXT, *aliases: str, required: bool = False,
         allowed: tuple[str, ...] = (), value_aliases: Mapping[str, str] | None = None) -> Column:
    return Column(name, kind, required, allowed, aliases, value_aliases)


K, T, D, A, E = ColumnKind.KEY, ColumnKind.TEXT, ColumnKind.DATE, ColumnKind.AMOUNT, ColumnKind.ENUM
PH, ID, BA, AD = ColumnKind.PHONE, ColumnKind.ID_NUMBER, ColumnKind.BANK_ACCOUNT, ColumnKind.ADDRESS
PHONE_ALIASES = ("联系电话", "电话", "手机号", "手机号码")
INSURER_COLUMN = Column("insurer", ColumnKind.INSURER, aliases=("保险公司代码", "公司代码"))
"""Every table may name the insurer of each row (``ringscope ingest --insurer`` names it for all)."""

CONTRACT: Mapping[str, Table] = {t.name: t for t in (
    Table("agents", True, "agent_id", (
        _col("agent_id", K, "代理人编号", "代理人工号", "业务员工号", "工号", required=True),
        _col("name", T, "代理人姓名", "业务员姓名", "姓名"),
        _col("phone", PH, *PHONE_ALIASES),
        _col("branch", T, "机构", "分支机构", "营业部"),
        _col("status", E, "状态", "在职状态", allowed=("active", "resigned", "terminated"),
             value_aliases={"在职": "active", "离职": "resigned", "解约": "terminated"}),
        _col("hire_date", D, "入职日期"),
        _col("leave_date", D, "离职日期"),
        INSURER_COLUMN,
    ), description="Sales agents, including resigned and terminated ones."),
    Table("customers", True, "customer_id", (
        _col("customer_id", K, "客户号", "客户编号", required=True),
        _col("name", T, "客户姓名", "姓名"),
        _col("id_number", ID, "身份证号", "身份证号码", "证件号码"),
        _col("phone", PH, *PHONE_ALIASES),
        _col("address", AD, "地址", "联系地址", "住址"),
        _col("bank_account", BA, "银行账号", "银行卡号"),
        INSURER_COLUMN,
    ), description="Policyholders with their registered identifiers."),
    Table("policies", True, "policy_id", (
        _col("policy_id", K, "保单号", required=True),
        _col("customer_id", K, "客户号", "投保人客户号", required=True),
        _col("agent_id", K, "代理人编号", "业务员工号", required=True),
        _col("product", T, "产品", "险种", "产品名称"),
        _col("issue_date", D, "生效日期", "承保日期", required=True),
        _col("annual_premium", A, "年缴保费", "年交保费"),
        _col("premiums_paid", A, "已缴保费", "累计已交保费"),
        INSURER_COLUMN,
    ), (Reference("customer_id", "customers"), Reference("agent_id", "agents")),
        "Life policies: who holds each one and which agent sold it."),
    Table("surrenders", True, "claim_id", (
        _col("claim_id", K, "退保申请号", "申请号", "受理号", required=True),
        _col("policy_id", K, "保单号", required=True),
        _col("customer_id", K, "客户号", required=True),
        _col("request_date", D, "退保申请日期", "申请日期", required=True),
        _col("channel", T, "申请渠道", "渠道"),
        _col("reason_code", T, "退保原因代码", "原因代码"),
        _col("reason_text", T, "退保原因", "原因说明"),
        _col("contact_phone", PH, *PHONE_ALIASES),
        _col("payout_account", BA, "收款账号", "收款账户"),
        _col("payout_account_name", T, "收款户名", "收款人"),
        _col("representative_name", T, "代办人姓名", "委托代办人"),
        _col("representative_id_number", ID, "代办人身份证号", "代办人证件号码"),
        _col("representative_phone", PH, "代办人电话", "代办人手机号"),
        _col("cash_value", A, "现金价值"),
        _col("requested_amount", A, "申请金额", "申请退费金额"),
        _col("refund_type", E, "退费类型", "退保类型", allowed=("cash_value", "full_premium"),
             value_aliases={"现金价值": "cash_value", "全额退保": "full_premium",
                            "全额退费": "full_premium"}),
        INSURER_COLUMN,
    ), (Reference("policy_id", "policies"), Reference("customer_id", "customers")),
        "Surrender requests (claims), with who asked, how to call back and where to pay."),
    Table("complaints", False, "complaint_id", (
        _col("complaint_id", K, "投诉编号", "投诉单号", required=True),
        _col("policy_id", K, "保单号"),
        _col("customer_id", K, "客户号"),
        _col("received_date", D, "受理日期", "投诉日期", required=True),
        _col("channel", T, "投诉渠道", "渠道"),
        _col("text", T, "投诉内容", "内容"),
        _col("contact_phone", PH, *PHONE_ALIASES),
        _col("mailing_address", AD, "邮寄地址", "来信地址"),
        INSURER_COLUMN,
    ), (Reference("policy_id", "policies"), Reference("customer_id", "customers")),
        "Complaints and letters, with their contact phone and mailing address."),
    Table("contact_changes", False, "change_id", (
        _col("change_id", K, "变更编号", "批改号", required=True),
        _col("customer_id", K, "客户号", required=True),
        _col("change_date", D, "变更日期", required=True),
        _col("field", E, "变更项目", "变更字段", required=True,
             allowed=("phone", "address", "bank_account"),
             value_aliases={"电话": "phone", "手机号": "phone", "联系电话": "phone",
                            "地址": "address", "银行账号": "bank_account"}),
        _col("old_value", ColumnKind.IDENTIFIER, "原值", "变更前"),
        _col("new_value", ColumnKind.IDENTIFIER, "新值", "变更后"),
        _col("channel", T, "渠道", "变更渠道"),
        INSURER_COLUMN,
    ), (Reference("customer_id", "customers"),),
        "Changes of a customer's phone, address or bank account."),
    Table("watchlist", False, "entry_id", (
        _col("entry_id", K, "条目编号", "编号", required=True),
        _col("name", T, "名称", "姓名"),
        _col("kind", T, "类别", "主体类型"),
        _col("identifier_type", E, "标识类型", required=True,
             allowed=("phone", "bank_account", "id_number", "address"),
             value_aliases={"电话": "phone", "银行账号": "bank_account",
                            "身份证号": "id_number", "地址": "address"}),
        _col("identifier_value", ColumnKind.IDENTIFIER, "标识值", required=True),
        _col("source", T, "来源"),
        _col("added_date", D, "列入日期", "加入日期"),
        INSURER_COLUMN,
    ), description="Industry-shared blacklist of intermediaries' identifiers."),
)}


CLEAR_MARKER = "#CLEAR"
"""The cell value that clears a record's single-valued field (:data:`CLEARABLE`): a blank
cell says nothing new and keeps the stored value, ``#CLEAR`` says the record has none (a
request typed with a representative it never had). Compared after the cleaning every cell
gets, in any letter case."""


@dataclass(frozen=True)
class Clearable:
    """A single-valued field of a table's records that ``#CLEAR`` can clear: the columns that
    state it (one ``#CLEAR`` clears the field; the others must then be blank or ``#CLEAR``),
    the relationship that holds it (:data:`graph.model.SINGLE_VALUED`) and the record node's
    properties that hold the rest of it (a request's ``representative_name``)."""

    table: str
    columns: tuple[str, ...]
    triple: tuple[Label, Rel, Label]
    properties: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        assert self.triple in SINGLE_VALUED, self.triple

    @property
    def name(self) -> str:
        """What the field is called in messages: its first column, less a ``_name`` suffix."""
        return self.columns[0] if len(self.columns) == 1 else self.columns[0].removesuffix("_name")


CLEARABLE: tuple[Clearable, ...] = (
    Clearable("agents", ("phone",), (Label.AGENT, Rel.HAS_PHONE, Label.PHONE)),
    Clearable("customers", ("phone",), (Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE)),
    Clearable("customers", ("address",), (Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS)),
    Clearable("customers", ("bank_account",), (Label.CUSTOMER, Rel.HAS_ACCOUNT, Label.BANK_ACCOUNT)),
    Clearable("surrenders", ("contact_phone",), (Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE)),
    Clearable("surrenders", ("payout_account", "payout_account_name"),
              (Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT), ("payout_account_name",)),
    Clearable("surrenders", ("representative_name", "representative_id_number", "representative_phone"),
              (Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON), ("representative_name",)),
    Clearable("complaints", ("contact_phone",), (Label.COMPLAINT, Rel.CONTACT_PHONE, Label.PHONE)),
    Clearable("complaints", ("mailing_address",), (Label.COMPLAINT, Rel.MAILED_FROM, Label.ADDRESS)),
)
"""Every single-valued field an input cell may leave blank, by table: the ones
:data:`CLEAR_MARKER` clears. (A policy's holder and agent are required; a watchlist entry's
identifier too; contact changes are history.)

>>> [f.name for f in CLEARABLE if f.table == "surrenders"]
['contact_phone', 'payout_account', 'representative']
"""


def header_key(header: str) -> str:
    """How headers are compared: cleaned as a cell is (:func:`graph.keys.cells.clean_cell`:
    NFKC, invisible characters and text-forcing marks such as a leading ``'`` removed), no
    spaces, lower case.

    >>> header_key("\\ufeff Policy_ID "), header_key("phone\\u200b"), header_key("'phone")
    ('policy_id', 'phone', 'phone')
    """
    text = clean_cell(header) or unicodedata.normalize("NFKC", header)
    return "".join(text.split()).lower()


def _header_map(table: Table) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for column in table.columns:
        mapping[header_key(column.name)] = column.name
        for alias in column.aliases:
            mapping.setdefault(header_key(alias), column.name)
    return mapping


_HEADERS = {name: _header_map(table) for name, table in CONTRACT.items()}


def pseudonym_columns(table: Table) -> tuple[str, ...]:
    """Columns a pseudonymized book adds to ``table`` (``ringscope pseudonymize`` writes them):
    ``<column>_valid``, the validity ingest found at the insurer, for every identifier column;
    ``<column>_kind`` (mobile, landline, other) for phones and typed identifiers; and in
    ``surrenders`` the representative's key, ``representative_key``.

    >>> pseudonym_columns(CONTRACT["surrenders"])[:3]
    ('contact_phone_valid', 'contact_phone_kind', 'payout_account_valid')
    """
    names: list[str] = []
    for column in table.columns:
        if column.kind in IDENTIFIER_KINDS:
            names.append(f"{column.name}_valid")
        if column.kind in (ColumnKind.PHONE, ColumnKind.IDENTIFIER):
            names.append(f"{column.name}_kind")
    if table.name == "surrenders":
        names.append("representative_key")
    return tuple(names)


_PSEUDONYM_HEADERS = {name: {header_key(c): c for c in pseudonym_columns(table)}
                      for name, table in CONTRACT.items()}


def resolve_header(table: str, header: str, pseudonymized: bool = False) -> str | None:
    """The contract column a header names in ``table`` (exact name or alias), else ``None``;
    in a pseudonymized book also the columns of :func:`pseudonym_columns`."""
    key = header_key(header)
    found = _HEADERS[table].get(key)
    if found is None and pseudonymized:
        return _PSEUDONYM_HEADERS[table].get(key)
    return found


def enum_value(column: Column, raw: str) -> str | None:
    """The allowed value ``raw`` stands for (case-insensitive, Chinese aliases), else ``None``.

    >>> enum_value(CONTRACT["agents"].column("status"), " 离职 ")
    'resigned'
    """
    text = header_key(raw)
    if text in column.allowed:
        return text
    return (column.value_aliases or {}).get(text)


def contract_markdown() -> str:
    """The contract as Markdown tables (columns, then Chinese header aliases) for the README."""
    lines = ["| file | columns | key | references |", "|---|---|---|---|"]
    for t in CONTRACT.values():
        cols = ", ".join(
            c.name + ("*" if c.required else "")
            + (f" ({' / '.join(c.allowed)})" if c.allowed else "")
            for c in t.columns
        )
        refs = ", ".join(f"{r.column} → {r.target}" for r in t.references)
        lines.append(f"| {t.name} ({'required' if t.required else 'optional'}) | {cols} "
                     f"| {t.primary_key} | {refs} |")
    lines += ["", "| file | column | kind | accepted headers |", "|---|---|---|---|"]
    for t in CONTRACT.values():
        for c in t.columns:
            if c.aliases:
                lines.append(f"| {t.name} | {c.name} | {c.kind} | {', '.join(c.aliases)} |")
    return "\n".join(lines) + "\n"
