"""Interactive API documentation (Swagger UI) served from local files, so it works offline.

FastAPI's default ``/docs`` loads Swagger UI from a CDN; investigators' networks may have none.
The files come from the ``swagger-ui-py`` package (Swagger UI 5, which reads OpenAPI 3.1).
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

__all__ = ["ASSETS_PATH", "assets", "router"]

ASSETS_PATH = "/docs/assets"
_FILES = Path(swagger_ui.__file__).parent / "static"

router = APIRouter(include_in_schema=False)


def assets() -> StaticFiles:
    """The Swagger UI files, to mount at :data:`ASSETS_PATH`."""
    return StaticFiles(directory=_FILES)


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui_page(request: Request) -> HTMLResponse:
    """Swagger UI for this API's OpenAPI schema."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} — docs",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
    )
