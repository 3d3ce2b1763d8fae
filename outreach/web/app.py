"""The buyer-facing web server: the chat page, the inbox API and live delivery over WebSocket.

Who is talking is decided by the signed buyer token alone, never by anything else in a
request. Every blocking database call runs in a worker thread with its own transaction.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from sqlalchemy.orm import Session

from outreach.cases.answers import answer_while_pending
from outreach.dashboard.agent_api import add_agent_api
from outreach.dashboard.app import add_dashboard
from outreach.dialogue.ratings import corrected_rating
from outreach.inbox import messages, tokens
from outreach.inbox.bot_texts import OPT_OUT_DONE, RATING_CORRECTED, bot_response
from outreach.inbox.live import NOTIFIER, Notifier
from outreach.inbox.privacy import install_log_masking
from outreach.inbox.relay import CHANNEL_SECRET_HEADER, RelayError, relay
from outreach.lifecycle import consent
from outreach.lifecycle.events import mask
from outreach.lifecycle.rating import correct_low_rating
from outreach.lifecycle.states import human_owns
from outreach.scheduling.policy import policy
from outreach.settings import Settings
from outreach.store.db import session_scope
from outreach.store.models import Case
from outreach.store.types import utcnow
from outreach.workspace.queue import acknowledge_wait

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 64 * 1024
MAX_PAGE = messages.MAX_PAGE
DEFAULT_PAGE = 100
MAX_PAYLOAD_CHARS = 200
MAX_TOKEN_CHARS = 1024
MAX_BUYER_ID_CHARS = 64
MAX_DB_ID = 2**63 - 1
LIVE_POLL_SECONDS = 2.0
LIVE_PING_SECONDS = 20.0
SHUTDOWN_TIMEOUT_SECONDS = 5.0

# Buyer-facing texts.
MSG_NO_TOKEN = "缺少登录信息，请从应用内重新打开客服页面。"
MSG_BAD_TOKEN = "登录已失效，请重新打开应用。"
MSG_BAD_JSON = "消息格式不正确，请刷新页面后重试。"
MSG_BAD_FIELD = "消息内容格式不正确，请刷新页面后重试。"
MSG_BAD_PAYLOAD = "这个按钮已失效，请直接输入文字告诉我们。"
MSG_BAD_AFTER = "参数 after 必须是不小于 0 的整数。"
MSG_BAD_LIMIT = f"参数 limit 必须是 1 到 {MAX_PAGE} 之间的整数。"
MSG_NOT_WEBSOCKET = "请使用 WebSocket 连接这个地址。"
MSG_EMPTY_NOTICE = "没有收到文字内容，请告诉我们您遇到的问题。"
MSG_BUSY = "小助手暂时有点忙，您的消息我们已收到，稍后会在这里回复您。"
MSG_UNAVAILABLE = "服务暂时不可用，请稍后再试"
HTTP_ERROR_TEXTS = {
    400: "请求格式不正确。",
    401: MSG_BAD_TOKEN,
    403: "没有访问权限。",
    404: "没有这个接口。",
    405: "不支持这种请求方式。",
    413: "消息太长了，请分几次发送。",
}

SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
HTTP: web.AppKey[aiohttp.ClientSession] = web.AppKey("http", aiohttp.ClientSession)
SOCKETS: web.AppKey[set[web.WebSocketResponse]] = web.AppKey("live_sockets")
# Timings of /api/live; tests may set them before the app starts.
POLL_SECONDS: web.AppKey[float] = web.AppKey("live_poll_seconds", float)
PING_SECONDS: web.AppKey[float] = web.AppKey("live_ping_seconds", float)

_STATIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\.(html|js|css|svg|png|ico)")  # short: no ENAMETOOLONG
_CONTENT_TYPES = {
    "html": ("text/html", "utf-8"),
    "js": ("text/javascript", "utf-8"),
    "css": ("text/css", "utf-8"),
    "svg": ("image/svg+xml", "utf-8"),
    "png": ("image/png", None),
    "ico": ("image/x-icon", None),
}
_SAFE_HOST = re.compile(r"[A-Za-z0-9.\-:\[\]]{1,255}")
_PAYLOAD = re.compile(r"/\S")
# A payload's intent as Rasa reads it: "/name", then an optional @confidence or {entities}.
_PAYLOAD_INTENT = re.compile(r"/([^{@]*)")
# Intents no button of ours sends: Rasa's own conversation controls (restart, a new session,
# undo the last turn) and the external intent only the scheduler starts a case with.
REFUSED_INTENTS = frozenset({"restart", "session_start", "back"})
REFUSED_INTENT_PREFIX = "external_"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """A request we refuse, with the status and the text shown to the caller."""

    def __init__(self, status: int, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason


def _error(status: int, message: str, reason: str | None = None) -> web.Response:
    """The Chinese text for the buyer, and for a refused token why, for the app's developers."""
    body = {"error": message} if reason is None else {"error": message, "reason": reason}
    return web.json_response(body, status=status)


