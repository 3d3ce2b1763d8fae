"""Bad input at the front door, against the real processes (web server, Rasa server, action
server; tests/support/stack.py): over 1,000 generated chat messages and HTTP requests from
one seeded generator (tests/security/fuzz_inputs.py). Set OUTREACH_FUZZ_SEED to repeat a run.

Afterwards: no answer was a 5xx, every process is alive and answering, no answer and no
inbox of one buyer holds anything of another, refused messages are stored nowhere, accepted
ones are stored once, cleaned and capped, no other buyer's case changed, no full phone
number reached a log, and the buyers' own conversation still works.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import unicodedata
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests
from sqlalchemy import inspect, select, text
from yarl import URL

from outreach.inbox.messages import MAX_STORED_CHARS
from outreach.store.db import get_engine, session_scope
from outreach.store.models import Case, CaseEvent, InboxMessage, Order, Remedy
from outreach.store.types import utcnow
from tests.security.fuzz_inputs import FuzzInputs, ImportInputs, Probe, Staff, Target
from tests.support.stack import Buyer, cli, write_jsonl

pytestmark = pytest.mark.e2e
PROBES = 1200
CONCURRENCY = 8
ATTACKERS = ("B-FZ-ATK1", "B-FZ-ATK2")
VICTIMS = ("B-FZ-VIC1", "B-FZ-VIC2")
PEOPLE = {  # distinctive data that must never appear in another buyer's answers
    "B-FZ-ATK1": ("欧阳翠花", "13911110001", "琥珀纹限量保温杯甲款", "翡翠湾杯具专营"),
    "B-FZ-ATK2": ("司马青云", "13722220002", "紫晶纹限量保温杯乙款", "玛瑙湾杯具专营"),
    "B-FZ-VIC1": ("诸葛明月", "15833330003", "鲜活波士顿龙虾丙款", "珊瑚礁海鲜专营"),
    "B-FZ-VIC2": ("上官飞燕", "18644440004", "鲜活帝王蟹丁款", "蓝鳍湾海鲜专营"),
}


def order_line(buyer_id: str, n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    name, phone, title, shop = PEOPLE[buyer_id]
    now = utcnow()
    order = {
        "order_id": f"O-FZ-{n}",
        "buyer": {"id": buyer_id, "name": name, "phone": phone, "time_zone": "Asia/Shanghai", "age_band": "30-44",
                  "last_app_active_at": (now - timedelta(hours=1)).isoformat()},
        "shop": {"id": f"S-FZ-{n}", "name": shop, "trust_badge": True, "merchant_id": f"M-FZ-{n}",
                 "merchant_name": shop},
        "items": [{"title": title, "kind": "seafood", "unit_price_fen": 6980, "quantity": 1, "unit": "斤",
                   "promises": ["fresh_rot_refund"], "live_seafood": True}],
        "total_fen": 6980,
        "paid_at": (now - timedelta(days=3)).isoformat(),
        "promised_ship_hours": 24,
        "shipped_at": (now - timedelta(days=2, hours=12)).isoformat(),
        "delivered_at": (now - timedelta(hours=6)).isoformat(),
    }
    feedback = {"feedback_id": f"F-FZ-{n}", "buyer_id": buyer_id, "order_id": f"O-FZ-{n}", "source": "review",
                "text": "收到的时候全死了，还有一股臭味", "created_at": (now - timedelta(hours=5)).isoformat()}
    return order, feedback


def seed_buyers(var: Any) -> dict[str, Target]:
    lines = [order_line(buyer_id, n) for n, buyer_id in enumerate(PEOPLE, start=1)]
    assert cli("import", "orders", str(write_jsonl(var / "fz-orders.jsonl", [o for o, _ in lines]))).returncode == 0
    assert cli("import", "feedback", str(write_jsonl(var / "fz-feedback.jsonl", [f for _, f in lines]))).returncode == 0
    assert json.loads(cli("triage", "--json").stdout)["cases_opened"] == len(PEOPLE)
    dispatched = cli("dispatch", "--once", "--json")
    assert dispatched.returncode == 0, dispatched.stderr
    targets = {}
    with session_scope() as session:
        for buyer_id, (name, phone, title, shop) in PEOPLE.items():
            case = session.execute(select(Case).where(Case.buyer_id == buyer_id)).scalar_one()
            assert case.first_contact_at is not None, f"{buyer_id} was not reached in-app: {dispatched.stdout}"
            token = json.loads(cli("buyer", "link", buyer_id, "--json").stdout)["token"]
            targets[buyer_id] = Target(buyer_id, case.id, case.order_id, token, (name, phone, title, shop))
    return targets


def snapshot(excluded_buyers: set[str], excluded_cases: set[int]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that belongs to neither the excluded buyers nor their cases."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    inspector = inspect(get_engine())
    with session_scope() as session:  # and the cases the excluded buyers opened themselves in the chat
        excluded_cases = set(excluded_cases) | set(session.execute(
            select(Case.id).where(Case.buyer_id.in_(sorted(excluded_buyers)))).scalars())
    with get_engine().connect() as connection:
        for table in inspector.get_table_names():
            if table.startswith(("alembic", "staff_", "login_failures")):
                continue
            columns = {c["name"] for c in inspector.get_columns(table)}
            query = f"SELECT * FROM {table}"  # noqa: S608 - table names come from the schema itself
            kept = []
            for row in connection.execute(text(query)).mappings():
                if "buyer_id" in columns and row["buyer_id"] in excluded_buyers:
                    continue
                if "case_id" in columns and row["case_id"] in excluded_cases:
                    continue
                kept.append(tuple(str(v) for v in row.values()))
            rows[table] = sorted(kept)
    return rows


async def send(http: aiohttp.ClientSession, bases: dict[str, str], probe: Probe) -> tuple[int | str, str]:
    """The status and body text of one probe; a websocket probe answers with the frames it got."""
    url = URL(bases[probe.server] + probe.path, encoded=True)
    try:
        if probe.websocket:
            frames = []
            async with http.ws_connect(url, headers=probe.headers) as ws:
                await ws.send_bytes(probe.body or b"")
                try:
                    while len(frames) < 5:
                        frames.append(await ws.receive_str(timeout=0.5))
                except (asyncio.TimeoutError, TypeError):
                    pass
            return 101, "\n".join(frames)
        async with http.request(probe.method, url, headers=probe.headers, data=probe.body,
                                allow_redirects=False) as response:
            return response.status, (await response.read()).decode("utf-8", "replace")
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status, exc.message
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        return type(exc).__name__, str(exc)


async def run_probes(bases: dict[str, str], probes: list[Probe]) -> list[tuple[int | str, str]]:
    gate = asyncio.Semaphore(CONCURRENCY)
    timeout = aiohttp.ClientTimeout(total=120)

    async def one(http: aiohttp.ClientSession, probe: Probe) -> tuple[int | str, str]:
        async with gate:
            return await send(http, bases, probe)

    connector = aiohttp.TCPConnector(limit=CONCURRENCY, force_close=True)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector, skip_auto_headers={"Content-Type"}) as http:
        return await asyncio.gather(*(one(http, p) for p in probes))


def stored_messages() -> list[InboxMessage]:
    with session_scope() as session:
        rows = list(session.execute(select(InboxMessage).order_by(InboxMessage.id)).scalars())
        session.expunge_all()
        return rows


def leaks(body: str, reader: str | None, targets: dict[str, Target], staff: bool = False) -> list[str]:
    """Private data of any buyer other than `reader` found in a body. Staff read buyers' names,
    orders and shops on the dashboard, but never a full phone number."""
    return [f"{t.buyer_id}:{value}" for t in targets.values() if t.buyer_id != reader
            for value in (t.private[1:2] if staff else t.private) if value in body]


def sign_in(base: str, username: str, role: str) -> Staff:
    """A dashboard account (outreach users add) and a live session of it."""
    password = f"{username}-password-1"
    assert cli("users", "add", username, "--role", role, "--password", password).returncode == 0
    response = requests.post(f"{base}/dashboard/login", data={"username": username, "password": password},
                             allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text
    cookie = response.cookies["outreach_staff"]
    page = requests.get(f"{base}/dashboard/cases", cookies={"outreach_staff": cookie}, timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, page[:500]
    return Staff(username, role, cookie, token.group(1))


def foreign_cases(body: str, reader: str | None, targets: dict[str, Target]) -> list[Any]:
    """case_id fields of inbox messages in a JSON answer that are not a case of the reader's (a
    buyer may open cases of their own in the chat: a problem raised about their own order)."""
    try:
        data = json.loads(body)
    except ValueError:
        return []
    found = []
    for message in data.get("messages", []) if isinstance(data, dict) else []:
        case_id = message.get("case_id")
        if case_id is None or (reader and case_id == targets[reader].case_id):
            continue
        if reader is None or _owner_of(case_id) != reader:
            found.append(case_id)
    return found


def _owner_of(case_id: Any) -> str | None:
    try:
        key = int(case_id)
    except (TypeError, ValueError):
        return None
    with session_scope() as session:
        return session.execute(select(Case.buyer_id).where(Case.id == key)).scalar_one_or_none()


def clean(value: str) -> bool:
    return all(ch == "\n" or unicodedata.category(ch)[0] != "C" for ch in value) and value == value.strip()


def test_a_thousand_bad_inputs_get_no_5xx_leak_nothing_and_store_nothing_they_should_not(
    stack: dict[str, Any],
) -> None:
    seed = int(os.environ.get("OUTREACH_FUZZ_SEED") or random.SystemRandom().randrange(2**32))
    print(f"fuzz seed {seed} (repeat with OUTREACH_FUZZ_SEED={seed})")
    settings, var, group = stack["settings"], stack["var"], stack["group"]
    targets = seed_buyers(var)
    attackers = [targets[b] for b in ATTACKERS]
    attacker_cases = {t.case_id for t in attackers}
    before = snapshot(set(ATTACKERS), attacker_cases)
    logs_start = {p.name: p.log_path.stat().st_size for p in group.processes}

    bases = {"web": f"http://127.0.0.1:{settings.web_port}", "rasa": f"http://127.0.0.1:{settings.rasa_port}"}
    staff = [sign_in(bases["web"], "fz-lead", "lead"), sign_in(bases["web"], "fz-agent", "agent")]
    probes = FuzzInputs(seed, attackers, [targets[b] for b in VICTIMS], settings.buyer_token_secret,
                        staff).probes(PROBES)
    results = asyncio.run(run_probes(bases, probes))
    where = f"(seed {seed})"

    kinds = Counter(p.kind for p in probes)
    print("probes by kind:", dict(kinds), "statuses:", dict(Counter(str(s) for s, _ in results)))
    assert len(probes) >= 1000 and len(kinds) >= 10
    errors = [f"{p.describe()} -> {status} {body[:200]!r}" for p, (status, body) in zip(probes, results)
              if not isinstance(status, int) or status >= 500]
    assert not errors, f"{len(errors)} server errors or broken connections {where}:\n" + "\n".join(errors[:20])

    allowed = [f"{p.describe()} -> {status}" for p, (status, _) in zip(probes, results)
               if p.must_refuse and status not in (400, 401, 403, 413)]
    assert not allowed, f"dashboard forms from elsewhere were not refused {where}:\n" + "\n".join(allowed[:20])
    for member in staff:  # no forged form ended a session
        page = requests.get(f"{bases['web']}/dashboard/cases", cookies={"outreach_staff": member.cookie}, timeout=30)
        assert page.status_code == 200, (member.username, where)
    with session_scope() as session:
        revealed = session.execute(select(CaseEvent).where(CaseEvent.kind == "phone_revealed")).scalars().all()
    assert revealed == [], f"a phone number was revealed {where}"

    group.check_alive()
    for url in (f"{bases['web']}/healthz", f"{bases['rasa']}/", f"http://127.0.0.1:{settings.action_port}/health"):
        assert requests.get(url, timeout=30).status_code == 200, url

    found = [f"{p.describe()}: {leaks(body, p.actor, targets, p.staff)} {foreign_cases(body, p.actor, targets)}"
             for p, (_, body) in zip(probes, results)
             if leaks(body, p.actor, targets, p.staff) or foreign_cases(body, p.actor, targets)]
    assert not found, f"another buyer's data in an answer {where}:\n" + "\n".join(found[:20])

    messages = stored_messages()
    for message in messages:
        assert clean(message.text) and len(message.text) <= MAX_STORED_CHARS, (message.id, message.text[:80], where)
        owner = targets.get(message.buyer_id)
        if owner is not None:
            assert not leaks(message.text, owner.buyer_id, targets), (message.text[:200], where)
            assert message.case_id in (None, owner.case_id) or _owner_of(message.case_id) == owner.buyer_id, \
                (message.id, where)
    for probe, (status, body) in zip(probes, results):
        if probe.nonce is None:
            continue
        holders = [m.buyer_id for m in messages if probe.nonce in m.text]
        if status == 200 and probe.nonce in body:
            assert holders == [probe.actor], f"{probe.describe()} stored under {holders} {where}"
        else:
            assert holders == [], f"{probe.describe()} -> {status} but stored under {holders} {where}"

    assert snapshot(set(ATTACKERS), attacker_cases) == before, f"another buyer's rows changed {where}"
    with session_scope() as session:
        paid = Counter(session.execute(select(Remedy.case_id).where(Remedy.status == "executed")).scalars())
    assert all(n == 1 for n in paid.values()), f"a case paid twice: {paid} {where}"

    for process in group.processes:
        with process.log_path.open("rb") as handle:
            handle.seek(logs_start[process.name])
            written = handle.read().decode("utf-8", "replace")
        phones = [t.private[1] for t in targets.values() if t.private[1] in written]
        assert not phones, f"full phone numbers in the {process.name} log {where}: {phones}"

    victim = Buyer(settings, VICTIMS[0])
    offer = victim.say("是的，龙虾都死了")
    assert any("69.8" in m["text"] for m in offer), (offer, where)
    done = victim.say("可以，就这样吧")
    assert any("已为您办理" in m["text"] for m in done), (done, where)
    victim.say("可以", payload="/affirm")
    with session_scope() as session:
        remedies = session.execute(select(Remedy).where(Remedy.case_id == targets[VICTIMS[0]].case_id)).scalars()
        assert [(r.amount_fen, r.status) for r in remedies] == [(6980, "executed")], where


IMPORT_FILES = 60
IMPORT_ERROR = re.compile(r"error: (?P<path>\S+): (line (?P<line>\d+): .+"
                          r"|order \S+ was already imported; remove its line|stopped after \d+ errors)")


def stored_import_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row an import writes to: nothing of a refused file may be among them."""
    with get_engine().connect() as connection:
        return {table: sorted(tuple(str(v) for v in row) for row in connection.execute(text(f"SELECT * FROM {table}")))
                for table in ("buyers", "merchants", "shops", "orders", "order_items", "feedback")}


