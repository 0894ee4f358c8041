"""Request and response bodies of the HTTP API, with the examples shown in the OpenAPI schema."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from datetime import date
from typing import Annotated, Any, Literal, Self, get_type_hints

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    create_model,
    field_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from detectors.params import DetectionParams
from graph.keys.cells import Damaged, clean_cell, number_cell
from graph.keys.dates import FIRST_YEAR, LAST_YEAR, DateProblem, after_today
from graph.keys.dates import parse_date as read_date_cell
from graph.model import MAX_AMOUNT
from graph.results import CaseStatus

__all__ = [
    "ERROR_RESPONSES",
    "AuditEntry",
    "CaseOut",
    "CaseUpdate",
    "ContractDate",
    "DetectionParamsIn",
    "EntityOut",
    "ErrorOut",
    "EvidenceOut",
    "GraphEdgeOut",
    "GraphNodeOut",
    "GraphOut",
    "HealthOut",
    "IdentifierOut",
    "InputWarning",
    "Level",
    "ReadyOut",
    "RingDetail",
    "RingMember",
    "RingPage",
    "RingSummary",
    "RunOut",
    "RunPage",
    "RunRequest",
    "ScoreRequest",
    "ScoreResponse",
    "TimelineEvent",
    "duplicate_keys",
    "parse_amount",
    "parse_date",
]

Level = Literal["high", "medium", "low"]

def parse_date(value: object) -> date:
    """A date read as ingest reads a date cell (:func:`graph.keys.dates.parse_date`: ``YYYY-MM-DD``,
    ``YYYY/MM/DD`` or ``YYYYMMDD``, a year from :data:`~graph.keys.dates.FIRST_YEAR` to
    :data:`~graph.keys.dates.LAST_YEAR`; ``2023111`` is refused, never guessed), so a request and
    the export it will later be part of read the same date.

    >>> parse_date("2025/03/01"), parse_date("20250301")
    (datetime.date(2025, 3, 1), datetime.date(2025, 3, 1))
    >>> parse_date("2023111")
    Traceback (most recent call last):
    ...
    ValueError: not a date: a compact date has exactly 8 digits (YYYYMMDD); 2023111 could be read more than one way
    >>> parse_date("9999-12-31")
    Traceback (most recent call last):
    ...
    ValueError: not a date: year 9999 is outside 1900–2099
    """
    if not isinstance(value, str):
        raise ValueError("expected a date string")
    parsed = read_date_cell(value)
    if parsed is None:
        raise ValueError("expected a date, got a blank")
    if isinstance(parsed, DateProblem):
        raise ValueError(parsed.reason)
    return date.fromisoformat(parsed)


ContractDate = Annotated[date, BeforeValidator(parse_date), WithJsonSchema({
    "type": "string", "format": "date", "pattern": r"^(19|20)\d\d",
    "description": f"YYYY-MM-DD (YYYY/MM/DD and YYYYMMDD are read too), years {FIRST_YEAR} "
                   f"to {LAST_YEAR}",
})]


def _one_line(value: str) -> str:
    """Ids, codes, names: no control characters at all (a NUL cuts ids short in other systems)."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters (NUL, line breaks …)")
    return value


def _text(value: str) -> str:
    """Free text: tabs and line breaks, but no other control characters."""
    if _CONTROL.search(value.replace("\t", "").replace("\n", "").replace("\r", "")):
        raise ValueError("must not contain control characters other than tabs and line breaks")
    return value


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

Line = Annotated[str, AfterValidator(_one_line), Field(json_schema_extra={"pattern": LINE_PATTERN})]
"""A one-line string; the schema's pattern says what the validator checks."""
WORD_PATTERN = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
def _word(value: str) -> str:
    """A record id: one line, and something left once cleaned as ingest cleans a cell
    (:func:`graph.keys.cells.clean_cell`: invisible characters alone are empty there too)."""
    if clean_cell(_one_line(value)) is None:
        raise ValueError("holds nothing but white space, invisible characters or a placeholder")
    return value


