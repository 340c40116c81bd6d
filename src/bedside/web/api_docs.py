"""The API reference (/docs, /openapi.json): open to anyone in demo mode or with
BEDSIDE_PUBLIC_API_DOCS=1, otherwise to signed-in staff only, since the schema maps every
integration endpoint a hospital exposes."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse
from starlette.responses import Response

from bedside.core.errors import NotAuthenticated
from bedside.settings import get_settings
from bedside.web.deps import DbSession, LoginRequired, signed_in_staff

OPENAPI_URL = "/openapi.json"
# Swagger UI is vendored (hospital intranets reach no CDN); FastAPI's page runs one inline
# start-up script, which the page's own policy allows by its hash and nothing else inline.
SWAGGER = "/static/vendor/swagger-ui-5.35.0"

router = APIRouter(include_in_schema=False)


def _reader(request: Request, session: DbSession) -> None:
    settings = get_settings()
    if settings.demo or settings.public_api_docs or signed_in_staff(request, session):
        return
    if request.url.path == OPENAPI_URL:
        raise NotAuthenticated()
    raise LoginRequired(f"/console/login?next={request.url.path}")


def _with_policy(page: Response) -> Response:
    inline = re.findall(rb"<script>(.*?)</script>", page.body, flags=re.DOTALL)
    hashes = "".join(f" 'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in inline)
    # The viewers style their widgets inline; on these staff pages that cannot run script.
    page.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    return page


@router.get(OPENAPI_URL, dependencies=[Depends(_reader)])
def openapi(request: Request) -> Response:
    return JSONResponse(request.app.openapi())


@router.get("/docs", dependencies=[Depends(_reader)])
def swagger(request: Request) -> Response:
    page = get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
        # No validator badge: it would send the schema's address to swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )
    return _with_policy(page)
