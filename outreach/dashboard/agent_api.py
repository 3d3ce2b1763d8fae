"""The agent API: JSON endpoints under /dashboard/api/ for the workspace page and for a
platform's own agent desk (docs/agent-api.md).

Authentication is the dashboard's: the staff session cookie (HttpOnly, SameSite=Strict, path
/dashboard), got from the login form or from POST /dashboard/api/login, which is throttled like
the form. Every POST must also carry the session's CSRF token in the X-CSRF-Token header (the
HMAC of the session cookie that GET /dashboard/api/me and the login answer hand out) and, when
a browser names an origin, come from this dashboard's own origin. A refusal is a 4xx with a
Chinese `error` and a short `reason`; nothing changes. Every call that names a case or an
approval leaves a `staff_action` event with the staff member in the case's trail.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy import select

from outreach.cases.report import case_report
from outreach.dashboard import accounts, throttle
from outreach.dashboard.app import COOKIE, _from_elsewhere, _secure_cookie
from outreach.inbox import messages
from outreach.inbox.live import NOTIFIER
from outreach.inbox.privacy import mask_phones
from outreach.lifecycle import events
from outreach.lifecycle.approvals import ApprovalError, pending
from outreach.lifecycle.machine import STATUS_ZH, LifecycleError
from outreach.lifecycle.states import CaseStatus, EventKind
from outreach.rules.loader import rules
from outreach.scheduling.policy import policy
from outreach.store.db import session_scope
from outreach.store.models import Approval, Case
from outreach.store.types import utcnow
from outreach.workspace import desk
from outreach.workspace.queue import queue

log = logging.getLogger(__name__)
CSRF_HEADER = "X-CSRF-Token"
MAX_BODY_CHARS = 16_000
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, zh: str, reason: str) -> web.Response:
    response = web.json_response({"error": zh, "reason": reason}, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _ok(body: dict[str, Any]) -> web.Response:
    response = web.json_response(body, dumps=lambda v: json.dumps(v, ensure_ascii=False, default=str))
    response.headers["Cache-Control"] = "no-store"
    return response


def _masked(value: Any) -> Any:
    """Phone numbers masked in everything the API answers (buyers write them in chats and reviews)."""
    if isinstance(value, str):
        return mask_phones(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _staff(member: accounts.StaffMember) -> desk.Staff:
    return desk.Staff(member.username, member.display_name, member.role)


def _api(handler: Handler) -> Handler:
    """A live session (else 401); a POST also from this dashboard (403) with the CSRF header (403)."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        token = request.cookies.get(COOKIE, "")
        member = await asyncio.to_thread(accounts.session_member, token) if token else None
        if member is None:
            return _error(401, "请先登录客服工作台。", "not_signed_in")
        request["staff"] = member
        if request.method == "POST":
            elsewhere = _from_elsewhere(request)
            if elsewhere:
                log.warning("agent API refused %s %s: %s", request.method, request.path, elsewhere)
                return _error(403, "这个请求不是从客服工作台发出的。", "foreign_origin")
            given = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(given.encode("utf-8", "replace"), member.form_token.encode()):
                log.warning("agent API refused %s %s: no or wrong CSRF token", request.method, request.path)
                return _error(403, "缺少或错误的 CSRF 令牌，请刷新页面后重试。", "csrf")
        return await handler(request)

    return wrapped


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise desk.DeskError(400, "请求内容必须是 JSON 对象。", "bad_json") from None
    if not isinstance(data, dict):
        raise desk.DeskError(400, "请求内容必须是 JSON 对象。", "bad_json")
    return data


def _version(data: dict[str, Any]) -> int | None:
    value = data.get("version")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise desk.DeskError(400, "version 必须是不小于 0 的整数（页面上案件的版本）。", "bad_version")
    return value