Word = Annotated[str, AfterValidator(_word), Field(json_schema_extra={"pattern": WORD_PATTERN})]
"""A one-line string holding more than white space or invisible characters (a record id:
blanks around it are stripped, so white space alone is empty)."""
Text = Annotated[str, AfterValidator(_text), Field(json_schema_extra={"pattern": TEXT_PATTERN})]
"""Free text; the schema's pattern says what the validator checks."""
ShortText = Annotated[Line | None, Field(None, max_length=64)]
Name = Annotated[Line | None, Field(None, max_length=200)]
_DECIMAL = re.compile(r"\d{1,12}(\.\d{1,4})?")


def parse_amount(value: object) -> float | None:
    """An amount in yuan: a JSON number or a decimal string such as ``"8200.00"``.

    >>> parse_amount("8200.50"), parse_amount(12), parse_amount(None)
    (8200.5, 12.0, None)
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("expected an amount in yuan (a number or a decimal string)")
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value):
            raise ValueError("expected a decimal amount such as 8200.00")
        value = float(value)
    if not 0 <= value <= MAX_AMOUNT:
        raise ValueError(f"amount must be between 0 and {MAX_AMOUNT:.0e} yuan")
    return float(value)


Amount = Annotated[
    float | None,
    BeforeValidator(parse_amount),
    WithJsonSchema({"anyOf": [
        {"type": "number", "minimum": 0, "maximum": MAX_AMOUNT},
        {"type": "string", "pattern": r"^(\d{1,12}(\.\d{1,4})?)?$"},
        {"type": "null"},
    ]}),
    Field(None),
]

_SCORE_EXAMPLE: dict[str, Any] = {
    "claim_id": "S0012345",
    "policy_id": "P0045678",
    "customer_id": "U0023456",
    "request_date": "2024-06-18",
    "channel": "counter",
    "reason_code": "complaint",
    "reason_text": "销售误导，要求全额退还保费",
    "contact_phone": "+86 139-0797-1234",
    "payout_account": "6222 0202 0011 2233 446",
    "payout_account_name": "赣州XX咨询服务有限公司",
    "representative_name": "王五",
    "representative_id_number": "36070219800101123X",
    "representative_phone": "13907971234",
    "cash_value": 8200.0,
    "requested_amount": 36000.0,
    "refund_type": "full_premium",
}


_MEMBER = re.compile(rb'"\s*:')  # the end of an object member's name (or text that looks so)


def duplicate_keys(raw: str | bytes | bytearray) -> list[str]:
    """The member names a JSON text gives twice in one object (a parser keeps the last value
    without a word), in order of their second appearance; none for text that is not JSON.

    >>> duplicate_keys(b'{"a": 1, "b": {"c": 2}, "a": 3}'), duplicate_keys(b'{"a": "x\\": 1"}')
    (['a'], [])
    """
    data = raw.encode() if isinstance(raw, str) else bytes(raw)
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        return []
    # Each member's name ends in `"` then `:`; a flat object with as many of those as it has
    # members has none twice (the exact check below costs ten times the parse).
    if not isinstance(parsed, dict) or len(_MEMBER.findall(data)) <= len(parsed):
        return []
    found: list[str] = []

    def members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        names = [name for name, _ in pairs]
        found.extend(n for i, n in enumerate(names) if n in names[:i] and n not in found)
        return dict(pairs)

    json.loads(data, object_pairs_hook=members)
    return found


class InputWarning(BaseModel):
    """A value of the request that was not used (or not as given), and why; ``stored_ids``: the
    stored records a record id typed another way resembles (never masked, unlike the reason's
    numbers for a caller without personal-data rights)."""

    field: str
    reason: str
    stored_ids: list[str] | None = None


_NUMBER_FIELDS = ("contact_phone", "payout_account", "representative_id_number", "representative_phone")


class ScoreRequest(BaseModel):
    """One surrender request, with the columns of the ``surrenders`` input table.

    Only ``claim_id`` and ``request_date`` are required; the policy and the customer may be
    unknown to the store. Identifiers may be typed as clerks type them (``+86``, spaces, dashes,
    groups of four); empty strings count as missing. Unknown fields are refused (a misspelt
    field would otherwise be dropped without a word), as are control characters.
    """

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [_SCORE_EXAMPLE]}
    )

    claim_id: Word = Field(min_length=1, max_length=64, description="the insurer's request id")
    request_date: ContractDate = Field(description="date of the request")
    policy_id: ShortText
    customer_id: ShortText
    channel: ShortText
    reason_code: ShortText
    reason_text: Annotated[Text | None, Field(None, max_length=4_000)]
    contact_phone: ShortText
    payout_account: ShortText
    payout_account_name: Name
    representative_name: Name
    representative_id_number: ShortText
    representative_phone: ShortText
    cash_value: Amount
    requested_amount: Amount
    refund_type: Literal["cash_value", "full_premium"] | None = None

    @field_validator(
        "channel", "reason_code", "reason_text", "contact_phone",
        "payout_account", "payout_account_name", "representative_name",
        "representative_id_number", "representative_phone", "refund_type", mode="before",
    )
    @classmethod
    def _blank_is_missing(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("request_date")
    @classmethod
    def _not_after_today(cls, value: date) -> date:
        """A request is filed by the day it is scored, as ingest refuses a later date
        (:func:`graph.keys.dates.after_today`)."""
        if problem := after_today(value.isoformat()):
            raise ValueError(problem.reason)
        return value

    @field_validator("policy_id", "customer_id", mode="before")
    @classmethod
    def _empty_id_is_missing(cls, value: object) -> object:
        """A record id empty once cleaned as ingest cleans a cell (blanks, invisible characters
        or a clerk's placeholder such as ``无`` alone) is missing, as that cell is: scoring reads
        record ids as ingest does, and refused them as damaged while the schema allowed them."""
        return None if isinstance(value, str) and clean_cell(value) is None else value

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, *, strict: bool | None = None,
                            **options: Any) -> Self:
        """The request in a JSON body; a member named twice is refused (422 naming it), as
        a query parameter given twice is: which value was meant cannot be known."""
        twice = duplicate_keys(json_data)
        if twice:
            raise ValidationError.from_exception_data(cls.__name__, [InitErrorDetails(
                type=PydanticCustomError("duplicate_key", "given more than once"), loc=(name,),
                input=None) for name in twice])
        return super().model_validate_json(json_data, strict=strict, **options)

    def unused_values(self) -> list[InputWarning]:
        """The identifiers left out of scoring, with why: a number a spreadsheet damaged
        (``6.22203E+18``) by the rule ingest applies to a file's cells
        (:func:`graph.keys.cells.number_cell`), so it can never link two people."""
        found = []
        for name in _NUMBER_FIELDS:
            value = getattr(self, name)
            read = None if value is None else number_cell(value)
            if isinstance(read, Damaged):
                found.append(InputWarning(field=name, reason=f"not used: {read.reason}"))
        return found


class EvidenceOut(BaseModel):
    """One checkable fact: a stable code, a sentence in Chinese and English, and its data."""

    code: str
    zh: str
    en: str
    data: dict[str, Any] = Field(default_factory=dict)


class ScoreResponse(BaseModel):
    """How risky the request is, why, and the ring it links to."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "claim_id": "S0012345", "score": 0.93, "level": "high", "ring_id": "R-0007",
        "ring_status": "investigating",
        "reasons": [{
            "code": "identifier_in_ring",
            "zh": "联系电话属于已识别的代理退保团伙 R-0007",
            "en": "The contact phone belongs to detected ring R-0007",
            "data": {"type": "phone", "value": "+86139****1234", "ring_id": "R-0007",
                     "customers": 7},
        }],
    }]})

    claim_id: str
    score: float = Field(ge=0, le=1)
    level: Level
    ring_id: str | None = Field(description=(
        "the ring the reasons point to, when the score reaches the alert threshold (below it a "
        "reason may still say which ring an identifier belongs to): only a ring the run alerted or "
        "investigators confirmed (a group scored under the alert threshold is no ring and is never "
        "named here)"))
    ring_status: CaseStatus | None = Field(description=(
        "the case status of ring_id: a dismissed ring's identifiers no longer count as a "
        "ring's, a confirmed ring's count at least as much as a watchlist hit"))
    reasons: list[EvidenceOut]
    warnings: list[InputWarning] = Field(default_factory=list, description=(
        "values of the request that were not used, and why (an identifier a spreadsheet damaged; "
        "a claim_id a stored request of another customer or policy holds)"))


