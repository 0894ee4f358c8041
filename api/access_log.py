"""Access-log lines without secrets or personal identifiers.

uvicorn logs every request's target (path and query) on the ``uvicorn.access`` logger. Targets
can carry what must never reach a log: an API key pasted into an address (``?key=…``), or a
phone number, bank account or ID number looked up as an entity (``/v1/entities/phone/…``).
:class:`MaskingFilter` rewrites the target of each record before any handler formats it.

>>> mask_request_target("/v1/entities/phone/139%200797%201234/neighborhood?depth=2")
'/v1/entities/phone/139******1234/neighborhood?depth=2'
>>> mask_request_target("/explorer/rings/R-1?key=s3cret-admin-key&x=1")
'/explorer/rings/R-1?key=[redacted]&x=1'
>>> mask_request_target("/v1/entities/customer/U1?agent=13907971234")
'/v1/entities/customer/U1?agent=139****1234'
>>> mask_request_target("/explorer/search?q=139-0797-1234")
'/explorer/search?q=[redacted]'
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode

from api.privacy import mask_text
from graph.masking import mask_identifier

__all__ = ["ACCESS_LOGGER", "MaskingFilter", "install", "mask_request_target"]

ACCESS_LOGGER = "uvicorn.access"

_SECRET_PARAMS = frozenset({"key", "api_key", "apikey", "x-api-key", "token", "csrf", "session",
                            "password"})
# What an investigator typed into the search box: an identifier in any typing (a dashed phone
# has no digit run to mask) or a person's name.
_SEARCH_PARAMS = frozenset({"q"})
_MASKED_KINDS = frozenset({"phone", "bankaccount", "person"})
_ENTITY = re.compile(r"(?P<head>/(?:v1|explorer)/entities/(?P<kind>[^/]+)/)(?P<id>.+?)"
                     r"(?P<tail>/neighborhood)?")
_SAFE = "/:@~+*|!$'(),;=-._"


def mask_request_target(target: str) -> str:
    """A request target (path and query) fit for a log: entity identifiers masked (phones,
    accounts and representatives whole, digit runs anywhere), secret-looking query parameters
    and search text redacted, everything re-quoted (no control characters reach the log)."""
    raw_path, sep, query = target.partition("?")
    path = unquote(raw_path)
    entity = _ENTITY.fullmatch(path)
    if entity and not entity["id"].startswith("~"):  # "~…": an opaque link token
        ident = entity["id"]
        if entity["kind"].lower().replace("_", "") in _MASKED_KINDS:
            ident = mask_identifier(ident)
        path = entity["head"] + ident + (entity["tail"] or "")
    masked = quote(mask_text(path), safe=_SAFE)
    if not sep:
        return masked
    hidden = _SECRET_PARAMS | _SEARCH_PARAMS
    pairs = [(name, "[redacted]" if name.lower() in hidden else mask_text(value))
             for name, value in parse_qsl(query, keep_blank_values=True)]
    return f"{masked}?{urlencode(pairs, safe='*[]')}"


class MaskingFilter(logging.Filter):
    """Masks the target in uvicorn's access records (``args``: client, method, target, …)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], mask_request_target(args[2]), *args[3:])
        return True


def install(logger_name: str = ACCESS_LOGGER) -> None:
    """Put a :class:`MaskingFilter` on the access logger (once)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())
