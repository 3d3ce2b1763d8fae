"""The scaled set-up with real processes on PostgreSQL and Redis: two Rasa replicas and two
action servers behind HAProxy, two scheduler workers, one web server, under supervisord.

One cluster for the module (Rasa loads its model once per replica). Two buyers with spoiled
seafood are imported; the scheduler workers triage and reach them through HAProxy, and
they answer through the web server, as on the platform.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from outreach.inbox import tokens
from outreach.processes import outreach_command, port_env, rasa_env
from outreach.scaled.cluster import LOCK_LOG_ENV, Cluster, Topology
from outreach.settings import PROJECT_ROOT, get_settings
from outreach.store.types import utcnow
from tests.conftest import POSTGRES_URL, haproxy_or_skip, postgres_or_skip, redis_or_skip
from tests.support.local_files import assert_no_secret_on_command_lines, modes_under, not_private

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
MODEL = PROJECT_ROOT / "var" / "models" / "care.tar.gz"
REACH_TIMEOUT_S = 180


def _env_for(var: Path) -> dict[str, str]:
    return {
        "OUTREACH_VAR_DIR": str(var),
        **port_env(),
        LOCK_LOG_ENV: "1",  # the replicas log each conversation lock they take
    }


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    postgres_or_skip()
    redis_or_skip()
    haproxy_or_skip()
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it first)")
    var = tmp_path_factory.mktemp("scaled")
    (var / "models").symlink_to(MODEL.parent)
    name = f"outreach_s_{uuid.uuid4().hex[:10]}"
    database_url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    env = _env_for(var)
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    get_settings.cache_clear()
    cluster = Cluster(get_settings(), Topology(database_url, f"{name}_tracker"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
        get_settings.cache_clear()
        admin = create_engine(POSTGRES_URL, future=True, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for database in (name, f"{name}_tracker"):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def cli(cluster: Cluster, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(outreach_command(*args), cwd=PROJECT_ROOT, env=rasa_env(cluster.settings),
                          capture_output=True, text=True, input=stdin, timeout=120)


def spoiled_seafood(buyer_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """An order of live shrimp that arrived dead, and the buyer's review saying so."""
    now = utcnow()
    order = {
        "order_id": f"O-{buyer_id}",
        "buyer": {"id": buyer_id, "name": "李阿姨", "phone": "13912345678", "time_zone": "Asia/Shanghai",
                  "age_band": "45-59", "last_app_active_at": (now - timedelta(hours=2)).isoformat()},
        "shop": {"id": "S-SCALED", "name": "湖畔渔家海鲜铺", "trust_badge": True, "merchant_id": "M-SCALED",
                 "merchant_name": "湖畔渔家"},
        "items": [{"title": "鲜活基围虾 活虾打氧发货 1斤装", "kind": "seafood", "unit_price_fen": 6980, "quantity": 1,
                   "unit": "斤", "promises": ["fresh_rot_refund"], "live_seafood": True}],
        "total_fen": 6980,
        "paid_at": (now - timedelta(days=3)).isoformat(),
        "promised_ship_hours": 24,
        "shipped_at": (now - timedelta(days=2, hours=12)).isoformat(),
        "delivered_at": (now - timedelta(hours=6)).isoformat(),
    }
    feedback = {"feedback_id": f"F-{buyer_id}", "buyer_id": buyer_id, "order_id": f"O-{buyer_id}",
                "source": "review", "text": "虾到的时候全死了，还有一股臭味，太失望了",
                "created_at": (now - timedelta(hours=5)).isoformat()}
    return order, feedback