class IdentifierOut(BaseModel):
    type: str
    value: str


class RealertOut(BaseModel):
    """Claims later runs added to a confirmed or dismissed ring since a person last acted on it."""

    at: str
    runs: list[str]
    new_claim_ids: list[str]


class CaseOut(BaseModel):
    """A ring's case: status, assignee, the last note a person left, and a pending re-alert."""

    status: CaseStatus
    assignee: str | None
    last_note: str
    last_note_by: str | None
    last_note_at: str | None
    updated_at: str | None
    realerted: bool
    realert: RealertOut | None


class RingSummary(BaseModel):
    """A ring as listed."""

    ring_id: str
    score: float
    level: Level
    status: CaseStatus
    case: CaseOut
    claims: int
    customers: int
    agent_ids: list[str]
    branches: list[str]
    first_request_date: str | None
    last_request_date: str | None


class RingPage(BaseModel):
    items: list[RingSummary]
    total: int
    limit: int
    offset: int


class RingMember(BaseModel):
    """One claim of a ring, with who filed it and where the money went."""

    claim_id: str
    customer_id: str | None
    policy_id: str | None
    agent_id: str | None
    request_date: str | None
    risk: float | None
    props: dict[str, Any]
    identifiers: list[IdentifierOut]


class TimelineEvent(BaseModel):
    date: str
    kind: str
    subject: str
    detail: dict[str, Any] = Field(default_factory=dict)


