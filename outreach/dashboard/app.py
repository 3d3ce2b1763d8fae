"""The dashboard's routes, mounted at /dashboard on the web app (outreach.web.app).

Every page needs a session cookie; without one a page redirects to the login form and a
CSV export answers 401. Leads see everything; agents see cases only (lead pages: 403).
Phone numbers are masked for everyone; see outreach.dashboard.phones for who may reveal one.
Database work runs in worker threads.

A POST changes something, so it must come from the dashboard's own pages, not from a page of
another site the member has open (CSRF; SameSite=Strict alone let a page of the same host on
another port through): a browser's Origin (or Referer) must name this dashboard, and a
signed-in POST must bring back the session's form token, which only its own pages carry.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import web
from multidict import MultiDictProxy

from outreach.cases.report import case_report
from outreach.csv_export import export
from outreach.dashboard import accounts, throttle, views
from outreach.dashboard.cases import CASE_COLUMNS, list_cases, merchant_options
from outreach.dashboard.html import FORM_TOKEN_FIELD
from outreach.dashboard.phones import phone_view, reveal_phone
from outreach.metrics.filters import FilterError, parse_filters, parse_grouping
from outreach.metrics.outliers import OUTLIER_COLUMNS, outliers_report
from outreach.metrics.report import metrics_report, report_csv
from outreach.settings import Settings
from outreach.store.db import session_scope

log = logging.getLogger(__name__)
COOKIE = "outreach_staff"
NOT_FROM_HERE = "这个请求不是从本看板的页面发出的（或页面已过期），请从看板页面重新操作。"
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}
SECURE_COOKIES: web.AppKey[str] = web.AppKey("dashboard_secure_cookies", str)
READER: web.AppKey[dict] = web.AppKey("dashboard_diagnosis_reader", dict)
FILTER_KEYS = ("since", "until", "label", "merchant", "channel", "badge", "rule")
BREAKDOWNS = ("day", "label", "channel", "merchant", "badge")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _html(text: str, status: int = 200) -> web.Response:
    response = web.Response(text=text, content_type="text/html", charset="utf-8", status=status)
    response.headers["Cache-Control"] = "no-store"
    # Browsers name the origin of a POST only when the page's referrer policy lets them
    # (no-referrer, the buyer pages' policy, makes it "null"); nothing leaves this origin.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'")
    return response


def _csv(text: str, name: str) -> web.Response:
    response = web.Response(text="\ufeff" + text, content_type="text/csv", charset="utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _for_machines(request: web.Request) -> bool:
    """`columns=machine` asks an export for stable English column names, UTC times and fen."""
    return request.query.get("columns") == "machine"


def _member(request: web.Request) -> accounts.StaffMember:
    return request["staff"]


def _from_elsewhere(request: web.Request) -> str | None:
    """Why a POST did not come from this dashboard's pages, judged by the origin the browser
    names (Origin, else Referer); None when it names this host or names nothing (no browser
    form: the form token decides)."""
    named = request.headers.get("Origin") or request.headers.get("Referer")
    if named is None:
        return None
    try:
        parts = urlsplit(named)
        netloc = parts.netloc.lower().removesuffix(_DEFAULT_PORTS.get(parts.scheme, ""))
    except ValueError:
        netloc, parts = "", None
    host = request.host.lower()
    for default in _DEFAULT_PORTS.values():
        host = host.removesuffix(default)
    if parts is None or parts.scheme not in _DEFAULT_PORTS or netloc != host:
        return f"sent from {named[:100]!r}, not from this dashboard ({request.host[:100]!r})"
    return None


def _refused(request: web.Request, why: str) -> web.Response:
    log.warning("refused %s %s from %s: %s", request.method, request.path, request.remote, why)
    member = request.get("staff")
    return _html(views.message_page(member, "请求被拒绝", NOT_FROM_HERE) if member else views.login_page(NOT_FROM_HERE),
                 status=403)


def _signed_in(handler: Handler) -> Handler:
    """Pages need a live session: without one, a redirect to the login form (a CSV export: 401).
    A POST must also come from this dashboard and bring back the session's form token."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        token = request.cookies.get(COOKIE, "")
        member = await asyncio.to_thread(accounts.session_member, token) if token else None
        if member is None:
            if request.query.get("format") == "csv" or request.method != "GET":
                return web.Response(status=401, text="请先登录。", content_type="text/plain", charset="utf-8")
            raise web.HTTPFound("/dashboard/login?next=" + quote(request.path_qs, safe=""))
        request["staff"] = member
        if request.method == "POST":
            elsewhere = _from_elsewhere(request)
            if elsewhere:
                return _refused(request, elsewhere)
            form = await _form(request)
            given = str(form.get(FORM_TOKEN_FIELD, "")) if form is not None else ""
            if not hmac.compare_digest(given.encode("utf-8", "replace"), member.form_token.encode()):
                return _refused(request, "no form token or not this session's")
        return await handler(request)

    return wrapped


