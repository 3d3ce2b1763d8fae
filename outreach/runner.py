"""`make run`: prepare the embedded set-up and run every process until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import Protocol

from sqlalchemy import func, select

from outreach.diagnosis.artifact import ModelFileError
from outreach.diagnosis.registry import check_model_in_use
from outreach.diagnosis.taxonomy import taxonomy
from outreach.inbox import tokens
from outreach.lifecycle.states import CaseStatus
from outreach.private_files import PRIVATE_UMASK
from outreach.processes import (
    ProcessGroup,
    action_server_command,
    log_file,
    models_dir,
    outreach_command,
    rasa_env,
    rasa_server_command,
    train_command,
    wait_until_ready,
)
from outreach.rules.loader import RulesError, rules
from outreach.settings import PROJECT_ROOT, Settings
from outreach.store.db import session_scope
from outreach.store.migrate import upgrade
from outreach.store.models import Case, Order


def prepare(settings: Settings) -> dict | None:
    """Migrates, seeds an empty database (returning the seed summary) and trains if needed."""
    try:
        rules()  # an invalid rules file stops start-up here, naming the file and line
    except RulesError as exc:
        raise RuntimeError(str(exc)) from exc
    try:  # so does a diagnosis model that does not fit the code or the taxonomy
        check_model_in_use(settings, taxonomy())
    except ModelFileError as exc:
        raise RuntimeError(str(exc)) from exc
    upgrade()
    seeded = None
    with session_scope() as session:
        orders = session.execute(select(func.count(Order.id))).scalar_one()
    if orders == 0:
        from outreach.demo.seed import seed

        print("seeding the demo database ...", flush=True)
        seeded = seed()
        print(seeded, flush=True)
    log_path, log = log_file(settings, "train")
    print(f"training the assistant if its data changed (a few minutes the first time; log: {log_path})", flush=True)
    try:
        result = subprocess.run(train_command(settings), cwd=PROJECT_ROOT, env=rasa_env(settings),
                                stdout=log, stderr=subprocess.STDOUT, umask=PRIVATE_UMASK)
    finally:
        os.close(log)
    if result.returncode != 0 or not (models_dir(settings) / "care.tar.gz").exists():
        tail = log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"training failed (exit {result.returncode}):\n{tail}")
    return seeded


def dashboard_lines(settings: Settings, seeded: dict | None) -> list[str]:
    lines = [f"leads' dashboard: http://{settings.web_host}:{settings.web_port}/dashboard/"]
    if seeded and "dashboard_lead" in seeded:
        lines.append(f"  support lead: {seeded['dashboard_lead']}    agent: {seeded['dashboard_agent']}")
    else:
        lines.append("  log in with the accounts printed when the demo was seeded, or create one: "
                     ".venv/bin/outreach users add NAME --role lead")
    return lines


def chat_links(settings: Settings, limit: int = 6) -> list[tuple[str, str, str]]:
    """(buyer, problem, link) for reached buyers, those whose problem the bot can settle first."""
    automated = set(rules().remedies)
    with session_scope() as session:
        rows = session.execute(
            select(Case.buyer_id, Case.category)
            .where(Case.first_contact_at.is_not(None),
                   Case.status.in_((CaseStatus.CONTACTED.value, CaseStatus.OFFERING.value)))
            .order_by(Case.severity, Case.buyer_id)
        ).all()
    rows = sorted(rows, key=lambda row: row.category not in automated)
    picked, seen = [], set()
    for row in rows:
        if row.buyer_id not in seen:
            seen.add(row.buyer_id)
            picked.append(row)
    base = f"http://{settings.web_host}:{settings.web_port}/chat?token="
    return [
        (row.buyer_id, taxonomy().zh(row.category), base + tokens.issue(settings.buyer_token_secret, row.buyer_id))
        for row in picked[:limit]
    ]


class SetUp(Protocol):
    """The processes of one set-up: the embedded default or the scaled one."""

    command: str  # how the user started it, for messages

    def start(self) -> None: ...

    def check_alive(self) -> None: ...

    def stop(self) -> None: ...

    def describe(self) -> list[str]: ...


class Embedded:
    """`make run`: one process of each kind, on SQLite unless OUTREACH_DATABASE_URL says otherwise."""

    command = "make run"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.group = ProcessGroup(settings)

    def start(self) -> None:
        settings = self.settings
        self.group.start("actions", action_server_command(settings))
        self.group.start("web", outreach_command("web"))
        self.group.start("rasa", rasa_server_command(settings))
        print("starting the action server, Rasa server and web server (about a minute) ...", flush=True)
        wait_until_ready(self.group, f"http://127.0.0.1:{settings.action_port}/health")
        wait_until_ready(self.group, f"http://{settings.web_host}:{settings.web_port}/healthz")
        wait_until_ready(self.group, f"http://127.0.0.1:{settings.rasa_port}/")
        self.group.start("scheduler", outreach_command("scheduler"))

    def check_alive(self) -> None:
        self.group.check_alive()

    def stop(self) -> None:
        self.group.stop()

    def describe(self) -> list[str]:
        return []


def print_links(settings: Settings, seeded: dict | None, links: list[tuple[str, str, str]]) -> None:
    print(f"\nchat page:  http://{settings.web_host}:{settings.web_port}/chat", flush=True)
    print("buyers the assistant has reached out to (open a link to chat as that buyer):")
    for buyer, problem, url in links:
        print(f"  {buyer} ({problem}): {url}")
    print("more links: .venv/bin/outreach buyer link BUYER_ID")
    print("calls booked for agents (severity 1, elderly, inactive buyers): .venv/bin/outreach calls next")
    print("\n".join(dashboard_lines(settings, seeded)))
    print(f"logs: {settings.var_dir / 'logs'}   stop: Ctrl-C\n", flush=True)


def serve(settings: Settings, setup: SetUp) -> int:
    """Prepares the store and the model, starts the set-up, prints the demo links and runs
    until Ctrl-C (or SIGTERM); stops every process on the way out."""
    try:
        seeded = prepare(settings)
    except RuntimeError as exc:
        print(f"error: {exc}", flush=True)
        return 1
    except KeyboardInterrupt:
        print(f"\nstopped before start-up finished; run `{setup.command}` again to continue.", flush=True)
        return 130
    stop = False
    starting = True

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stop
        stop = True
        if starting:  # waiting for processes to come up: give up at once
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        setup.start()
        starting = False
        deadline = time.monotonic() + 120
        links: list[tuple[str, str, str]] = []
        while not stop and time.monotonic() < deadline and len(links) < 6:
            time.sleep(2)
            setup.check_alive()
            links = chat_links(settings)
        print_links(settings, seeded, links)
        for line in setup.describe():
            print(line)
        while not stop:
            time.sleep(1)
            setup.check_alive()
        return 0
    except RuntimeError as exc:
        print(f"error: {exc}", flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        starting = False
        print("stopping ...", flush=True)
        setup.stop()
        print("stopped.", flush=True)


def run(settings: Settings) -> int:
    return serve(settings, Embedded(settings))