class RingDetail(BaseModel):
    ring_id: str
    score: float
    level: Level
    status: CaseStatus
    case: CaseOut
    claim_ids: list[str]
    customer_ids: list[str]
    agent_ids: list[str]
    identifiers: list[IdentifierOut]
    evidence: list[EvidenceOut]
    first_request_date: str | None
    last_request_date: str | None
    members: list[RingMember]
    timeline: list[TimelineEvent]


class GraphNodeOut(BaseModel):
    id: str
    label: str
    key: str
    props: dict[str, Any]


class GraphEdgeOut(BaseModel):
    source: str
    target: str
    type: str
    props: dict[str, Any]


class GraphOut(BaseModel):
    """Nodes and edges; edges name nodes by their ``id`` within this answer."""

    nodes: list[GraphNodeOut]
    edges: list[GraphEdgeOut]
    truncated: bool


class CaseUpdate(BaseModel):
    """A decision on a ring's case: move its status (``new → investigating → confirmed |
    dismissed``, dismissed may reopen), assign it, leave a note; at least one of them. A move
    to confirmed or dismissed, and an admin's reopening, say why in the note.

    ``assignee`` names a person holding a key that may work cases (``null``: nobody); leave it
    out to keep the assignee as it is.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"status": "investigating", "note": "调取柜面录像", "assignee": "张伟",
                          "expected_status": "new"}],
            "anyOf": [{"required": ["status"]}, {"required": ["assignee"]},
                      {"required": ["note"], "properties": {"note": {"minLength": 1}}}],
            "if": {"required": ["status"], "properties": {"status": {"enum": ["confirmed", "dismissed"]}}},
            "then": {"required": ["note"], "properties": {"note": {"minLength": 1}}},
        },
    )

    status: CaseStatus | None = Field(None, description="the new status; leave out to keep it")
    note: Text = Field("", max_length=2_000)
    assignee: Annotated[Line | None, Field(None, min_length=1, max_length=64, description=(
        "a person's name as RINGSCOPE_API_KEYS gives it, null for nobody; leave out to keep"))]
    expected_status: CaseStatus | None = Field(
        None, description="the status the client saw; 409 if the case is no longer in it",
    )


class AuditEntry(BaseModel):
    """One entry of a ring's audit log: a person's decision, or a run's re-alert."""

    ring_id: str
    at: str
    actor: str
    from_status: CaseStatus
    to_status: CaseStatus
    note: str
    assignee: str | None
    event: Literal["decision", "realert"]
    new_claim_ids: list[str]


