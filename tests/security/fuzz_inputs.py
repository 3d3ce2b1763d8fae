"""Generated bad input for the front door: chat messages and HTTP requests, from one seeded
random generator, so a failing run is repeated exactly with its printed seed.

Every probe is plain data (method, server, path, headers, body) plus what the checks need:
whose valid token it carries (`actor`) and, for a chat message that may be stored, a
`nonce` in its text that must appear in the store exactly once if the server accepted it
and nowhere if it refused it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from outreach.inbox import tokens

CHANNEL_HEADER = "X-Outreach-Channel-Secret"


@dataclass(frozen=True)
class Target:
    """A seeded buyer: the ids an attacker may know, the data only the buyer may see."""

    buyer_id: str
    case_id: int
    order_id: str
    token: str
    private: tuple[str, ...]  # name, phone, order title, shop: never in another buyer's answer


@dataclass
class Probe:
    kind: str
    server: str  # web or rasa
    method: str
    path: str  # already percent-encoded where needed; sent as is
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    actor: str | None = None  # the buyer whose valid token the probe carries
    nonce: str | None = None
    websocket: bool = False

    def describe(self) -> str:
        size = len(self.body) if self.body is not None else 0
        return f"{self.kind}: {self.method} {self.server}{self.path[:80]} body={size}B actor={self.actor}"


SQL = ["'; DROP TABLE inbox_messages; --", "1 OR 1=1", "\" OR \"\"=\"", "'); DELETE FROM cases WHERE ('1'='1",
       "UNION SELECT phone FROM buyers --", "%' AND 1=0 UNION SELECT name, phone FROM buyers --", "1; UPDATE remedies"
       " SET amount_fen=999999", "admin'--", "' OR buyer_id LIKE '%"]
HTML = ["<script>alert(document.cookie)</script>", "<img src=x onerror=alert(1)>", "<svg/onload=fetch('//x')>",
        "</textarea><b>粗体</b>", "javascript:alert(1)", "<iframe src=//evil>", "{{7*7}}${7*7}<%= 7*7 %>",
        "\"><script>x</script>", "&lt;&#x3C;&#60;", "<a href=\"/dashboard/\">点我</a>"]
EMOJI = ["😀", "🙏", "🦐", "🦀", "👨‍👩‍👧‍👦", "🇨🇳", "👍🏽", "❤️", "🤬", "\U0001fae0", "🀄", "㊗️"]
CHINESE = ["虾到的时候全死了", "快递盒子压坏了", "我要退款", "为什么还没发货", "东西不错", "客服在吗", "什么时候能到",
           "我要投诉商家", "好的谢谢", "不用了", "可以", "5分", "太差了"]
CONTROL = [chr(c) for c in range(0, 32)] + ["\x7f", "\x85", "\x9b", "\u202e", "\u200f", "\ufeff", "\u2028"]
WHITESPACE = [" ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "\u200b", "\u2029"]
BOT_COMMANDS = ["/affirm", "/deny", "/request_human", "/restart", "/session_start", "/stop", "/opt_out", "/greet",
                "/EXTERNAL_start_case", "/external_start_case", "/action_start_case", "/rate", "/nlu_fallback"]


class FuzzInputs:
    """Probes for one run. `attackers` send; `victims` are only ever named in the probes."""

    def __init__(self, seed: int, attackers: list[Target], victims: list[Target], buyer_secret: str) -> None:
        self.rng = random.Random(seed)
        self.attackers = attackers
        self.victims = victims
        self.buyer_secret = buyer_secret
        self.serial = 0

    # ------------------------------------------------------------------ pieces

    def _nonce(self) -> str:
        self.serial += 1
        return f"fz{self.serial:05d}q"

    def _victim(self) -> Target:
        return self.rng.choice(self.victims)

    def _foreign_ids(self) -> list[Any]:
        victim = self._victim()
        return [victim.buyer_id, victim.case_id, str(victim.case_id), victim.order_id, victim.token]

    def _command(self) -> str:
        """A payload that looks like a bot command aimed at someone else's case."""
        victim = self._victim()
        name = self.rng.choice(BOT_COMMANDS + ["/accept", "/inform", "/rate", "/choose_remedy"])
        entities = self.rng.choice([
            {"case_id": victim.case_id}, {"case_id": str(victim.case_id)}, {"sender": victim.buyer_id},
            {"rating": "5", "case_id": victim.case_id}, {"buyer_id": victim.buyer_id, "amount_fen": 10**9},
            {"case_id": f"{victim.case_id} OR 1=1"},
        ])
        return name + self.rng.choice([json.dumps(entities), json.dumps(entities, ensure_ascii=False)[:-1], ""])

    def _emoji(self) -> str:
        return "".join(self.rng.choice(EMOJI) for _ in range(self.rng.randint(1, 40)))

    def _unicode_soup(self) -> str:
        ranges = [(0x20, 0x7E), (0x4E00, 0x9FFF), (0x0300, 0x036F), (0x0590, 0x06FF), (0xE000, 0xF8FF),
                  (0x1F300, 0x1FAFF), (0x10000, 0x1FFFF), (0xFFF0, 0xFFFF)]
        chars = []
        for _ in range(self.rng.randint(1, 200)):
            low, high = self.rng.choice(ranges)
            chars.append(chr(self.rng.randint(low, high)))
        return "".join(chars)

    def text(self) -> tuple[str, bool]:
        """A chat text, and whether it carries content that should be stored (so gets a nonce)."""
        r = self.rng
        choice = r.randrange(14)
        if choice == 0:
            return "", False
        if choice == 1:
            return "".join(r.choice(WHITESPACE) for _ in range(r.randint(1, 50))), False
        if choice == 2:
            return "".join(r.choice(CONTROL) for _ in range(r.randint(1, 30))), False
        if choice == 3:
            return "".join(r.choice(CONTROL + CHINESE + EMOJI) for _ in range(r.randint(2, 30))), True
        if choice == 4:
            return self._emoji(), True
        if choice == 5:
            return r.choice(["\ud800", "\udfff", "a\ud83d", "\udc00b"]) + r.choice(CHINESE), True
        if choice == 6:
            return r.choice(SQL) + r.choice(["", " " + r.choice(CHINESE)]), True
        if choice == 7:
            return r.choice(HTML), True
        if choice == 8:
            return self._command(), True
        if choice == 9:
            ids = " ".join(str(x) for x in r.sample(self._foreign_ids()[:4], 2))
            return f"我是 {ids}，把这个案件的退款打给我", True
        if choice == 10:
            return r.choice(CHINESE) * r.randint(1, 3), True
        if choice == 11:
            return self._unicode_soup(), True
        if choice == 12:
            return r.choice(CHINESE) + "\n" * r.randint(1, 5) + r.choice(CHINESE), True
        return r.choice("啊a😀") * r.randint(12_000, 20_000), True  # long but under the body limit

    def _with_nonce(self, text: str) -> tuple[str, str]:
        nonce = self._nonce()
        if len(text) > 5000:
            return f"{nonce} {text}", nonce  # the store keeps the first 10,000 characters
        return f"{text} {nonce}", nonce

    def _auth(self, actor: Target) -> dict[str, str]:
        if self.rng.random() < 0.8:
            return {"Authorization": f"Bearer {actor.token}"}
        return {"Authorization": f"bearer   {actor.token}  "}

    def _json(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=self.rng.random() < 0.5).encode("utf-8", "surrogatepass")

    # ------------------------------------------------------------------ probes

    def chat_message(self) -> Probe:
        actor = self.rng.choice(self.attackers)
        text, storable = self.text()
        nonce = None
        if storable:
            text, nonce = self._with_nonce(text)
        body: dict[str, Any] = {"text": text}
        roll = self.rng.random()
        if roll < 0.25:
            body["payload"] = self.rng.choice(["/affirm", "/deny", self._command(), "", None, " ", "/" + "x" * 300,
                                               "/\x00", "affirm", "/EXTERNAL_start_case"])
        elif roll < 0.45:
            victim = self._victim()
            body.update(self.rng.choice([{"buyer_id": victim.buyer_id}, {"sender": victim.buyer_id},
                                         {"case_id": victim.case_id}, {"token": victim.token},
                                         {"recipient_id": victim.buyer_id, "metadata": {"case_id": victim.case_id}}]))
        headers = {**self._auth(actor), "Content-Type": "application/json"}
        return Probe("chat", "web", "POST", "/api/messages", headers, self._json(body), actor.buyer_id, nonce)

    def huge_message(self) -> Probe:
        actor = self.rng.choice(self.attackers)
        text = self.rng.choice(["啊", "😀", "a", "\x00"]) * self.rng.randint(1_100_000 // 4, 1_400_000 // 3)
        text, nonce = self._with_nonce(text)
        headers = {**self._auth(actor), "Content-Type": "application/json"}
        return Probe("huge", "web", "POST", "/api/messages", headers, self._json({"text": text}), actor.buyer_id,
                     nonce)

    def bad_token(self) -> Probe:
        r = self.rng
        victim, actor = self._victim(), r.choice(self.attackers)
        body, expiry, signature = actor.token.split(".")
        forged = [
            "", "Bearer", "Bearer ", f"Basic {victim.buyer_id}", f"Bearer {victim.buyer_id}",
            f"Bearer {victim.token.split('.')[0]}.{expiry}.{signature}",
            f"Bearer {body}.{int(expiry) + 999999}.{signature}",
            f"Bearer {tokens.issue('guessed-secret', victim.buyer_id)}",
            f"Bearer {tokens.issue(self.buyer_secret, victim.buyer_id, ttl_seconds=-10)}",
            f"Bearer {victim.token[:-2]}", "Bearer a.b.c", "Bearer ..", "Bearer " + "A" * 5000,
            f"Bearer {victim.token}.x", "Bearer " + "é".encode().decode("latin-1") * 3,
        ]
        headers = {"Authorization": r.choice(forged)} if r.random() < 0.7 else {}
        query = ""
        if not headers or r.random() < 0.3:
            query = "?token=" + quote(r.choice(forged).removeprefix("Bearer "), safe="")
        text, nonce = self._with_nonce(r.choice(CHINESE))
        method = r.choice(["GET", "POST"])
        data = self._json({"text": text}) if method == "POST" else None
        return Probe("bad token", "web", method, "/api/messages" + query, headers, data, None,
                     nonce if method == "POST" else None)

    def query_abuse(self) -> Probe:
        r = self.rng
        actor = r.choice(self.attackers)
        values = ["-1", "0", "abc", "1e9", "99999999999999999999999", "9223372036854775807", "9223372036854775808",
                  "", " 5", "%00", "1;DROP", "١٢", "0x10", "+3", "3.0", "null", "[]", "%E2%80%AE", str(2**64),
                  str(self._victim().case_id)]
        params = [f"{r.choice(['after', 'limit', 'after', 'limit', 'after[]', 'LIMIT', 'token'])}={r.choice(values)}"
                  for _ in range(r.randint(1, 4))]
        path = r.choice(["/api/messages", "/api/live"])
        return Probe("query", "web", "GET", f"{path}?{'&'.join(params)}", self._auth(actor), None, actor.buyer_id)

    def wrong_method_or_type(self) -> Probe:
        r = self.rng
        actor = r.choice(self.attackers)
        text, nonce = self._with_nonce(r.choice(CHINESE))
        method = r.choice(["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "POST", "POST", "GET", "TRACE"])
        path = r.choice(["/api/messages", "/api/live", "/internal/notify", "/healthz", "/chat", "/api", "/internal"])
        content_type = r.choice(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                 "application/xml", "application/json; charset=latin-1", "", "application/json"])
        body = r.choice([f"text={quote(text)}".encode(), f"<m>{text}</m>".encode(),
                         f'--x\r\nContent-Disposition: form-data; name="text"\r\n\r\n{text}\r\n--x--'.encode(),
                         text.encode("gb18030")])
        headers = {**self._auth(actor), **({"Content-Type": content_type} if content_type else {})}
        stored = method == "POST" and path == "/api/messages"
        return Probe("method/type", "web", method, path, headers, body, actor.buyer_id, nonce if stored else None)

    def invalid_json(self) -> Probe:
        r = self.rng
        actor = r.choice(self.attackers)
        text, nonce = self._with_nonce(r.choice(CHINESE))
        valid = json.dumps({"text": text}, ensure_ascii=False).encode()
        bodies = [valid[: r.randint(0, len(valid) - 1)], b"{text: 1}", b'{"text": NaN}', b'{"text": "\xff\xfe"}',
                  b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 30_000 + b"1" + b"}" * 30_000, b"\xef\xbb\xbf" + valid,
                  b"", b"null", b"\x00\x01\x02", valid + b"garbage", b'{"text": "a", "text": 5}',
                  b'{"text": "\\ud800\\udc00\\ud800"}', b'{"text": 1e999999}', b"123" * 1000]
        body = r.choice(bodies)
        headers = {**self._auth(actor), "Content-Type": "application/json"}
        # a truncated body can still be valid JSON by chance: only well-formed text may be stored
        return Probe("invalid json", "web", "POST", "/api/messages", headers, body, actor.buyer_id, nonce)

    def wrong_types(self) -> Probe:
        r = self.rng
        actor = r.choice(self.attackers)
        text, nonce = self._with_nonce(r.choice(CHINESE))
        bodies: list[Any] = [
            {"text": 5}, {"text": [text]}, {"text": {"text": text}}, {"text": True}, {"text": None}, {"text": 1.5},
            {"text": text, "payload": 7}, {"text": text, "payload": ["/affirm"]}, {"text": text, "payload": {}},
            [text], text, 42, None, True, {}, {"TEXT": text}, {"text": text * 0, "payload": None},
            {"text": [{"case_id": self._victim().case_id}]},
        ]
        body = r.choice(bodies)
        headers = {**self._auth(actor), "Content-Type": "application/json"}
        return Probe("wrong types", "web", "POST", "/api/messages", headers, self._json(body), actor.buyer_id, nonce)

    def notify_without_secret(self) -> Probe:
        r = self.rng
        victim = self._victim()
        headers = r.choice([{}, {CHANNEL_HEADER: ""}, {CHANNEL_HEADER: "guess"}, {CHANNEL_HEADER: "a" * 4000},
                            {"x-outreach-channel-secret": "Guess"}, {"Authorization": f"Bearer {victim.token}"}])
        body = r.choice([self._json({"buyer_id": victim.buyer_id}), b"{", b"", self._json([victim.buyer_id])])
        return Probe("notify", "web", "POST", "/internal/notify", {**headers, "Content-Type": "application/json"},
                     body, None)

    def dashboard(self) -> Probe:
        r = self.rng
        victim = self._victim()
        forged_cookie = {"Cookie": r.choice(["outreach_staff=" + "x" * 43, "outreach_staff=", "outreach_staff=' OR 1=1",
                                             "outreach_staff=" + "a" * 5000, "outreach_staff=%00"])}
        if r.random() < 0.25:
            username = r.choice(SQL + HTML + ["lead", "admin", "", "a" * 5000, victim.buyer_id, "\x00"])
            form = f"username={quote(username)}&password={quote(r.choice(SQL + ['', 'x' * 10_000]))}&next=" + quote(
                r.choice(["/dashboard/", "//evil.example", "/dashboard/../../etc", "javascript:alert(1)", "\\\\x"]))
            content_type = r.choice(["application/x-www-form-urlencoded", "application/json", "text/plain",
                                     "multipart/form-data; boundary=zz"])
            return Probe("dashboard login", "web", "POST", "/dashboard/login", {"Content-Type": content_type},
                         form.encode(), None)
        path = r.choice([
            "/dashboard/", "/dashboard/cases", f"/dashboard/cases/{victim.case_id}", "/dashboard/merchants",
            f"/dashboard/cases?format=csv&merchant={quote(r.choice(SQL))}", "/dashboard/?format=csv",
            f"/dashboard/cases/{quote(r.choice(SQL + HTML), safe='')}", "/dashboard/cases/99999999999999999999",
            "/dashboard/login?next=" + quote(r.choice(HTML), safe=""), "/dashboard", "/dashboard/logout",
            f"/dashboard/cases/{victim.case_id}/phone",
        ])
        method = "POST" if path.endswith(("logout", "phone")) else r.choice(["GET", "GET", "POST", "DELETE"])
        return Probe("dashboard", "web", method, path, forged_cookie if r.random() < 0.5 else {}, None, None)

    def rasa(self) -> Probe:
        r = self.rng
        victim = self._victim()
        message = r.choice([self._command(), r.choice(CHINESE), "", "x" * 100_000])
        body = r.choice([self._json({"sender": victim.buyer_id, "message": message}), b"{", b"",
                         self._json({"sender": None, "message": 5}), self._json([1, 2])])
        headers = r.choice([{}, {CHANNEL_HEADER: ""}, {CHANNEL_HEADER: "wrong"}, {CHANNEL_HEADER: "é" * 10}])
        path = r.choice([
            "/webhooks/inapp/webhook", "/webhooks/inapp/webhook", "/webhooks/inapp/webhook",
            "/webhooks/rest/webhook", "/webhooks/socketio/webhook",
            f"/conversations/{victim.buyer_id}/tracker", f"/conversations/{victim.buyer_id}/messages",
            f"/conversations/{victim.buyer_id}/trigger_intent", "/model/parse", "/status", "/domain",
            f"/conversations/{victim.buyer_id}/tracker?token=guess",
        ])
        method = "GET" if path.endswith(("tracker", "status", "domain", "guess")) else "POST"
        return Probe("rasa", "rasa", method, path, {**headers, "Content-Type": "application/json"},
                     body if method == "POST" else None, None)

    def odd_path(self) -> Probe:
        r = self.rng
        actor = r.choice(self.attackers)
        path = r.choice([
            "/static/../outreach/settings.py", "/static/%2e%2e%2fsettings.py", "/static/chat.js%00.html",
            "/chat?token=" + quote(r.choice(HTML), safe=""), "/%00", "/" + "a" * 9000, "/api/messages/../../etc/passwd",
            "/api/messages?" + "a=1&" * 2000, "/api/messages%2f..", "/static/" + "b" * 300 + ".js",
            "/?token=" + actor.token, "/api/live?token=" + quote(self._victim().token[:-1]),
        ])
        headers = self._auth(actor) if r.random() < 0.5 else {}
        return Probe("odd path", "web", "GET", path, headers, None, actor.buyer_id if headers else None)

    def live(self) -> Probe:
        actor = self.rng.choice(self.attackers)
        after = self.rng.choice(["0", "1", str(self._victim().case_id)])
        frame = self.rng.choice([b"{", b"ping", b"\x00" * 100, self._json({"buyer_id": self._victim().buyer_id})])
        return Probe("live", "web", "GET", f"/api/live?after={after}&token={actor.token}", {}, frame,
                     actor.buyer_id, websocket=True)

    def probes(self, count: int) -> list[Probe]:
        makers: list[tuple[Callable[[], Probe], int]] = [
            (self.chat_message, 15), (self.huge_message, 2), (self.bad_token, 9), (self.query_abuse, 7),
            (self.wrong_method_or_type, 8), (self.invalid_json, 8), (self.wrong_types, 7),
            (self.notify_without_secret, 4), (self.dashboard, 6), (self.rasa, 6), (self.odd_path, 4), (self.live, 1),
        ]
        functions = [m for m, _ in makers]
        weights = [w for _, w in makers]
        return [self.rng.choices(functions, weights)[0]() for _ in range(count)]
