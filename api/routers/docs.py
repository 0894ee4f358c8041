"""Interactive API documentation (Swagger UI) served from local files, so it works offline.

FastAPI's default ``/docs`` loads Swagger UI from a CDN; investigators' networks may have none.
The files come from the ``swagger-ui-py`` package (Swagger UI 5, which reads OpenAPI 3.1).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import swagger_ui
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

__all__ = ["ASSETS_PATH", "assets", "content_security_policy", "router"]

ASSETS_PATH = "/docs/assets"
_FILES = Path(swagger_ui.__file__).parent / "static"

router = APIRouter(include_in_schema=False)


def assets() -> StaticFiles:
    """The Swagger UI files, to mount at :data:`ASSETS_PATH`."""
    return StaticFiles(directory=_FILES)


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui_page(request: Request) -> HTMLResponse:
    """Swagger UI for this API's OpenAPI schema, with a Content-Security-Policy that runs only
    the local files and the page's own inline start-up script (by its hash: the script names
    the schema's URL and nothing a client sent)."""
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} — docs",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
    )
    page.headers.update({"Content-Security-Policy": content_security_policy(bytes(page.body).decode()),
                         "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})
    return page


def content_security_policy(html: str) -> str:
    """The policy for a Swagger UI page: scripts and styles from this server, each inline script
    of ``html`` by its SHA-256 (CSP Level 2 hash sources), Swagger UI's own inline styles, its
    images and data-URI icons, and no framing.

    >>> policy = content_security_policy("<script>go()</script><script src='/x.js'></script>")
    >>> "script-src 'self' 'sha256-" in policy, policy.count("sha256-")
    (True, 1)
    """
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
                      for body in _INLINE_SCRIPT.findall(html))
    return (f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'none'")


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
