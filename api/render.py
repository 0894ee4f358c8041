"""Responses: JSON rendered with orjson (masked for callers without PII access), and PDF files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import orjson
from starlette.responses import JSONResponse, Response

from api.privacy import mask_payload
from api.security import Principal

__all__ = ["PRIVATE_HEADERS", "JSONBytesResponse", "pdf_response", "render"]

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
"""On every answer that may hold personal data: no cache (a proxy's, a browser's) keeps it, and
no browser reads it as anything but its declared type."""


class JSONBytesResponse(JSONResponse):
    """``application/json`` rendered by orjson (dates, numpy scalars and dataclasses included),
    with :data:`PRIVATE_HEADERS` (an outside tester found an admin's unmasked answer cacheable)."""

    media_type = "application/json"

    def __init__(self, content: Any, status_code: int = 200, headers: Mapping[str, str] | None = None,
                 **options: Any) -> None:
        super().__init__(content, status_code, {**PRIVATE_HEADERS, **(headers or {})}, **options)

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=_OPTIONS)


def render(payload: Any, principal: Principal, status_code: int = 200,
           headers: dict[str, str] | None = None) -> JSONBytesResponse:
    """The payload as JSON, with phones, accounts and ID numbers masked unless the caller may see them."""
    body = payload if principal.pii else mask_payload(payload)
    return JSONBytesResponse(body, status_code=status_code, headers=headers)


def pdf_response(pdf: bytes, ring_id: str) -> Response:
    """A case report as a download named after its ring (``ringscope-case-R-1.pdf``; the ring id
    is percent-encoded in the header's UTF-8 form and reduced to safe characters in the plain one)."""
    name = f"ringscope-case-{ring_id}.pdf"
    plain = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}",
        **PRIVATE_HEADERS,
    })