def _is_api(path: str) -> bool:
    return path.startswith(("/api/", "/internal/")) or path in ("/api", "/internal")


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return _error(exc.status, exc.message, exc.reason)
    except web.HTTPException as exc:
        if exc.status >= 400 and _is_api(request.path):
            return _error(exc.status, HTTP_ERROR_TEXTS.get(exc.status, MSG_UNAVAILABLE))
        raise
    except Exception:
        log.exception("unexpected error in %s %s", request.method, request.path)
        return _error(503, MSG_UNAVAILABLE)


NO_FRAMING = "frame-ancestors 'none'"


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # No page may be framed by another site (clickjacking): CSP for today's browsers (a page's
    # own policy carries it too), X-Frame-Options for older ones.
    response.headers.setdefault("Content-Security-Policy", NO_FRAMING)
    response.headers.setdefault("X-Frame-Options", "DENY")
    # The chat page's address carries the buyer token: never hand it on as a referrer.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if _is_api(request.path):
        response.headers.setdefault("Cache-Control", "no-store")


class _AccessLogger(AbstractAccessLogger):
    """Access log without query strings, which may carry buyer tokens."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s %d %.3fs", request.remote, request.method, request.path, response.status, time)


# ---------------------------------------------------------------------------- request parsing


def _token_from(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    # Browsers cannot set headers on a WebSocket, so the query parameter is accepted too.
    return request.query.get("token", "").strip()


def _buyer_id(request: web.Request) -> str:
    """The buyer a request is from, taken only from its signed token."""
    token = _token_from(request)
    if not token:
        raise ApiError(401, MSG_NO_TOKEN, "missing")
    if len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise ApiError(401, MSG_BAD_TOKEN, "malformed")
    try:
        buyer_id = tokens.verify(request.app[SETTINGS].buyer_token_secret, token)
    except tokens.TokenError as exc:
        raise ApiError(401, MSG_BAD_TOKEN, exc.reason) from None
    if not buyer_id or len(buyer_id) > MAX_BUYER_ID_CHARS:
        raise ApiError(401, MSG_BAD_TOKEN, "malformed")
    return buyer_id


def _int_param(request: web.Request, name: str, default: int, low: int, high: int, message: str) -> int:
    raw = request.query.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        raise ApiError(400, message)
    value = int(raw)
    if not low <= value <= high:
        raise ApiError(400, message)
    return value


async def _json_object(request: web.Request, message: str) -> dict[str, Any]:
    body = await request.read()  # over client_max_size: HTTP 413, turned into JSON by _errors
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ApiError(400, message) from None
    if not isinstance(data, dict):
        raise ApiError(400, message)
    return data


# ---------------------------------------------------------------------------- database work (threads)


def _load_since(buyer_id: str, after_id: int, limit: int) -> list[dict[str, Any]]:
    with session_scope() as session:
        return messages.since(session, buyer_id, after_id, limit)


def _store_buyer_message(buyer_id: str, text: str, payload: str = "") -> tuple[int, bool, bool] | None:
    """Stores the buyer's message; its id, whether a person owns the conversation and whether
    `payload` is a button of the bot's latest question, or None for an unknown buyer.
    While a person owns it the bot does not hear the message, so consent and the waiting
    buyer's acknowledgement are handled here (_while_a_person_owns)."""
    with session_scope() as session:
        known, case = messages.known_buyer_case(session, buyer_id)
        if not known:
            return None
        offered = bool(payload) and payload in messages.offered_payloads(session, buyer_id)
        # the active case was just read: none is none, not a reason to look again
        message = messages.append(session, buyer_id, "buyer", text, case_id=None if case is None else case[0],
                                  case_known=True)
        owned = human_owns(case)
        if owned and case is not None:
            _while_a_person_owns(session, buyer_id, case[0], text)
        return int(message["id"]), owned, offered