def _lead_only(request: web.Request) -> None:
    if _member(request).role != "lead":
        raise web.HTTPForbidden(text=views.message_page(_member(request), "没有权限", "这个页面仅限客服主管查看。"),
                                content_type="text/html")


def _raw_filters(request: web.Request) -> dict[str, str]:
    return {k: request.query.get(k, "")[:100] for k in FILTER_KEYS}


async def _login_form(request: web.Request) -> web.StreamResponse:
    return _html(views.login_page(next_path=_safe_next(request.query.get("next", ""))))


def _safe_next(raw: str) -> str:
    return raw if raw.startswith("/dashboard/") and "//" not in raw and "\\" not in raw else "/dashboard/"


async def _form(request: web.Request) -> MultiDictProxy | None:
    """The posted form, or None when its body cannot be read. A broken body is the sender's
    fault whatever aiohttp raises for it (ValueError, AssertionError, LookupError for an unknown
    charset, RuntimeError for an unknown transfer encoding, a bad part header): a warning, no
    traceback. Too large a body stays HTTP 413."""
    try:
        return await request.post()
    except web.HTTPException:
        raise
    except Exception as exc:  # noqa: BLE001 - see above: any parse failure is a bad request
        log.warning("unreadable form in %s %s from %s: %s: %s", request.method, request.path, request.remote,
                    type(exc).__name__, exc)
        return None


def _secure_cookie(request: web.Request) -> bool:
    """Whether the session cookie gets the Secure flag (OUTREACH_SECURE_COOKIES, settings)."""
    setting = request.app[SECURE_COOKIES]
    if setting != "auto":
        return setting == "always"
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.secure or forwarded == "https"


async def _login(request: web.Request) -> web.StreamResponse:
    elsewhere = _from_elsewhere(request)
    if elsewhere:
        return _refused(request, elsewhere)
    form = await _form(request)
    if form is None:
        return _html(views.login_page("登录表单格式不正确，请刷新页面后重试。"), status=400)
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    try:
        result = await asyncio.to_thread(accounts.log_in, username[:64], password[:200], request.remote or "")
    except throttle.TooManyAttempts as exc:
        log.warning("dashboard login for %r from %s refused: %s", username[:64], request.remote, exc)
        response = _html(views.login_page(exc.zh, _safe_next(str(form.get("next", "")))), status=429)
        response.headers["Retry-After"] = str(exc.wait_seconds)
        return response
    if result is None:
        log.info("dashboard login refused for %r", username[:64])
        return _html(views.login_page("用户名或密码不正确。", _safe_next(str(form.get("next", "")))), status=401)
    token, member = result
    log.info("dashboard login: %s (%s)", member.username, member.role)
    target = _safe_next(str(form.get("next", "")))
    if member.role != "lead" and target in ("/dashboard/", "/dashboard/merchants"):
        target = "/dashboard/workspace"
    response = web.HTTPFound(target)
    response.set_cookie(COOKIE, token, max_age=accounts.SESSION_HOURS * 3600, httponly=True, samesite="Strict",
                        path="/dashboard", secure=_secure_cookie(request))
    raise response


