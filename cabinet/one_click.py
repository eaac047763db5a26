"""One-click unsubscribe (RFC 8058): a mail program's POST to the unsubscribe link of a message.

A message that carries an unsubscribe link (`cabinet.unsubscribe`) also says `List-Unsubscribe-Post:
List-Unsubscribe=One-Click`; a mail program offering "Unsubscribe" then POSTs `List-Unsubscribe=One-Click` (form
encoded, or multipart) to the link itself, without a browser, cookies or a login. The token in the link's query is
the authority, checked and applied as the page a browser opens does (`cabinet.unsubscribe.stop`, with its audit-log
row): a forged, altered or other-purpose token changes nothing and is answered 403; a request that is not a one-click
POST (another body, no token) 400. Done again, nothing changes and the answer is the same 200.

`routes` is what `asgi.py` serves beside the Streamlit app (`cabinet serve`); a GET of the same address is still the
page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Message

from cabinet import unsubscribe
from cabinet.config import ConfigError, Settings
from cabinet.i18n import translate
from cabinet.store.db import make_engine, session_scope

MAX_BODY = 16 * 1024  # the body is one short field; anything much longer is not a one-click request
FIELD, VALUE = "List-Unsubscribe", "One-Click"


def routes(settings: Callable[[], Settings] | None = None, base_path: str = "") -> list[Route]:
    """The POST route at the address the links name (`base_path`: Streamlit's `server.baseUrlPath`, if any), with the
    settings `settings` gives (default: this process's, read once)."""
    path = f"/{base_path.strip('/')}/" if base_path.strip("/") else "/"
    read = settings or _process_settings

    async def endpoint(request: Request) -> PlainTextResponse:
        return await one_click(request, read())

    return [Route(path, endpoint, methods=["POST"], name="one_click_unsubscribe")]


async def one_click(request: Request, cfg: Settings) -> PlainTextResponse:
    """Turn off what the token in the query names, when the body is `List-Unsubscribe=One-Click`."""
    token = request.query_params.get(unsubscribe.PARAM)
    if not await _is_one_click(request):
        return _answer(400, translate("unsubscribe.one_click_body"))
    if not token:
        return _answer(400, translate("unsubscribe.invalid"))
    status, text = await run_in_threadpool(_stop, cfg, token)
    return _answer(status, text)


async def _is_one_click(request: Request) -> bool:
    """Whether the body (at most MAX_BODY bytes) is the form `List-Unsubscribe=One-Click`, urlencoded or multipart."""
    size = request.headers.get("content-length", "")
    if size.isdigit() and int(size) > MAX_BODY:
        return False
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return False

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        async with Request(request.scope, replay).form(max_files=0, max_fields=8) as form:
            return form.getlist(FIELD) == [VALUE]
    except (HTTPException, MultiPartException, ValueError, UnicodeDecodeError):  # a broken body, or a file in it
        return False


def _stop(cfg: Settings, token: str) -> tuple[int, str]:
    try:
        key = cfg.require_link_key()
        with session_scope(_engine(cfg.store_url)) as session:
            stopped = unsubscribe.stop(session, token, key, via="one-click")
    except (unsubscribe.UnsubscribeError, ConfigError):
        return 403, translate("unsubscribe.invalid")
    gone = stopped.kind == "report" and stopped.view is None
    key_name = "unsubscribe.report_gone" if gone else f"unsubscribe.{stopped.kind}"
    names = {"partner": stopped.partner or "", "view": stopped.view or "", "username": stopped.username}
    return 200, translate(key_name, stopped.locale, **names)


def _answer(status: int, text: str) -> PlainTextResponse:
    return PlainTextResponse(text, status_code=status, headers={"Cache-Control": "no-store"})


@cache
def _process_settings() -> Settings:
    return Settings.from_env()


@cache
def _engine(url: str) -> Engine:
    return make_engine(url)