def _while_a_person_owns(session: Session, buyer_id: str, case_id: int, text: str) -> None:
    """"别再联系我" is honoured in every state: the opt-out stops every channel, the person's too.
    A low rating the buyer says was a slip ("手滑点错了 是4分") is corrected while no person has
    taken the case yet, and the case closes as rated. A question about the money or the review
    while a lead approves the remedy ("审核大概要多久？") is answered from the knowledge file. Any
    other message of a buyer still waiting for a person gets the expected wait, once."""
    now = utcnow()
    if consent.asks_to_stop(text):
        closed = consent.opt_out(session, buyer_id, text, now)
        log.info("buyer %s opted out during a hand-over: %d case(s) closed", mask(buyer_id), closed)
        done, _ = bot_response(OPT_OUT_DONE)
        messages.append(session, buyer_id, "bot", done, case_id=case_id)
        return
    corrected = corrected_rating(text)
    case = session.get(Case, case_id) if corrected is not None else None
    if case is not None and corrected is not None and correct_low_rating(session, case, corrected, now, text):
        log.info("buyer %s corrected a low rating of case %d to %d", mask(buyer_id), case_id, corrected)
        done, _ = bot_response(RATING_CORRECTED)
        messages.append(session, buyer_id, "bot", done.replace("{rating}", str(corrected)), case_id=case_id)
        return
    case = session.get(Case, case_id)
    answer = answer_while_pending(session, case, text) if case is not None else None
    if answer is not None:  # "审核大概要多久？" while a lead reviews the remedy: the review's timing
        messages.append(session, buyer_id, "bot", answer, case_id=case_id)
        return
    acknowledge_wait(session, case_id, now, policy().limits.agents)


def _store_system_message(buyer_id: str, text: str) -> None:
    with session_scope() as session:
        messages.append(session, buyer_id, "system", text)


# ---------------------------------------------------------------------------- pages


async def _index(request: web.Request) -> web.StreamResponse:
    query = request.rel_url.raw_query_string
    raise web.HTTPFound("/chat" + (f"?{query}" if query else ""))


async def _static_response(request: web.Request, name: str) -> web.Response:
    match = _STATIC_NAME.fullmatch(name)
    if match is None or not (STATIC_DIR / name).is_file():
        raise web.HTTPNotFound()
    path = STATIC_DIR / name
    content_type, charset = _CONTENT_TYPES[match.group(1)]
    body = await asyncio.to_thread(path.read_bytes)
    response = web.Response(body=body, content_type=content_type, charset=charset)
    response.headers["Cache-Control"] = "no-cache"
    if content_type == "text/html":
        connect = "'self'"
        if _SAFE_HOST.fullmatch(request.host):
            # Older browsers do not count ws(s):// to the same host as 'self'.
            connect += f" ws://{request.host} wss://{request.host}"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src {connect}; object-src 'none'; base-uri 'none'; form-action 'none'; {NO_FRAMING}"
        )
    return response


# Front-end libraries installed by `make web-deps` from the npm registry at the versions and
# integrity hashes of web/package-lock.json (git-ignored, never committed), served as our own files.
VENDOR_DIR = Path(__file__).resolve().parents[2] / "web" / "node_modules"
VENDOR_FILES = {"echarts.min.js": VENDOR_DIR / "echarts" / "dist" / "echarts.min.js"}


async def _vendor_file(request: web.Request) -> web.StreamResponse:
    path = VENDOR_FILES.get(request.match_info["file"])
    if path is None:
        raise web.HTTPNotFound()
    if not path.is_file():
        log.error("%s is missing: run `make web-deps` (npm ci in web/)", path)
        raise web.HTTPNotFound(text="chart library not installed: run `make web-deps`")
    body = await asyncio.to_thread(path.read_bytes)
    response = web.Response(body=body, content_type="text/javascript", charset="utf-8")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


async def _chat_page(request: web.Request) -> web.StreamResponse:
    return await _static_response(request, "chat.html")


async def _static_file(request: web.Request) -> web.StreamResponse:
    return await _static_response(request, request.match_info["file"])


async def _healthz(request: web.Request) -> web.StreamResponse:
    return web.json_response({"ok": True})


# ---------------------------------------------------------------------------- API