async def _logout(request: web.Request) -> web.StreamResponse:
    await asyncio.to_thread(accounts.log_out, request.cookies.get(COOKIE, ""))
    response = web.HTTPFound("/dashboard/login")
    response.del_cookie(COOKIE, path="/dashboard")
    raise response


async def _with_filters(request: web.Request, title: str) -> tuple[Any, dict[str, str]] | web.Response:
    raw = _raw_filters(request)
    try:
        filters = await asyncio.to_thread(parse_filters, raw)
    except FilterError as error:
        return _html(views.message_page(_member(request), title, error.zh), status=400)
    return filters, raw


async def _overview(request: web.Request) -> web.StreamResponse:
    if _member(request).role != "lead":
        raise web.HTTPFound("/dashboard/cases")
    parsed = await _with_filters(request, "总览")
    if isinstance(parsed, web.Response):
        return parsed
    filters, raw = parsed
    try:
        by = parse_grouping(request.query.get("by")) or "label"
    except FilterError as error:
        return _html(views.message_page(_member(request), "总览", error.zh), status=400)
    report = await asyncio.to_thread(metrics_report, filters, by, None, BREAKDOWNS, await _reader(request))
    if request.query.get("format") == "csv":
        return _csv(report_csv(report, _for_machines(request)), f"metrics-by-{by}")
    merchants = await asyncio.to_thread(merchant_options)
    csv_link = views.link("/dashboard/", {**filters.as_dict(), "by": by, "format": "csv"})
    return _html(views.overview_page(_member(request), report, filters.as_dict(), merchants, csv_link))


async def _merchants(request: web.Request) -> web.StreamResponse:
    _lead_only(request)
    parsed = await _with_filters(request, "商家异常（风控）")
    if isinstance(parsed, web.Response):
        return parsed
    filters, _ = parsed
    report = await asyncio.to_thread(outliers_report, filters)
    if request.query.get("format") == "csv":
        return _csv(export(report["merchants"], OUTLIER_COLUMNS, _for_machines(request)), "merchant-outliers")
    csv_link = views.link("/dashboard/merchants", {"since": filters.since, "until": filters.until, "format": "csv"})
    return _html(views.merchants_page(_member(request), report, filters.as_dict(), csv_link))


async def _cases(request: web.Request) -> web.StreamResponse:
    parsed = await _with_filters(request, "案件列表")
    if isinstance(parsed, web.Response):
        return parsed
    filters, _ = parsed
    rows, more = await asyncio.to_thread(list_cases, filters)
    if request.query.get("format") == "csv":
        return _csv(export(rows, CASE_COLUMNS, _for_machines(request)), "cases")
    merchants = await asyncio.to_thread(merchant_options)
    csv_link = views.link("/dashboard/cases", {**filters.as_dict(), "format": "csv"})
    return _html(views.cases_page(_member(request), rows, filters.as_dict(), merchants, csv_link, more))


def _case_id(request: web.Request) -> int | None:
    raw = request.match_info["case_id"]
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None


async def _reader(request: web.Request) -> Any:
    """The diagnosis model that infers satisfaction from buyers' last words, loaded once per app;
    None (and a logged error) when it cannot be loaded: the pages still show the surveyed figures."""
    holder = request.app[READER]
    if "reader" not in holder:
        from outreach.diagnosis.registry import load_diagnoser

        try:
            holder["reader"] = await asyncio.to_thread(load_diagnoser)
        except Exception as exc:  # noqa: BLE001 - a missing or refused model must not take the dashboard down
            log.error("diagnosis model not loaded, satisfaction is not inferred: %s", exc)
            holder["reader"] = None
    return holder["reader"]


def _no_case(request: web.Request) -> web.Response:
    raw = request.match_info["case_id"]
    return _html(views.message_page(_member(request), "案件", f"没有编号为 {raw[:20]} 的案件。"), status=404)


async def _case(request: web.Request) -> web.StreamResponse:
    case_id = _case_id(request)
    report = await asyncio.to_thread(case_report, case_id) if case_id is not None else None
    if case_id is None or report is None:
        return _no_case(request)
    phone = await asyncio.to_thread(phone_view, case_id, _member(request))
    reader = await _reader(request)
    if reader is not None and report["case"]["status"] == "closed":
        report["inferred"] = await asyncio.to_thread(_case_inference, case_id, reader)
    return _html(views.case_page(_member(request), report, phone))