class Buyer:
    """The buyer's app, talking to the web server with the platform's signed token."""

    def __init__(self, cluster: Cluster, buyer_id: str) -> None:
        self.id = buyer_id
        self.base = cluster.web_url
        self.headers = {"Authorization": f"Bearer {tokens.issue(cluster.settings.buyer_token_secret, buyer_id)}"}

    def inbox(self) -> list[dict[str, Any]]:
        response = requests.get(f"{self.base}/api/messages", headers=self.headers, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def wait_for_opening(self) -> dict[str, Any]:
        deadline = time.monotonic() + REACH_TIMEOUT_S
        while time.monotonic() < deadline:
            bot = [m for m in self.inbox() if m["sender"] == "bot"]
            if bot:
                return bot[0]
            time.sleep(1)
        raise AssertionError(f"the scheduler workers did not reach {self.id} within {REACH_TIMEOUT_S} s")

    def say(self, text: str, payload: str | None = None) -> list[dict[str, Any]]:
        body = {"text": text, **({"payload": payload} if payload else {})}
        response = requests.post(f"{self.base}/api/messages", json=body, headers=self.headers, timeout=60)
        assert response.status_code == 200, response.text
        return [m for m in response.json()["messages"] if m["sender"] != "buyer"]


@pytest.fixture(scope="module")
def buyers(cluster: Cluster) -> dict[str, Buyer]:
    """One buyer whose conversation HAProxy sends to each replica, both reached by the workers."""
    chosen: dict[str, str] = {}
    for i in range(100):
        buyer_id = f"B-SC-{i}"
        chosen.setdefault(cluster.replica_for(buyer_id), buyer_id)
        if len(chosen) == 2:
            break
    assert set(chosen) == {"rasa-1", "rasa-2"}
    rows = [spoiled_seafood(buyer_id) for buyer_id in chosen.values()]
    var = cluster.settings.var_dir
    (var / "orders.jsonl").write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o, _ in rows))
    (var / "feedback.jsonl").write_text("".join(json.dumps(f, ensure_ascii=False) + "\n" for _, f in rows))
    for kind in ("orders", "feedback"):
        imported = cli(cluster, "import", kind, str(var / f"{kind}.jsonl"))
        assert imported.returncode == 0, imported.stderr
    return {replica: Buyer(cluster, buyer_id) for replica, buyer_id in chosen.items()}


def _lock_lines(cluster: Cluster, replica: str, buyer_id: str) -> int:
    log = (cluster.settings.var_dir / "logs" / f"{replica}.log").read_text(errors="replace")
    return len(re.findall(rf"Acquired lock for conversation '{re.escape(buyer_id)}'", log))


def test_a_buyer_is_reached_and_settled_through_web_haproxy_replicas_and_action_servers(
    cluster: Cluster, buyers: dict[str, Buyer]
) -> None:
    buyer = buyers["rasa-1"]
    opening = buyer.wait_for_opening()  # a scheduler worker -> HAProxy -> replica -> action server
    assert "鲜活基围虾" in opening["text"] and "生鲜变质" in opening["text"]
    offer = buyer.say("是的，虾都死了")
    assert any("69.8" in m["text"] for m in offer), offer
    done = buyer.say("可以，就这样吧")
    assert any("已为您办理" in m["text"] for m in done), done
    thanks = buyer.say("5分 非常满意", payload='/rate{"rating": "5"}')
    assert any("5 分" in m["text"] for m in thanks), thanks
    queue = json.loads(cli(cluster, "queue", "--json").stdout)
    assert all(row["buyer_id"] != buyer.id for row in queue)  # settled by the bot, nobody needed
    cases = json.loads(cli(cluster, "case", "show", "1", "--json").stdout), json.loads(
        cli(cluster, "case", "show", "2", "--json").stdout)
    mine = next(report for report in cases if report["case"]["buyer_id"] == buyer.id)
    assert mine["case"]["status"] == "closed"
    assert [r["amount_fen"] for r in mine["remedies"]] == [6980]  # paid once, on PostgreSQL


def test_two_conversations_each_stay_on_their_own_replica_across_turns(
    cluster: Cluster, buyers: dict[str, Buyer]
) -> None:
    for buyer in buyers.values():
        buyer.wait_for_opening()
    before = {(r, b.id): _lock_lines(cluster, r, b.id) for r in buyers for b in buyers.values()}
    # (words every conversation answers through its replica: the first test settled rasa-1's case in
    # full, and a new report of the same dead shrimp would now go to a person, past the bot)
    for message in ("你好", "我再想想"):
        for replica, buyer in buyers.items():
            assert buyer.say(message)  # the bot answered
            assert cluster.replica_for(buyer.id) == replica
    # Each replica's own log: it took the lock of its buyer's conversation for every turn,
    # and never the other buyer's.
    for replica in buyers:
        for owner, buyer in buyers.items():
            taken = _lock_lines(cluster, replica, buyer.id) - before[(replica, buyer.id)]
            assert taken == (2 if owner == replica else 0), (replica, buyer.id, taken)


