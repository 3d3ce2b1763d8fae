"""The local load balancer of the scaled set-up (`outreach balancer --config FILE`).

One process, one listener per pool:

- the Rasa pool is sticky: a conversation (the sender id in /conversations/{id}/... or in
  the JSON body of /webhooks/{channel}/webhook) always goes to the same healthy replica
  (routing.rendezvous), with one request at a time per conversation, queued in arrival
  order. Two replicas never work on one conversation at once, whatever Redis's lock store
  does (RasaHQ/rasa#9213).
- the action pool spreads calls over the action servers, least busy first.

Requests pass through untouched (path, query with the token, headers with the channel
secret, body). A connection refused means nothing was sent: the upstream is marked down and
the request goes to the next choice. The action pool also resends, once, a call whose
action server died before answering (actions are idempotent: a remedy is paid once per
case and rule). Otherwise a failure answers at once with a clean 502 (upstream broke off),
504 (no answer in time) or 503 (no healthy upstream); the caller never hangs. Health
checks every second bring upstreams back when they answer again.

Admin endpoints on every listener, never forwarded: GET /_balancer/status (upstreams and
their health) and GET /_balancer/route?sender=ID (where that conversation goes now).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from outreach.lifecycle.events import mask
from outreach.scaled.routing import KeyedQueue, Pool, Upstream

log = logging.getLogger("outreach.balancer")

ADMIN_PREFIX = "/_balancer/"
UPSTREAM_HEADER = "X-Outreach-Upstream"
MAX_BODY_BYTES = 16 * 1024 * 1024
HOP_HEADERS = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length",
})
_CONVERSATION = re.compile(r"^/conversations/([^/]+)(/|$)")
_WEBHOOK = re.compile(r"^/webhooks/[^/]+/webhook/?$")


@dataclass(frozen=True)
class PoolConfig:
    name: str
    port: int
    upstreams: dict[str, str]  # name -> base URL
    sticky: bool = False
    health_path: str = "/health"
    timeout_s: float = 60.0
    # Also resend, once, a request whose upstream broke off before answering (it died). Only
    # for idempotent calls: the action pool (the remedy ledger pays once per case and rule).
    resend_when_broken: bool = False


@dataclass(frozen=True)
class BalancerConfig:
    pools: tuple[PoolConfig, ...]
    host: str = "127.0.0.1"
    health_interval_s: float = 1.0

    def to_json(self) -> str:
        return json.dumps({
            "host": self.host,
            "health_interval_s": self.health_interval_s,
            "pools": [vars(pool) for pool in self.pools],
        }, indent=2)

    @classmethod
    def read(cls, path: Path) -> BalancerConfig:
        try:
            data = json.loads(path.read_text())
            pools = tuple(PoolConfig(**pool) for pool in data["pools"])
            return cls(pools, data.get("host", "127.0.0.1"), float(data.get("health_interval_s", 1.0)))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a balancer configuration ({exc.__class__.__name__}: {exc})") from exc


POOL = web.AppKey("pool", Pool)
QUEUE = web.AppKey("queue", KeyedQueue)
CONFIG = web.AppKey("config", PoolConfig)
HTTP = web.AppKey("http", aiohttp.ClientSession)


def conversation_key(path: str, body: bytes) -> str | None:
    """The sender id a Rasa request is about, or None for requests about no conversation."""
    match = _CONVERSATION.match(path)
    if match:
        return unquote(match.group(1))
    if _WEBHOOK.match(path) and body:
        try:
            data = json.loads(body)
        except ValueError:
            return None
        sender = data.get("sender") if isinstance(data, dict) else None
        return sender if isinstance(sender, str) and sender else None
    return None


def _error(status: int, message: str) -> web.Response:
    headers = {"Retry-After": "5"} if status == 503 else None
    return web.json_response({"error": message}, status=status, headers=headers)


async def _send(request: web.Request, upstream: Upstream, body: bytes) -> web.Response:
    config = request.app[CONFIG]
    headers = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in HOP_HEADERS)
    upstream.in_flight += 1
    try:
        async with request.app[HTTP].request(
            request.method, upstream.url + request.raw_path, headers=headers, data=body or None,
            allow_redirects=False, timeout=aiohttp.ClientTimeout(total=config.timeout_s, connect=5),
        ) as response:
            payload = await response.read()
            out = CIMultiDict((k, v) for k, v in response.headers.items() if k.lower() not in HOP_HEADERS)
            out[UPSTREAM_HEADER] = upstream.name
            return web.Response(status=response.status, body=payload, headers=out)
    finally:
        upstream.in_flight -= 1


def _mark_down(upstream: Upstream, reason: str) -> None:
    if upstream.healthy:
        log.warning("%s is down: %s", upstream.name, reason)
    upstream.healthy = False
    upstream.last_error = reason


async def _forward(request: web.Request, key: str | None, body: bytes) -> web.Response:
    """Sends to the first choice; on a refused connection, to the next one."""
    pool = request.app[POOL]
    resend = request.app[CONFIG].resend_when_broken
    tried: frozenset[str] = frozenset()
    while True:
        upstream = pool.choose(key, exclude=tried)
        if upstream is None:
            log.warning("no healthy %s upstream for %s %s", pool.name, request.method, request.path)
            return _error(503, f"no {pool.name} server is available; try again shortly")
        if key is not None:
            log.debug("conversation %s -> %s", mask(key), upstream.name)
        try:
            return await _send(request, upstream, body)
        except aiohttp.ClientConnectorError as exc:  # nothing was sent: safe to try the next one
            _mark_down(upstream, f"connection failed ({exc.__class__.__name__})")
            tried |= {upstream.name}
        except asyncio.TimeoutError:
            log.warning("%s did not answer %s %s in time", upstream.name, request.method, request.path)
            return _error(504, f"{pool.name} server {upstream.name} did not answer in time")
        except aiohttp.ClientError as exc:
            log.warning("%s broke off %s %s: %s%s", upstream.name, request.method, request.path,
                        exc.__class__.__name__, "; sending it to another one" if resend else "")
            if not resend:
                return _error(502, f"{pool.name} server {upstream.name} failed while answering")
            _mark_down(upstream, f"broke off a request ({exc.__class__.__name__})")
            resend, tried = False, tried | {upstream.name}


async def _proxy(request: web.Request) -> web.StreamResponse:
    if request.path.startswith(ADMIN_PREFIX):
        return await _admin(request)
    body = await request.read()
    pool = request.app[POOL]
    key = conversation_key(request.path, body) if pool.sticky else None
    if key is None:
        return await _forward(request, None, body)
    queue = request.app[QUEUE]
    await queue.acquire(key)  # a caller that gives up while waiting leaves the queue
    task = asyncio.ensure_future(_forward(request, key, body))
    task.add_done_callback(lambda _: queue.release(key))
    # Once sent, the request runs to its end even if the caller leaves, and the next message
    # of this conversation waits for it: a replica must never see two at once.
    return await asyncio.shield(task)


async def _admin(request: web.Request) -> web.Response:
    pool = request.app[POOL]
    if request.path == ADMIN_PREFIX + "status":
        return web.json_response({
            "pool": pool.name,
            "sticky": pool.sticky,
            "conversations_in_flight": len(request.app[QUEUE]),
            "upstreams": {
                u.name: {"url": u.url, "healthy": u.healthy, "in_flight": u.in_flight, "last_error": u.last_error}
                for u in pool.upstreams.values()
            },
        })
    if request.path == ADMIN_PREFIX + "route":
        sender = request.query.get("sender", "")
        if not sender:
            return _error(400, "give the conversation as ?sender=ID")
        chosen = pool.choose(sender)
        return web.json_response({"pool": pool.name, "sender": sender, "upstream": chosen and chosen.name})
    return _error(404, f"unknown balancer endpoint {request.path}")


# A replica busy with a burst of turns can answer its health check late; only this many
# slow or failed checks in a row take it out of the pool. A refused connection (the process
# is gone) takes it out at once.
SLOW_CHECKS_BEFORE_DOWN = 3
UPSTREAM_KEEPALIVE_S = 2.0


async def _check(http: aiohttp.ClientSession, upstream: Upstream, path: str) -> None:
    refused = False
    try:
        async with http.get(upstream.url + path, timeout=aiohttp.ClientTimeout(total=2)) as response:
            ok, reason = response.status == 200, f"health check answered HTTP {response.status}"
    except aiohttp.ClientConnectorError as exc:
        ok, reason, refused = False, f"health check refused ({exc.__class__.__name__})", True
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        ok, reason = False, f"health check failed ({exc.__class__.__name__})"
    if ok:
        upstream.failed_checks = 0
        if not upstream.healthy:
            log.info("%s is up", upstream.name)
            upstream.healthy, upstream.last_error = True, ""
        return
    upstream.failed_checks += 1
    if refused or upstream.failed_checks >= SLOW_CHECKS_BEFORE_DOWN:
        _mark_down(upstream, reason)
    else:
        log.info("%s: %s (%d in a row; down after %d)", upstream.name, reason, upstream.failed_checks,
                 SLOW_CHECKS_BEFORE_DOWN)


async def _health_loop(app: web.Application, interval_s: float) -> None:
    config, pool = app[CONFIG], app[POOL]
    while True:
        await asyncio.gather(*(_check(app[HTTP], u, config.health_path) for u in pool.upstreams.values()))
        await asyncio.sleep(interval_s)


def build_app(config: PoolConfig, health_interval_s: float = 1.0) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[CONFIG] = config
    app[POOL] = Pool(config.name, {n: Upstream(n, url.rstrip("/")) for n, url in config.upstreams.items()},
                     config.sticky)
    app[QUEUE] = KeyedQueue()
    app.router.add_route("*", "/{tail:.*}", _proxy)

    async def lifecycle(app: web.Application) -> Any:
        # Kept-alive connections towards upstreams, dropped after 2 s idle: well before Rasa
        # (120 s) or the action server (5 s) close theirs, so a request is never sent on a
        # connection the upstream closed while idle, which would look like a crash. A new
        # connection per request cost about a third of the balancer's time.
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=UPSTREAM_KEEPALIVE_S)
        app[HTTP] = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        checker = asyncio.create_task(_health_loop(app, health_interval_s))
        yield
        checker.cancel()
        await app[HTTP].close()

    app.cleanup_ctx.append(lifecycle)
    return app


async def serve(config: BalancerConfig) -> None:
    runners = []
    try:
        for pool in config.pools:
            # A caller that leaves while queued is cancelled; a sent request is shielded.
            runner = web.AppRunner(build_app(pool, config.health_interval_s), handler_cancellation=True,
                                   access_log=None)
            await runner.setup()
            await web.TCPSite(runner, config.host, pool.port).start()
            runners.append(runner)
            log.info("%s pool on http://%s:%s -> %s%s", pool.name, config.host, pool.port,
                     ", ".join(pool.upstreams), " (sticky per conversation)" if pool.sticky else "")
        await asyncio.Event().wait()
    finally:
        for runner in runners:
            await runner.cleanup()