def _case_inference(case_id: int, reader: Any) -> dict[str, Any] | None:
    from outreach.metrics.inferred import case_inference

    with session_scope() as session:
        return case_inference(session, case_id, reader)


async def _reveal_phone(request: web.Request) -> web.StreamResponse:
    """The full number, for the agent holding the case's claimed call only; each reveal is a case event."""
    case_id = _case_id(request)
    report = await asyncio.to_thread(case_report, case_id) if case_id is not None else None
    if case_id is None or report is None:
        return _no_case(request)
    member = _member(request)
    phone = await asyncio.to_thread(reveal_phone, case_id, member)
    if phone is None:
        log.info("phone reveal refused: case=%s staff=%s", case_id, member.username)
        return _html(views.message_page(member, "没有权限", "只有正在处理这个案件来电任务的客服专员可以查看完整号码。"),
                     status=403)
    log.info("phone revealed: case=%s staff=%s", case_id, member.username)
    return _html(views.case_page(member, report, phone))


async def _looks(request: web.Request) -> web.StreamResponse:
    from outreach.cases.looks import waiting

    def load() -> list[Any]:
        with session_scope() as session:
            return waiting(session)

    notice = request.query.get("notice", "")[:200]
    return _html(views.looks_page(_member(request), await asyncio.to_thread(load), notice))


async def _decide_look(request: web.Request) -> web.StreamResponse:
    """A person's decision on a waiting feedback (leads and agents); the first decision wins."""
    from outreach.cases.looks import LookError, decide
    from outreach.diagnosis.taxonomy import taxonomy

    raw = request.match_info["feedback_id"]
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        return _html(views.message_page(_member(request), "待人工判断", f"没有编号为 {raw[:20]} 的反馈。"), status=404)
    form = await _form(request)
    if form is None:
        return _html(views.message_page(_member(request), "待人工判断", "表单格式不正确，请刷新页面后重试。"),
                     status=400)
    member = _member(request)
    try:
        result = await asyncio.to_thread(decide, int(raw), str(form.get("label", ""))[:32], member.username,
                                         taxonomy())
    except LookError as error:
        return _html(views.message_page(member, "待人工判断", str(error)), status=409)
    label_zh = taxonomy().zh(result.label)
    done = f"反馈 {result.feedback_id} 已判断为「{label_zh}」" + (f"，案件 {result.case_id}" if result.case_id else "")
    raise web.HTTPFound("/dashboard/looks?notice=" + quote(done, safe=""))


async def _workspace(request: web.Request) -> web.StreamResponse:
    """The agents' workspace page; its script drives the agent API (same origin, session, CSRF header)."""
    response = _html(views.workspace_page(_member(request)))
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
    return response


def add_dashboard(app: web.Application, settings: Settings) -> None:
    """Mounts the dashboard's routes under /dashboard on the web app.

    Plain routes rather than a sub-application: aiohttp 3.9's sub-application lookup builds
    the request URL from the Host header, which the yarl in our lock set refuses when it has a port.
    """
    app[SECURE_COOKIES] = settings.secure_cookies
    app[READER] = {}
    app.router.add_get("/dashboard/login", _login_form)
    app.router.add_post("/dashboard/login", _login)
    app.router.add_post("/dashboard/logout", _signed_in(_logout))
    app.router.add_get("/dashboard/", _signed_in(_overview))
    app.router.add_get("/dashboard/merchants", _signed_in(_merchants))
    app.router.add_get("/dashboard/cases", _signed_in(_cases))
    app.router.add_get("/dashboard/cases/{case_id}", _signed_in(_case))
    app.router.add_post("/dashboard/cases/{case_id}/phone", _signed_in(_reveal_phone))
    app.router.add_get("/dashboard/looks", _signed_in(_looks))
    app.router.add_get("/dashboard/workspace", _signed_in(_workspace))
    app.router.add_post("/dashboard/looks/{feedback_id}", _signed_in(_decide_look))