async def _get_messages(request: web.Request) -> web.StreamResponse:
    buyer_id = _buyer_id(request)
    after = _int_param(request, "after", 0, 0, MAX_DB_ID, MSG_BAD_AFTER)
    limit = _int_param(request, "limit", DEFAULT_PAGE, 1, MAX_PAGE, MSG_BAD_LIMIT)
    rows = await asyncio.to_thread(_load_since, buyer_id, after, limit)
    return web.json_response({"buyer_id": buyer_id, "messages": rows})


async def _post_message(request: web.Request) -> web.StreamResponse:
    buyer_id = _buyer_id(request)
    data = await _json_object(request, MSG_BAD_JSON)
    text = data.get("text")
    payload = data.get("payload")
    text = "" if text is None else text
    payload = "" if payload is None else payload
    if not isinstance(text, str) or not isinstance(payload, str):
        raise ApiError(400, MSG_BAD_FIELD)
    command = payload.strip()
    if command and (
        len(command) > MAX_PAYLOAD_CHARS
        or not _PAYLOAD.match(command)
        or messages.clean_text(command, limit=MAX_PAYLOAD_CHARS) != command
    ):
        raise ApiError(400, MSG_BAD_PAYLOAD)
    intent = _PAYLOAD_INTENT.match(command)[1].strip().lower() if command else ""  # type: ignore[index]
    if intent in REFUSED_INTENTS or intent.startswith(REFUSED_INTENT_PREFIX):
        log.warning("refused payload /%s from buyer %s", intent[:40], mask(buyer_id))
        raise ApiError(400, MSG_BAD_PAYLOAD)
    cleaned = messages.clean_text(text)
    if not cleaned and not command:
        return web.json_response({"messages": [], "notice": MSG_EMPTY_NOTICE})

    app = request.app
    stored = await asyncio.to_thread(_store_buyer_message, buyer_id, cleaned or command, command)
    if stored is None:
        log.warning("valid token for unknown buyer %s", mask(buyer_id))
        raise ApiError(401, MSG_BAD_TOKEN)
    message_id, human_owns, offered = stored
    if command and not offered:
        # Only a button of the bot's latest question counts as a tap; anything else is read as
        # the words the buyer sent (the button's title), never as a command.
        log.info("payload %s of buyer %s was not offered; read as text", command[:40], mask(buyer_id))
        cleaned, command = cleaned or command, ""
    app[NOTIFIER].wake(buyer_id)  # the buyer's other open pages show the message at once

    rows = None
    if not human_owns:
        try:
            # The in-app channel stores the bot's replies in the inbox before it answers.
            # Typed text is never read as a bot command: only offered button payloads are.
            # the answer's page comes back with it, read where the bot's answer was stored
            rows = await relay(app[HTTP], app[SETTINGS], buyer_id, command or cleaned.lstrip("/") or "?",
                               inbox_after=message_id - 1)
        except (RelayError, asyncio.TimeoutError) as exc:
            log.warning("bot did not take a message of buyer %s: %s", mask(buyer_id), exc)
            await asyncio.to_thread(_store_system_message, buyer_id, MSG_BUSY)
        except Exception:
            log.exception("relaying a message of buyer %s failed", mask(buyer_id))
            await asyncio.to_thread(_store_system_message, buyer_id, MSG_BUSY)
        app[NOTIFIER].wake(buyer_id)

    if rows is None:
        rows = await asyncio.to_thread(_load_since, buyer_id, message_id - 1, MAX_PAGE)
    return web.json_response({"messages": rows})


async def _drain(ws: web.WebSocketResponse) -> None:
    """Reads the client's frames: nothing in them is needed, but reading handles the close."""
    async for _frame in ws:
        pass