def test_a_replica_leaving_the_pool_hands_its_conversation_to_the_other_and_gets_it_back_when_it_rejoins(
    cluster: Cluster, buyers: dict[str, Buyer]
) -> None:
    buyer = buyers["rasa-2"]
    buyer.wait_for_opening()
    before = {r: _lock_lines(cluster, r, buyer.id) for r in buyers}
    cluster.leave("rasa-2")
    try:
        assert cluster.replica_for(buyer.id) == "rasa-1"
        assert buyer.say("我再想想")  # answered by rasa-1, from the tracker in PostgreSQL
    finally:
        cluster.rejoin("rasa-2")
    cluster.wait_ready("rasa-2", timeout=30)
    assert cluster.replica_for(buyer.id) == "rasa-2"
    assert buyer.say("我再想想")
    taken = {r: _lock_lines(cluster, r, buyer.id) - before[r] for r in buyers}
    assert taken == {"rasa-1": 1, "rasa-2": 1}, taken


def test_rasas_http_api_through_haproxy_refuses_callers_without_the_token(
    cluster: Cluster, buyers: dict[str, Buyer]
) -> None:
    buyer_id = buyers["rasa-2"].id
    url = f"{cluster.rasa_url}/conversations/{buyer_id}/tracker"
    assert requests.get(url, timeout=30).status_code == 401
    assert requests.get(url, params={"token": "guessed"}, timeout=30).status_code in (401, 403)
    intent = requests.post(f"{cluster.rasa_url}/conversations/{buyer_id}/trigger_intent",
                           json={"name": "EXTERNAL_case_outreach"}, timeout=30)
    assert intent.status_code == 401
    tracker = requests.get(url, params={"token": cluster.settings.rasa_token}, timeout=30)
    assert tracker.status_code == 200 and tracker.json()["sender_id"] == buyer_id


def test_action_servers_refuse_calls_without_the_token(cluster: Cluster) -> None:
    call = {"next_action": "action_start_case", "sender_id": "B-SC-0", "tracker": {}, "domain": {}, "version": "3.6.21"}
    for base in (cluster.upstream_url("actions-1"), cluster.upstream_url("actions-2"), cluster.action_url):
        assert requests.post(f"{base}/webhook", json=call, timeout=30).status_code == 401
        assert requests.post(f"{base}/webhook", params={"token": "guessed"}, json=call, timeout=30).status_code == 401
        assert requests.get(f"{base}/actions", timeout=30).status_code == 401
        listed = requests.get(f"{base}/actions", params={"token": cluster.settings.action_token}, timeout=30)
        assert listed.status_code == 200 and {"name": "action_start_case"} in listed.json()
        assert requests.get(f"{base}/health", timeout=30).status_code == 200


def test_no_process_of_the_scaled_set_up_shows_a_secret_to_other_users_and_its_var_is_private(
    cluster: Cluster,
) -> None:
    cluster.wait_ready()
    pids = [cluster.pid(name) for name in cluster.names()]
    assert len(pids) == 8  # HAProxy, web, two replicas, two action servers, two schedulers
    assert cluster.supervision.process is not None
    pids.append(cluster.supervision.process.popen.pid)  # supervisord, parent of them all
    assert_no_secret_on_command_lines(cluster.settings, pids, len(pids))
    var = cluster.settings.var_dir
    modes = modes_under(var)
    assert {"scaled/haproxy.cfg", "scaled/supervisord.conf", "scaled/haproxy.sock", "scaled/supervisord.sock",
            "logs/rasa-1.log", "logs/haproxy.log", "logs/supervisord.log"} <= modes.keys(), sorted(modes)
    assert not_private(modes, var) == []


def test_conversation_trackers_are_kept_in_the_postgresql_tracker_database(
    cluster: Cluster, buyers: dict[str, Buyer]
) -> None:
    for buyer in buyers.values():
        buyer.wait_for_opening()
    engine = create_engine(cluster.tracker_url, future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT sender_id, type_name, count(*) FROM events GROUP BY sender_id, type_name")
            ).all()
    finally:
        engine.dispose()
    kinds = {(sender, kind) for sender, kind, _ in rows}
    for buyer in buyers.values():
        assert {(buyer.id, "user"), (buyer.id, "bot")} <= kinds