def _id(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        raise desk.DeskError(404, f"没有编号为 {raw[:20]} 的记录。", "no_such_id")
    return int(raw)


def _audit(case_id: int | None, member: accounts.StaffMember, action: str, result: str) -> None:
    """In its own transaction: a refused call's is rolled back, its audit line is kept."""
    log.info("agent API: staff=%s action=%s case=%s result=%s", member.username, action, case_id, result)
    if case_id is None:
        return
    with session_scope() as session:
        if session.get(Case, case_id) is not None:
            events.record(session, case_id, EventKind.STAFF_ACTION, staff=member.username, role=member.role,
                          action=action, result=result)


async def _run(request: web.Request, action: str, case_id: int | None,
               work: Callable[[], dict[str, Any]]) -> web.Response:
    """Run `work` in a worker thread; turn refusals into 4xx answers; audit either way."""
    member = request["staff"]
    try:
        body = await asyncio.to_thread(work)
    except desk.DeskError as error:
        await asyncio.to_thread(_audit, case_id, member, action, f"refused: {error.reason}")
        return _error(error.status, error.zh, error.reason)
    except LifecycleError as error:
        await asyncio.to_thread(_audit, case_id, member, action, f"refused: {error}")
        return _error(409, error.zh, "stale" if "moved on" in str(error) else "illegal_transition")
    except ApprovalError as error:
        await asyncio.to_thread(_audit, case_id, member, action, f"refused: {error}")
        return _error(409, error.zh, "already_decided" if "already" in str(error) else "bad_decision")
    await asyncio.to_thread(_audit, case_id, member, action, "ok")
    return _ok(_masked(body))


def _case_state(case: Case) -> dict[str, Any]:
    return {"case_id": case.id, "status": case.status, "status_zh": STATUS_ZH[CaseStatus(case.status)],
            "version": case.version, "agent": case.agent}


# ---------------------------------------------------------------------------- endpoints


async def _login(request: web.Request) -> web.StreamResponse:
    """A desk's own login: the same accounts and throttle as the form; answers the CSRF token."""
    if _from_elsewhere(request):
        return _error(403, "这个请求不是从客服工作台发出的。", "foreign_origin")
    try:
        data = await _body(request)
    except desk.DeskError as error:
        return _error(error.status, error.zh, error.reason)
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return _error(400, "请提供用户名和密码。", "bad_login")
    try:
        result = await asyncio.to_thread(accounts.log_in, username[:64], password[:200], request.remote or "")
    except throttle.TooManyAttempts as exc:
        response = _error(429, exc.zh, "throttled")
        response.headers["Retry-After"] = str(exc.wait_seconds)
        return response
    if result is None:
        return _error(401, "用户名或密码不正确。", "bad_login")
    token, member = result
    response = _ok({"staff": _member_dict(member), "csrf_token": accounts.form_token(token)})
    response.set_cookie(COOKIE, token, max_age=accounts.SESSION_HOURS * 3600, httponly=True, samesite="Strict",
                        path="/dashboard", secure=_secure_cookie(request))
    return response


def _member_dict(member: accounts.StaffMember) -> dict[str, Any]:
    return {"username": member.username, "display_name": member.display_name, "role": member.role}


async def _me(request: web.Request) -> web.StreamResponse:
    member = request["staff"]
    return _ok({"staff": _member_dict(member), "csrf_token": member.form_token})


async def _queue(request: web.Request) -> web.StreamResponse:
    limits = policy().limits.agents

    def work() -> dict[str, Any]:
        with session_scope() as session:
            return {"items": queue(session, utcnow(), limits), "target_minutes": limits.reply_target_minutes}

    return await _run(request, "queue", None, work)


def _read_case(case_id: int) -> dict[str, Any]:
    report = case_report(case_id)
    if report is None:
        raise desk.DeskError(404, f"没有编号为 {case_id} 的案件。", "no_such_case")
    with session_scope() as session:
        case = session.get(Case, case_id)
        offers = [desk.offer_as_dict(o) for o in desk.allowed_offers(session, case, rules())]
        approval = session.execute(select(Approval).where(Approval.case_id == case_id,
                                                          Approval.status == "pending")).scalar_one_or_none()
        state = _case_state(case)
    report["case"].update(state)
    report["case"]["buyer_id"] = events.mask(report["case"]["buyer_id"])
    return {**report, "offers": offers, "pending_approval_id": approval.id if approval else None}


async def _case(request: web.Request) -> web.StreamResponse:
    case_id = _id(request, "case_id")
    return await _run(request, "read", case_id, lambda: _read_case(case_id))


async def _messages(request: web.Request) -> web.StreamResponse:
    """The case's buyer's chat after message `after` (the workspace's live view polls it)."""
    case_id = _id(request, "case_id")
    raw = request.query.get("after", "0")
    after = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else 0

    def work() -> dict[str, Any]:
        with session_scope() as session:
            case = desk.load(session, case_id)
            rows = [m for m in messages.since(session, case.buyer_id, after) if m["case_id"] in (case.id, None)]
            return {**_case_state(case), "messages": rows}

    member = request["staff"]
    try:
        body = await asyncio.to_thread(work)
    except desk.DeskError as error:
        return _error(error.status, error.zh, error.reason)
    log.debug("agent API: staff=%s read messages of case %s", member.username, case_id)
    return _ok(_masked(body))


def _post(action: str, operate: Callable[..., Any]) -> Handler:
    """A POST on one case: `operate(session, case_id, staff, data, version)` within one transaction."""

    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            case_id = _id(request, "case_id")
            data = await _body(request)
            version = _version(data)
        except desk.DeskError as error:
            return _error(error.status, error.zh, error.reason)
        staff = _staff(request["staff"])
        buyer: list[str] = []

        def work() -> dict[str, Any]:
            with session_scope() as session:
                result = operate(session, case_id, staff, data, version)
                case = session.get(Case, case_id)
                buyer.append(case.buyer_id)
                return {**_case_state(case), "result": result}

        response = await _run(request, action, case_id, work)
        if buyer:
            request.app[NOTIFIER].wake(buyer[0])  # the buyer's open chat shows it at once
        return response

    return handler


def _quiet_hours() -> int:
    return policy().limits.satisfaction.quiet_hours


OPERATIONS: dict[str, Callable[..., Any]] = {
    "claim": lambda s, cid, staff, data, v: desk.claim(s, cid, staff, utcnow(), v) and None,
    "release": lambda s, cid, staff, data, v: desk.release(s, cid, staff, v) and None,
    "reply": lambda s, cid, staff, data, v: desk.reply(s, cid, staff, data.get("text"), v),
    "offer": lambda s, cid, staff, data, v: desk.offer(s, cid, staff, data.get("rule"), rules(), v),
    "settle": lambda s, cid, staff, data, v: desk.settle(s, cid, staff, data.get("rule"), rules(), utcnow(),
                                                         _quiet_hours(), v),
    "hand-back": lambda s, cid, staff, data, v: desk.hand_back(s, cid, staff, utcnow(), _quiet_hours(), v),
    "close": lambda s, cid, staff, data, v: desk.close(s, cid, staff, data.get("outcome"), utcnow(), v) and None,
}


async def _approvals(request: web.Request) -> web.StreamResponse:
    if request["staff"].role != "lead":
        return _error(403, "只有客服主管可以查看审批队列。", "lead_only")

    def work() -> dict[str, Any]:
        with session_scope() as session:
            return {"approvals": pending(session)}

    return await _run(request, "approvals", None, work)


def _decide(approve: bool) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            approval_id = _id(request, "approval_id")
            data = await _body(request)
        except desk.DeskError as error:
            return _error(error.status, error.zh, error.reason)
        staff = _staff(request["staff"])
        buyer: list[str] = []

        def work() -> dict[str, Any]:
            with session_scope() as session:
                decision = desk.decide(session, approval_id, staff, approve, data.get("reason"), _quiet_hours())
                case = session.get(Case, decision.case_id)
                buyer.append(case.buyer_id)
                return {**_case_state(case), "result": decision.__dict__}

        action = "approve" if approve else "reject"
        probe = await asyncio.to_thread(_approval_case, approval_id)
        response = await _run(request, action, probe, work)
        if buyer:
            request.app[NOTIFIER].wake(buyer[0])
        return response

    return handler


def _approval_case(approval_id: int) -> int | None:
    with session_scope() as session:
        found = session.get(Approval, approval_id)
        return found.case_id if found is not None else None


async def _not_found(request: web.Request) -> web.StreamResponse:
    return _error(404, "没有这个接口。", "no_such_endpoint")


def add_agent_api(app: web.Application) -> None:
    app.router.add_post("/dashboard/api/login", _login)
    app.router.add_get("/dashboard/api/me", _api(_me))
    app.router.add_get("/dashboard/api/queue", _api(_queue))
    app.router.add_get("/dashboard/api/cases/{case_id}", _api(_case))
    app.router.add_get("/dashboard/api/cases/{case_id}/messages", _api(_messages))
    for action, operate in OPERATIONS.items():
        app.router.add_post(f"/dashboard/api/cases/{{case_id}}/{action}", _api(_post(action, operate)))
    app.router.add_get("/dashboard/api/approvals", _api(_approvals))
    app.router.add_post("/dashboard/api/approvals/{approval_id}/approve", _api(_decide(True)))
    app.router.add_post("/dashboard/api/approvals/{approval_id}/reject", _api(_decide(False)))
    app.router.add_route("*", "/dashboard/api/{tail:.*}", _not_found)
