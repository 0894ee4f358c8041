"""JSON responses rendered with orjson, masked for callers without PII access."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse

from api.privacy import mask_payload
from api.security import Principal

__all__ = ["JSONBytesResponse", "render"]

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


class JSONBytesResponse(JSONResponse):
    """``application/json`` rendered by orjson (dates, numpy scalars and dataclasses included)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=_OPTIONS)


def render(payload: Any, principal: Principal, status_code: int = 200,
           headers: dict[str, str] | None = None) -> JSONBytesResponse:
    """The payload as JSON, with phones, accounts and ID numbers masked unless the caller may see them."""
    body = payload if principal.pii else mask_payload(payload)
    return JSONBytesResponse(body, status_code=status_code, headers=headers)