class EntityOut(BaseModel):
    """A node with its properties and, for identifiers, what detection learned about it.

    A phone number that a ring lists as one of the numbers of a number block gives the block in
    ``number_block`` (``key``, ``numbers``, ``ring_ids``, ``profile``). A block itself (type
    ``number_block``, label ``NumberBlock``) has no node in the graph: its ``props`` hold its
    ``numbers`` and the ``ring_ids`` listing it, its ``profile`` is detection's."""

    type: str
    label: str
    key: str
    props: dict[str, Any]
    profile: dict[str, Any] | None = None
    risk: dict[str, Any] | None = None
    number_block: dict[str, Any] | None = None


def _whole_number(value: object) -> object:
    """JSON Schema counts ``5.0`` as an integer; so does the API (never ``true`` or ``"5"``)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _detection_params_model() -> type[BaseModel]:
    """The JSON form of :class:`DetectionParams`, generated from its fields: the same names,
    types, defaults and ranges (``bounded`` metadata), strict JSON types, no unknown names."""
    hints = get_type_hints(DetectionParams)

    def kind(name: str) -> Any:
        hint = hints[name]
        return Annotated[int, BeforeValidator(_whole_number)] if hint is int else hint

    return create_model(  # type: ignore[call-overload]
        "DetectionParamsIn",
        __config__=ConfigDict(extra="forbid", strict=True),
        __doc__="Detection parameters; omitted ones take their defaults (see DetectionParams).",
        **{f.name: (kind(f.name), Field(f.default, **f.metadata)) for f in fields(DetectionParams)},
    )


DetectionParamsIn = _detection_params_model()


class RunRequest(BaseModel):
    """A detection run: its parameters (omitted ones take their defaults), and whether it may
    replace current rings with none."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"params": {"seed": 42}}]})

    params: DetectionParamsIn = Field(default_factory=DetectionParamsIn)  # type: ignore[valid-type]
    allow_empty: bool = Field(
        False, strict=True,
        description="a run that finds no rings may replace a non-empty result (refused otherwise)",
    )

    def detection_params(self) -> DetectionParams:
        return DetectionParams(**self.params.model_dump())  # type: ignore[attr-defined]


class RunOut(BaseModel):
    """A detection run: running ones report their step and progress, finished ones their outcome."""

    id: str
    run_id: str | None
    status: Literal["running", "succeeded", "failed"]
    step: str | None = None
    progress: float = Field(ge=0, le=1)
    started_at: str | None = None
    finished_at: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    summary: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class RunPage(BaseModel):
    items: list[RunOut]


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    status: Literal["ready", "not_ready"]
    store: bool
    results: bool
    run_id: str | None = None
    reason: str | None = None


class ErrorItem(BaseModel):
    field: str
    location: str
    reason: str


class ErrorOut(BaseModel):
    """Every error answer: a stable code, a message, and for 422 the fields at fault."""

    error: str
    message: str
    detail: list[ErrorItem] = Field(default_factory=list)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "the body could not be read (not JSON, bad encoding)"},
    401: {"model": ErrorOut, "description": "missing or unknown API key"},
    403: {"model": ErrorOut, "description": "the key's role may not do this"},
    413: {"model": ErrorOut, "description": "request body too large"},
    429: {"model": ErrorOut, "description": "too many unknown API keys from this client lately "
                                              "(see Retry-After)"},
    415: {"model": ErrorOut, "description": "the request body is not JSON (Content-Type)"},
    422: {"model": ErrorOut, "description": "invalid input: the fields at fault and why"},
    503: {"model": ErrorOut, "description": "the graph store cannot be reached (see Retry-After)"},
}
"""Error answers every ``/v1`` endpoint may give."""
