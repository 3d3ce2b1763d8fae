"""The load balancer with tiny fake upstreams: stickiness, failover and return, pass-through,
clean errors and one request at a time per conversation. No Rasa needed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from outreach.scaled.balancer import UPSTREAM_HEADER, PoolConfig, build_app, conversation_key
from outreach.scaled.cluster import free_port
from outreach.scaled.routing import rendezvous

SECRET_HEADER = "X-Outreach-Channel-Secret"


@dataclass
class FakeUpstream:
    """Answers every request with its name and records what it received."""

    name: str
    port: int = field(default_factory=free_port)
    seen: list[dict[str, Any]] = field(default_factory=list)
    hold: dict[str, asyncio.Event] = field(default_factory=dict)  # sender -> released when set
    arrived: dict[str, asyncio.Event] = field(default_factory=dict)
    breaks: bool = False  # dies in the middle of every answer
    busy_checks: int = 0  # health checks still to answer 503, as a replica swamped by turns might
    active: dict[str, int] = field(default_factory=dict)
    most_active: dict[str, int] = field(default_factory=dict)
    runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.path in ("/", "/health") and self.busy_checks > 0:
            self.busy_checks -= 1
            return web.json_response({"status": "busy"}, status=503)
        if request.path in ("/", "/health"):
            return web.json_response({"status": "broken" if self.breaks else "ok"}, status=500 if self.breaks else 200)
        body = await request.read()
        sender = conversation_key(request.path, body) or ""
        self.seen.append({"path": request.path, "query": dict(request.query), "body": body,
                          "secret": request.headers.get(SECRET_HEADER), "sender": sender})
        self.active[sender] = self.active.get(sender, 0) + 1
        self.most_active[sender] = max(self.most_active.get(sender, 0), self.active[sender])
        self.arrived.setdefault(sender, asyncio.Event()).set()
        try:
            if request.path == "/break" or self.breaks:
                assert request.transport is not None
                request.transport.close()  # dies in the middle of the answer
            if sender in self.hold:
                await self.hold[sender].wait()
            else:
                await asyncio.sleep(0.01)
        finally:
            self.active[sender] -= 1
        return web.json_response({"served_by": self.name})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


@dataclass
class Rig:
    url: str
    upstreams: dict[str, FakeUpstream]
    http: aiohttp.ClientSession

    async def post(self, path: str, body: dict[str, Any] | None = None, **kwargs: Any) -> aiohttp.ClientResponse:
        async with self.http.post(self.url + path, json=body or {}, **kwargs) as response:
            await response.read()
            return response

    async def webhook(self, sender: str) -> str:
        response = await self.post("/webhooks/inapp/webhook", {"sender": sender, "message": "你好"})
        assert response.status == 200
        return response.headers[UPSTREAM_HEADER]

    async def status(self) -> dict[str, Any]:
        async with self.http.get(self.url + "/_balancer/status") as response:
            return await response.json()

    async def route(self, sender: str) -> str | None:
        async with self.http.get(self.url + "/_balancer/route", params={"sender": sender}) as response:
            return (await response.json())["upstream"]

    async def until_health(self, name: str, healthy: bool) -> None:
        for _ in range(200):
            if (await self.status())["upstreams"][name]["healthy"] is healthy:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"{name} never became {'healthy' if healthy else 'unhealthy'}")


async def _rig(sticky: bool, timeout_s: float = 10.0) -> AsyncIterator[Rig]:
    """Two fake upstreams behind a pool configured as the cluster configures the Rasa pool
    (sticky) or the action pool (spread, resending a call whose server broke off)."""
    upstreams = {name: FakeUpstream(name) for name in ("one", "two")}
    for upstream in upstreams.values():
        await upstream.start()
    config = PoolConfig("rasa" if sticky else "actions", free_port(), {n: u.url for n, u in upstreams.items()},
                        sticky=sticky, health_path="/", timeout_s=timeout_s, resend_when_broken=not sticky)
    runner = web.AppRunner(build_app(config, health_interval_s=0.05), handler_cancellation=True)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", config.port).start()
    async with aiohttp.ClientSession() as http:
        rig = Rig(f"http://127.0.0.1:{config.port}", upstreams, http)
        for name in upstreams:
            await rig.until_health(name, True)
        yield rig
    await runner.cleanup()
    for upstream in upstreams.values():
        if upstream.runner is not None:
            await upstream.runner.cleanup()


@pytest.fixture
async def sticky() -> AsyncIterator[Rig]:
    async for rig in _rig(sticky=True):
        yield rig


@pytest.fixture
async def spread() -> AsyncIterator[Rig]:
    async for rig in _rig(sticky=False):
        yield rig


def test_rendezvous_moves_only_the_conversations_of_a_lost_upstream_and_brings_them_back() -> None:
    senders = [f"B-{i}" for i in range(600)]
    three = {s: rendezvous(s, ["rasa-1", "rasa-2", "rasa-3"]) for s in senders}
    assert {name: list(three.values()).count(name) for name in ("rasa-1", "rasa-2", "rasa-3")} == {
        name: pytest.approx(200, abs=60) for name in ("rasa-1", "rasa-2", "rasa-3")
    }
    two = {s: rendezvous(s, ["rasa-1", "rasa-3"]) for s in senders}
    assert all(two[s] == three[s] for s in senders if three[s] != "rasa-2")  # the others stay put
    assert {two[s] for s in senders if three[s] == "rasa-2"} == {"rasa-1", "rasa-3"}  # spread, not piled
    assert {s: rendezvous(s, ["rasa-3", "rasa-2", "rasa-1"]) for s in senders} == three  # order-free
    assert rendezvous("B-1", []) is None


def test_the_sender_comes_from_the_conversation_path_or_the_webhook_body() -> None:
    assert conversation_key("/conversations/B%2F7/trigger_intent", b"") == "B/7"
    assert conversation_key("/webhooks/inapp/webhook", json.dumps({"sender": "B-9"}).encode()) == "B-9"
    assert conversation_key("/webhooks/inapp/webhook", b"{not json") is None
    assert conversation_key("/webhooks/inapp/webhook", b'{"sender": 5}') is None
    assert conversation_key("/model/parse", b'{"sender": "B-1"}') is None


async def test_each_conversation_stays_on_one_upstream_and_requests_pass_through_untouched(sticky: Rig) -> None:
    senders = [f"B-{i}" for i in range(12)]
    first = {s: await sticky.webhook(s) for s in senders}
    assert set(first.values()) == {"one", "two"}  # both replicas take conversations
    for sender in senders:
        path = f"/conversations/{sender}/trigger_intent?output_channel=inapp&token=-tok%2Ben"
        response = await sticky.post(path, {"name": "EXTERNAL_case_outreach"}, headers={SECRET_HEADER: "s3cret"})
        assert response.headers[UPSTREAM_HEADER] == first[sender] == await sticky.webhook(sender)
    received = sticky.upstreams["one"].seen + sticky.upstreams["two"].seen
    api_calls = [r for r in received if r["path"].startswith("/conversations/")]
    assert len(api_calls) == len(senders)
    assert all(r["query"] == {"output_channel": "inapp", "token": "-tok+en"} for r in api_calls)
    assert all(r["secret"] == "s3cret" and json.loads(r["body"]) == {"name": "EXTERNAL_case_outreach"}
               for r in api_calls)


async def test_a_dead_upstreams_conversations_move_at_once_and_come_back_when_it_returns(sticky: Rig) -> None:
    senders = [f"B-{i}" for i in range(12)]
    home = {s: await sticky.webhook(s) for s in senders}
    await sticky.upstreams["one"].stop()
    # No health check has noticed yet: the refused connection sends the message on, no error.
    moved = {s: await sticky.webhook(s) for s in senders}
    assert set(moved.values()) == {"two"}
    assert (await sticky.status())["upstreams"]["one"]["healthy"] is False
    await sticky.upstreams["one"].start()
    await sticky.until_health("one", True)
    assert {s: await sticky.webhook(s) for s in senders} == home


async def test_no_healthy_upstream_is_a_clean_503(sticky: Rig) -> None:
    for upstream in sticky.upstreams.values():
        await upstream.stop()
    response = await sticky.post("/webhooks/inapp/webhook", {"sender": "B-1", "message": "在吗"})
    assert response.status == 503 and response.headers["Retry-After"]


async def test_an_upstream_breaking_off_is_a_clean_502_without_a_retry(sticky: Rig) -> None:
    response = await sticky.post("/break", {"sender": "B-1"})
    assert response.status == 502
    assert len(sticky.upstreams["one"].seen + sticky.upstreams["two"].seen) == 1  # not sent twice


async def test_an_upstream_that_never_answers_is_a_504() -> None:
    async for rig in _rig(sticky=True, timeout_s=0.3):
        upstream = rig.upstreams[rendezvous("B-1", ["one", "two"])]
        upstream.hold["B-1"] = asyncio.Event()  # never released
        response = await rig.post("/webhooks/inapp/webhook", {"sender": "B-1", "message": "在吗"})
        assert response.status == 504


async def test_one_request_at_a_time_per_conversation_while_others_run_alongside(sticky: Rig) -> None:
    home = sticky.upstreams[rendezvous("B-1", ["one", "two"])]
    release = home.hold["B-1"] = asyncio.Event()
    same = [asyncio.create_task(sticky.webhook("B-1")) for _ in range(5)]
    await asyncio.wait_for(home.arrived.setdefault("B-1", asyncio.Event()).wait(), 5)
    # B-2 is served while B-1's first message is still being processed and four wait.
    assert await asyncio.wait_for(sticky.webhook("B-2"), 5)
    assert home.active["B-1"] == 1 and (await sticky.status())["conversations_in_flight"] == 1
    release.set()
    assert await asyncio.gather(*same) == [home.name] * 5
    assert home.most_active["B-1"] == 1
    assert [r["sender"] for r in home.seen].count("B-1") == 5


async def test_a_caller_giving_up_in_the_queue_is_never_forwarded(sticky: Rig) -> None:
    home = sticky.upstreams[rendezvous("B-1", ["one", "two"])]
    release = home.hold["B-1"] = asyncio.Event()
    first = asyncio.create_task(sticky.webhook("B-1"))
    await asyncio.wait_for(home.arrived.setdefault("B-1", asyncio.Event()).wait(), 5)
    with pytest.raises(asyncio.TimeoutError):
        await sticky.post("/webhooks/inapp/webhook", {"sender": "B-1", "message": "算了"},
                          timeout=aiohttp.ClientTimeout(total=0.3))
    release.set()
    assert await first == home.name
    await sticky.webhook("B-1")
    assert [json.loads(r["body"])["message"] for r in home.seen] == ["你好", "你好"]


async def test_action_calls_spread_over_servers_and_skip_one_that_refuses(spread: Rig) -> None:
    served = [(await spread.post("/webhook?token=t", {"next_action": "action_x"})).headers[UPSTREAM_HEADER]
              for _ in range(6)]
    assert set(served) == {"one", "two"}
    await spread.upstreams["two"].stop()
    after = [await spread.post("/webhook?token=t", {"next_action": "action_x"}) for _ in range(4)]
    assert [(r.status, r.headers[UPSTREAM_HEADER]) for r in after] == [(200, "one")] * 4


async def test_an_action_call_whose_server_dies_before_answering_is_sent_once_more_elsewhere(spread: Rig) -> None:
    spread.upstreams["one"].breaks = True
    responses = [await spread.post("/webhook?token=t", {"next_action": "action_x"}) for _ in range(3)]
    assert [(r.status, r.headers[UPSTREAM_HEADER]) for r in responses] == [(200, "two")] * 3
    assert len(spread.upstreams["one"].seen) == 1  # marked down after breaking off once
    spread.upstreams["two"].breaks = True
    assert (await spread.post("/webhook?token=t", {"next_action": "action_x"})).status in (502, 503)


async def test_a_replica_missing_a_health_check_or_two_keeps_its_conversations(sticky: Rig) -> None:
    senders = [f"B{n}" for n in range(100)]
    sender = [s for s, chosen in zip(senders, [await sticky.route(s) for s in senders]) if chosen == "one"][0]
    sticky.upstreams["one"].busy_checks = 2  # fewer than the checks in a row that take it out
    while sticky.upstreams["one"].busy_checks:
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)
    assert (await sticky.status())["upstreams"]["one"]["healthy"] is True
    assert await sticky.route(sender) == "one"
    sticky.upstreams["one"].busy_checks = 10_000  # it stays unanswering: out of the pool
    await sticky.until_health("one", False)
    assert await sticky.route(sender) == "two"