async def _push(
    ws: web.WebSocketResponse,
    reader: asyncio.Task[None],
    event: asyncio.Event,
    buyer_id: str,
    after: int,
    poll_s: float,
    ping_s: float,
) -> None:
    """Sends the messages after `after`, then each new one; pings after `ping_s` of silence."""
    loop = asyncio.get_running_loop()
    last_id = after
    last_sent = loop.time()
    while not ws.closed and not reader.done():
        event.clear()  # a wake-up during the query below leaves it set: no message is missed
        batch = await asyncio.to_thread(_load_since, buyer_id, last_id, MAX_PAGE)
        for message in batch:
            await ws.send_json({"type": "message", "message": message})
            last_id = message["id"]
        now = loop.time()
        if batch:
            last_sent = now
            if len(batch) == MAX_PAGE:
                continue
        elif now - last_sent >= ping_s:
            await ws.send_json({"type": "ping"})
            last_sent = now
        waiter = asyncio.ensure_future(event.wait())
        try:
            await asyncio.wait({waiter, reader}, timeout=min(poll_s, ping_s), return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()


async def _live(request: web.Request) -> web.StreamResponse:
    buyer_id = _buyer_id(request)
    after = _int_param(request, "after", 0, 0, MAX_DB_ID, MSG_BAD_AFTER)
    ws = web.WebSocketResponse(max_msg_size=4096)
    if not ws.can_prepare(request).ok:
        raise ApiError(400, MSG_NOT_WEBSOCKET)
    await ws.prepare(request)

    app = request.app
    notifier = app[NOTIFIER]
    event = notifier.subscribe(buyer_id)  # before the first query, so no wake-up is lost
    app[SOCKETS].add(ws)
    reader = asyncio.create_task(_drain(ws))
    try:
        await _push(ws, reader, event, buyer_id, after, app[POLL_SECONDS], app[PING_SECONDS])
    except (ConnectionError, RuntimeError) as exc:
        log.debug("live connection of buyer %s ended while sending: %s", mask(buyer_id), exc)
    except Exception:
        log.exception("live connection of buyer %s failed", mask(buyer_id))
    finally:
        notifier.unsubscribe(buyer_id, event)
        app[SOCKETS].discard(ws)
        try:
            await ws.close()
            await asyncio.wait_for(reader, timeout=1.0)
        except Exception:  # the peer is gone already
            reader.cancel()
    return ws


async def _notify(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    given = request.headers.get(CHANNEL_SECRET_HEADER, "").encode("utf-8", "replace")
    if not hmac.compare_digest(given, settings.channel_secret.encode("utf-8")):
        raise ApiError(403, "forbidden: wrong or missing channel secret")
    data = await _json_object(request, "body must be a JSON object with a string buyer_id")
    buyer_id = data.get("buyer_id")
    if not isinstance(buyer_id, str) or not buyer_id or len(buyer_id) > MAX_BUYER_ID_CHARS:
        raise ApiError(400, "buyer_id must be a non-empty string of at most 64 characters")
    return web.json_response({"woken": request.app[NOTIFIER].wake(buyer_id)})


# ---------------------------------------------------------------------------- app


async def _http_session(app: web.Application) -> AsyncIterator[None]:
    app[HTTP] = aiohttp.ClientSession()
    try:
        yield
    finally:
        await app[HTTP].close()


async def _close_sockets(app: web.Application) -> None:
    sockets = list(app[SOCKETS])
    if sockets:
        await asyncio.gather(
            *(ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"server shutdown") for ws in sockets),
            return_exceptions=True,
        )


def create_app(settings: Settings) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[_errors])
    app[SETTINGS] = settings
    app[NOTIFIER] = Notifier()
    app[SOCKETS] = set()
    app[POLL_SECONDS] = LIVE_POLL_SECONDS
    app[PING_SECONDS] = LIVE_PING_SECONDS
    app.cleanup_ctx.append(_http_session)
    app.on_shutdown.append(_close_sockets)
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/", _index)
    app.router.add_get("/chat", _chat_page)
    app.router.add_get("/static/{file}", _static_file)
    app.router.add_get("/static/vendor/{file}", _vendor_file)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/api/messages", _get_messages)
    app.router.add_post("/api/messages", _post_message)
    app.router.add_get("/api/live", _live)
    app.router.add_post("/internal/notify", _notify)
    # The support leads' dashboard (outreach.dashboard): its own session login, Chinese pages.
    app.router.add_get("/dashboard", _to_dashboard)
    add_dashboard(app, settings)
    add_agent_api(app)  # the agent API under /dashboard/api/ (docs/agent-api.md)
    return app


async def _to_dashboard(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/dashboard/")


async def serve(settings: Settings) -> None:
    """Runs the buyer web server until cancelled, then shuts it down cleanly."""
    install_log_masking()
    runner = web.AppRunner(
        create_app(settings), access_log_class=_AccessLogger, shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.web_host, settings.web_port)
        await site.start()
        log.info("buyer web server listening on http://%s:%d/chat", settings.web_host, settings.web_port)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