def test_hostile_import_files_are_refused_naming_their_lines_or_stored_whole(
    any_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from outreach.cli import main

    seed = int(os.environ.get("OUTREACH_FUZZ_SEED") or random.SystemRandom().randrange(2**32))
    print(f"import fuzz seed {seed} (repeat with OUTREACH_FUZZ_SEED={seed})")
    inputs, known_orders, refused, outcomes = ImportInputs(seed), [], [], Counter()
    for number in range(IMPORT_FILES):
        kind = "feedback" if number % 3 == 2 else "orders"
        content, _ = inputs.file(kind, known_orders)
        path = tmp_path / f"{number}-{kind}.jsonl"
        path.write_bytes(content)
        before = stored_import_rows()
        try:
            status = main(["import", kind, str(path)])
        except BaseException as exc:  # noqa: BLE001 - a traceback is the failure this test looks for
            pytest.fail(f"outreach import {kind} raised {exc!r} (seed {seed}) on:\n{content[:2000]!r}")
        err = capsys.readouterr().err
        after = stored_import_rows()
        outcomes[(kind, status)] += 1
        where = f"(seed {seed}, file {number}: {content[:300]!r})"
        if status == 0:
            records = len(content.rstrip().split(b"\n")) if content.strip() else 0  # trailing blank lines: none
            table = "orders" if kind == "orders" else "feedback"
            assert len(after[table]) - len(before[table]) == records, where
            with session_scope() as session:
                known_orders = [tuple(row) for row in session.execute(select(Order.id, Order.buyer_id))]
            continue
        assert status == 1 and after == before, f"exit {status} and rows changed {where}"
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        assert errors and "nothing imported from" in err, (err, where)
        for error in errors:
            matched = IMPORT_ERROR.fullmatch(error)
            assert matched and matched["path"] == str(path), (error, where)
            assert matched["line"] is None or 1 <= int(matched["line"]) <= content.count(b"\n"), (error, where)
        refused.append((kind, path))
    print("imports by kind and exit status:", dict(outcomes))
    assert outcomes[("orders", 0)] and outcomes[("orders", 1)] and outcomes[("feedback", 1)], outcomes
    for kind, path in refused[:3]:  # the real command, in its own process
        result = cli("import", kind, str(path))
        assert result.returncode == 1 and "Traceback" not in result.stderr, (result.stderr[-2000:], seed)
