"""/docs and /redoc: Swagger UI and ReDoc from the fastapi-standalone-docs package, served by the service.

FastAPI's own pages load both from a CDN, so they are blank offline or in an air-gapped network, and run an
inline script that a strict Content-Security-Policy must refuse. These pages load every script and
stylesheet from this service, the one script of our own included, and say so in their policy.
(swagger-ui-bundle, the other packaged Swagger UI, holds version 4, which cannot read the OpenAPI 3.1
document FastAPI writes: it shows "Unable to render this definition".)
"""

from __future__ import annotations

import html
import json
from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

SHIPPED = files("fastapi_standalone_docs") / "static"
DOCS, REDOC = "/docs", "/redoc"
# Scripts from here only, and no eval. Swagger UI's React sets style attributes and ReDoc's
# styled-components writes <style> elements (hence 'unsafe-inline' for styles, never for scripts); both
# draw icons as data: images; ReDoc runs its search in a worker made from a blob.
DOCS_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" type="image/png" href="{docs}/fastapi/favicon.png">
{head}
</head>
<body>
{body}
</body>
</html>
"""

# validatorUrl: null, or Swagger UI would send the document to validator.swagger.io.
SWAGGER_INIT = """window.ui = SwaggerUIBundle({{
  url: {openapi}, dom_id: "#swagger-ui", layout: "BaseLayout", deepLinking: true, validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
}});
"""
REDOC_INIT = """Redoc.init({openapi}, {{}}, document.getElementById("redoc"));
"""


def install_docs(app: FastAPI) -> None:
    """Mounted only when the app publishes its OpenAPI document (DOCS_ENABLED)."""
    assert app.openapi_url is not None
    openapi = json.dumps(app.openapi_url)
    title = html.escape(f"{app.title} - API")
    _page(
        app,
        DOCS,
        PAGE.format(
            title=title,
            docs=DOCS,
            head=f'<link rel="stylesheet" href="{DOCS}/swagger-ui.css">',
            body=f'<div id="swagger-ui"></div>\n<script src="{DOCS}/swagger-ui-bundle.js"></script>'
            f'\n<script src="{DOCS}/init.js"></script>',
        ),
        SWAGGER_INIT.format(openapi=openapi),
    )
    _page(
        app,
        REDOC,
        PAGE.format(
            title=title,
            docs=DOCS,
            head="",
            body=f'<div id="redoc"></div>\n<script src="{REDOC}/redoc.standalone.js"></script>'
            f'\n<script src="{REDOC}/init.js"></script>',
        ),
        REDOC_INIT.format(openapi=openapi),
    )
    # The routes above are matched first: the mounts serve the rest of each folder.
    app.mount(f"{DOCS}/fastapi", StaticFiles(directory=str(SHIPPED / "fastapi")), name="docs-favicon")
    app.mount(DOCS, StaticFiles(directory=str(SHIPPED / "swagger")), name="docs-assets")
    app.mount(REDOC, StaticFiles(directory=str(SHIPPED / "redoc")), name="redoc-assets")


def _page(app: FastAPI, path: str, page: str, init: str) -> None:
    async def show() -> HTMLResponse:
        return HTMLResponse(page, headers=DOCS_HEADERS)

    async def start() -> Response:
        return Response(init, media_type="text/javascript", headers=DOCS_HEADERS)

    app.add_api_route(path, show, methods=["GET"], include_in_schema=False)
    app.add_api_route(f"{path}/init.js", start, methods=["GET"], include_in_schema=False)
