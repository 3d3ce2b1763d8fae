"""A stand-in for Rasa's trigger_intent endpoint, served from a thread, that records every call.

Like the real in-app channel, it can file the bot's first message in the buyer's inbox
under the case (`inbox_url`), so a worker can find evidence of delivery after a crash.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy import create_engine, insert

from outreach.processes import free_port
from outreach.store.models import InboxMessage
from outreach.store.types import utcnow


@dataclass
class FakeRasa:
    token: str
    delay_s: float = 0.0
    status: int = 200
    inbox_url: str | None = None
    calls: list[dict] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def case_ids(self) -> list[int]:
        with self._lock:
            return [int(call["case_id"]) for call in self.calls]

    async def _trigger(self, request: web.Request) -> web.Response:
        if request.query.get("token") != self.token:
            return web.json_response({"status": "failure"}, status=401)
        body = await request.json()
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay_s)
            if self.status != 200:
                return web.Response(status=self.status, text="down")
            case_id = int(body["entities"]["case_id"])
            if self.inbox_url:
                await asyncio.to_thread(self._file_in_inbox, request.match_info["id"], case_id)
            with self._lock:
                self.calls.append({"buyer_id": request.match_info["id"], "case_id": case_id})
            return web.json_response({"tracker": {}, "messages": [{"text": "您好，我是平台客服"}]})
        finally:
            with self._lock:
                self.in_flight -= 1

    def _file_in_inbox(self, buyer_id: str, case_id: int) -> None:
        engine = self._engine
        with engine.begin() as connection:
            connection.execute(insert(InboxMessage).values(buyer_id=buyer_id, case_id=case_id, sender="bot",
                                                           text="您好，我是平台客服", buttons=[], created_at=utcnow()))

    def start(self) -> FakeRasa:
        self._engine = create_engine(self.inbox_url, future=True) if self.inbox_url else None
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            app = web.Application()
            app.router.add_post("/conversations/{id}/trigger_intent", self._trigger)
            self._runner = web.AppRunner(app)
            self._loop.run_until_complete(self._runner.setup())
            self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", port).start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if self._engine is not None:
            self._engine.dispose()
