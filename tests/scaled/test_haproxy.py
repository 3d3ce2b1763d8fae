"""HAProxy with the configuration the scaled set-up renders, in front of small stand-in
servers: one conversation on one replica, a replica leaving and rejoining the pool, health
checks, and which failures are sent again. No Rasa needed."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from outreach.inbox.relay import CHANNEL_SECRET_HEADER, CONVERSATION_HEADER
from outreach.private_files import private_dir
from outreach.processes import free_port
from outreach.scaled.haproxy import (
    ACTION_BACKEND,
    RASA_BACKEND,
    UPSTREAM_HEADER,
    HAProxyAdmin,
    Listeners,
    haproxy_command,
    listed_servers,
    render,
    route_of,
)
from tests.conftest import haproxy_or_skip
from tests.scaled.waiting import until

SENDERS = [f"B{i:04d}" for i in range(60)] + ["买家-王女士", "a/b?c=d"]


@dataclass
class Stand:
    """A stand-in Rasa replica or action server: records what it gets, answers with its name."""

    name: str
    port: int = field(default_factory=free_port)
    seen: list[dict] = field(default_factory=list)
    health: int = 200
    breaks: bool = False  # drops the connection instead of answering
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        stand = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                if self.path in ("/", "/health"):
                    self.send_response(stand.health)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stand.seen.append({"path": self.path, "body": body, "headers": self.headers})  # case-insensitive
                if stand.breaks:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload = json.dumps({"name": stand.name}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Pool:
    rasa: dict[str, Stand]
    actions: dict[str, Stand]
    admin: HAProxyAdmin
    rasa_url: str
    action_url: str


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pool]:
    haproxy_or_skip()
    folder = private_dir(tmp_path_factory.mktemp("haproxy") / "scaled")
    rasa = {f"rasa-{i}": Stand(f"rasa-{i}") for i in (1, 2, 3)}
    actions = {f"actions-{i}": Stand(f"actions-{i}") for i in (1, 2)}
    for stand in [*rasa.values(), *actions.values()]:
        stand.start()
    listeners = Listeners("127.0.0.1", free_port(), free_port(), rasa_timeout_s=10)
    admin = HAProxyAdmin(folder / "haproxy.sock")
    config = folder / "haproxy.cfg"
    config.write_text(render(listeners, listed_servers({n: s.url for n, s in rasa.items()}),
                             listed_servers({n: s.url for n, s in actions.items()}), admin.socket_path))
    checked = subprocess.run([*haproxy_command(config)[:1], "-c", "-f", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    haproxy = subprocess.Popen(haproxy_command(config), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        until(lambda: admin.socket_path.exists() and all(s == "UP" for s in admin.states().values()), "every server up")
        yield Pool(rasa, actions, admin, f"http://127.0.0.1:{listeners.rasa_port}",
                   f"http://127.0.0.1:{listeners.action_port}")
    finally:
        haproxy.terminate()
        haproxy.wait(10)
        for stand in [*rasa.values(), *actions.values()]:
            stand.stop()


def routes(pool: Pool) -> dict[str, str | None]:
    return {sender: route_of(pool.rasa_url, sender) for sender in SENDERS}


def test_every_request_of_a_conversation_goes_to_one_replica_whether_its_id_is_in_the_path_or_the_header(
    pool: Pool,
) -> None:
    for sender in SENDERS:
        trigger = requests.post(f"{pool.rasa_url}/conversations/{quote(sender, safe='')}/trigger_intent",
                                params={"token": "t0ken"}, json={"name": "EXTERNAL_case_outreach"}, timeout=10)
        webhook = requests.post(f"{pool.rasa_url}/webhooks/inapp/webhook", json={"sender": sender, "message": "你好"},
                                headers={CHANNEL_SECRET_HEADER: "s3cret", CONVERSATION_HEADER: quote(sender, safe="")},
                                timeout=10)
        assert trigger.status_code == webhook.status_code == 200
        replica = trigger.json()["name"]
        assert webhook.json()["name"] == replica == trigger.headers[UPSTREAM_HEADER] == route_of(pool.rasa_url, sender)
    served = {name: len(stand.seen) for name, stand in pool.rasa.items()}
    assert all(count >= 10 for count in served.values()), served  # every replica takes a share
    # Passed through untouched: path, query with the token, secret header, body.
    webhook = next(s for stand in pool.rasa.values() for s in stand.seen if s["path"] == "/webhooks/inapp/webhook")
    trigger = next(s for stand in pool.rasa.values() for s in stand.seen if "trigger_intent" in s["path"])
    assert webhook["headers"].get(CHANNEL_SECRET_HEADER) == "s3cret"
    assert json.loads(webhook["body"])["message"] == "你好"
    assert trigger["path"].endswith("/trigger_intent?token=t0ken")


def test_a_replica_leaving_the_pool_moves_only_its_own_conversations_and_they_return_when_it_rejoins(
    pool: Pool,
) -> None:
    before = routes(pool)
    pool.admin.leave(RASA_BACKEND, "rasa-2")
    try:
        during = routes(pool)
        assert "rasa-2" not in during.values()
        assert all(during[s] == before[s] for s in SENDERS if before[s] != "rasa-2")  # the others stay
    finally:
        pool.admin.rejoin(RASA_BACKEND, "rasa-2")
    until(lambda: pool.admin.is_up(RASA_BACKEND, "rasa-2"), "rasa-2 back in the pool")
    assert routes(pool) == before


def test_a_replica_failing_its_health_checks_is_taken_out_and_comes_back_when_it_answers_again(pool: Pool) -> None:
    before = routes(pool)
    pool.rasa["rasa-3"].health = 503
    try:
        until(lambda: pool.admin.states()[(RASA_BACKEND, "rasa-3")] == "DOWN", "rasa-3 marked down", 10)
        during = routes(pool)
        assert "rasa-3" not in during.values()
        assert all(during[s] == before[s] for s in SENDERS if before[s] != "rasa-3")
    finally:
        pool.rasa["rasa-3"].health = 200
    until(lambda: pool.admin.is_up(RASA_BACKEND, "rasa-3"), "rasa-3 up again", 10)
    assert routes(pool) == before


def test_a_replica_that_refuses_connections_is_skipped_at_once_without_an_error_to_the_caller(pool: Pool) -> None:
    victim = pool.rasa["rasa-1"]
    senders = [s for s, replica in routes(pool).items() if replica == "rasa-1"]
    victim.stop()
    try:
        for sender in senders[:3]:  # before any health check noticed
            answer = requests.post(f"{pool.rasa_url}/conversations/{quote(sender, safe='')}/tracker/events",
                                   json=[], timeout=10)
            assert answer.status_code == 200 and answer.json()["name"] != "rasa-1"
        until(lambda: pool.admin.states()[(RASA_BACKEND, "rasa-1")] == "DOWN", "rasa-1 marked down", 5)
    finally:
        victim.start()
    until(lambda: pool.admin.is_up(RASA_BACKEND, "rasa-1"), "rasa-1 up again", 10)


def test_an_action_call_cut_off_by_a_dying_server_goes_once_to_another_but_a_turn_is_never_sent_twice(
    pool: Pool,
) -> None:
    broken = pool.actions["actions-1"]
    broken.breaks = True
    try:
        seen_before = len(broken.seen)
        for _ in range(4):  # leastconn: at least one of them lands on the broken one first
            call = requests.post(f"{pool.action_url}/webhook", params={"token": "a"}, json={"next_action": "x"},
                                 timeout=10)
            assert call.status_code == 200 and call.json()["name"] == "actions-2", call.status_code
            if len(broken.seen) > seen_before:
                break
        assert len(broken.seen) == seen_before + 1  # it got the call, died, and actions-2 answered it
    finally:
        broken.breaks = False
    until(lambda: pool.admin.is_up(ACTION_BACKEND, "actions-1"), "actions-1 up again", 10)

    sender = next(s for s, replica in routes(pool).items() if replica == "rasa-2")
    pool.rasa["rasa-2"].breaks = True
    counts = {name: len(stand.seen) for name, stand in pool.rasa.items()}
    try:
        turn = requests.post(f"{pool.rasa_url}/webhooks/inapp/webhook", json={"sender": sender, "message": "好"},
                             headers={CONVERSATION_HEADER: sender}, timeout=10)
        assert turn.status_code == 502  # the web server tells the buyer the assistant is busy
        assert {name: len(stand.seen) - counts[name] for name, stand in pool.rasa.items()} == \
            {"rasa-1": 0, "rasa-2": 1, "rasa-3": 0}
    finally:
        pool.rasa["rasa-2"].breaks = False
    until(lambda: pool.admin.is_up(RASA_BACKEND, "rasa-2"), "rasa-2 up again", 10)


def test_the_rendered_configuration_has_one_server_line_per_replica_and_no_secret(tmp_path: Path) -> None:
    rasa = {f"rasa-{i}": f"http://127.0.0.1:{7000 + i}" for i in range(1, 6)}
    config = render(Listeners("127.0.0.1", 5005, 5055, 60), listed_servers(rasa),
                    listed_servers({"actions-1": "http://127.0.0.1:7100"}), tmp_path / "haproxy.sock")
    servers = [line.split()[1] for line in config.splitlines() if line.strip().startswith("server ")]
    assert servers == [*rasa, "actions-1"]
    assert "hash-type consistent" in config and f"balance hdr({CONVERSATION_HEADER})" in config
