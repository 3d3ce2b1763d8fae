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


@dataclass(frozen=True)
class Staff:
    """A signed-in dashboard member: the session cookie and the form token its pages carry."""

    username: str
    role: str
    cookie: str
    form_token: str


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
    staff: bool = False  # carries a live dashboard session: staff may read buyers' data, never full phones
    must_refuse: bool = False  # a change the dashboard must refuse (4xx), whatever else happens

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

    def __init__(self, seed: int, attackers: list[Target], victims: list[Target], buyer_secret: str,
                 staff: list[Staff] | None = None) -> None:
        self.rng = random.Random(seed)
        self.attackers = attackers
        self.victims = victims
        self.buyer_secret = buyer_secret
        self.staff = staff or []
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

    def _filter_value(self) -> str:
        r = self.rng
        return r.choice([r.choice(SQL), r.choice(HTML), "", " ", "0001-01-01", "9999-12-31", "2026-02-30",
                         "2026-13-01", "1999-12-31", "２０２６-１１-０１", "2026-11-01\x00", "x" * 5000,
                         self._unicode_soup(), str(self._victim().case_id), "spoiled", "inapp", "trust", "merchant",
                         "csv", "-1", "NaN"])

    def staff_page(self) -> Probe:
        """A signed-in member reading pages and exports with hostile filters."""
        r = self.rng
        member = r.choice(self.staff)
        victim = self._victim()
        junk = quote(r.choice(SQL + HTML), safe="")
        path = r.choice(["/dashboard/", "/dashboard/cases", "/dashboard/merchants",
                         f"/dashboard/cases/{victim.case_id}", f"/dashboard/cases/{junk}", "/dashboard/cases/0",
                         "/dashboard/cases/99999999999999999999"])
        keys = ["since", "until", "label", "merchant", "channel", "badge", "by", "format", "next", "since[]"]
        query = "&".join(f"{r.choice(keys)}={quote(self._filter_value(), safe='')}" for _ in range(r.randint(0, 5)))
        return Probe("staff page", "web", "GET", path + (f"?{query}" if query else ""),
                     {"Cookie": f"outreach_staff={member.cookie}"}, None, staff=True)

    def staff_form(self) -> Probe:
        """A signed-in member's browser posting a form it did not get from the dashboard (CSRF),
        or a broken one: each is refused, and no session ends and no number is revealed."""
        r = self.rng
        member = r.choice(self.staff)
        victim = self._victim()
        path = r.choice([f"/dashboard/cases/{victim.case_id}/phone", "/dashboard/logout",
                         f"/dashboard/cases/{self.attackers[0].case_id}/phone"])
        other_origin = r.choice(["http://127.0.0.1:1", "http://evil.example", "null", "https://127.0.0.1",
                                 "http://127.0.0.1.evil.example", "file://", "http://[::1", "127.0.0.1"])
        token = r.choice(["", "0" * 64, member.form_token[:-1], member.form_token.upper(), "x" * 5000,
                          next(s.form_token for s in self.staff if s is not member) if len(self.staff) > 1 else "x"])
        headers = {"Cookie": f"outreach_staff={member.cookie}",
                   "Content-Type": r.choice(["application/x-www-form-urlencoded", "multipart/form-data; boundary=zz",
                                             "text/plain", "application/json"])}
        body = f"csrf_token={quote(token)}".encode()
        variant = r.randrange(4)
        if variant == 0:  # the right token, from another site
            body = f"csrf_token={member.form_token}".encode()
            headers.update({"Origin": other_origin, "Content-Type": "application/x-www-form-urlencoded"})
        elif variant == 1:  # a broken multipart body
            headers["Content-Type"] = "multipart/form-data; boundary=zz"
            body = r.choice([b"--zz\r\n", b"--zz\r\nContent-Transfer-Encoding: weird\r\n\r\nx\r\n--zz--\r\n",
                             b"--zz\r\nno colon here\r\n\r\nx\r\n--zz--\r\n", b"\xff" * 100])
        elif variant == 2:  # the token in the query string or a header instead of the form
            path += f"?csrf_token={member.form_token}"
            headers["X-CSRF-Token"] = member.form_token
            body = b""
        return Probe("staff form", "web", "POST", path, headers, body, staff=True, must_refuse=True)

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
        if self.staff:
            makers += [(self.staff_page, 5), (self.staff_form, 4)]
        functions = [m for m, _ in makers]
        weights = [w for _, w in makers]
        return [self.rng.choices(functions, weights)[0]() for _ in range(count)]


# ---------------------------------------------------------------------------- import files

HOSTILE_VALUES: list[Any] = [
    None, "", " ", 0, -1, 1.5, 1e308, True, [], {}, "x" * 30_000, "\x00", "蟹\x00", "\ud800", "a\udfffb", "😀" * 50,
    "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00", "2026-02-30T00:00:00+08:00", "2026-11-20T10:00:00",
    1763380000, "99999999999999999999", {"$gt": ""}, "<script>alert(1)</script>", "'; DROP TABLE orders; --",
    "Asia", "Etc/GMT+99", "../../etc/passwd", "=HYPERLINK(\"http://evil.example\")", "\u202e", "60+\n", 2**31, -(2**63),
]
# Replaced in the serialised line by text json.dumps cannot write.
RAW_MARKER = "__raw_fuzz_value__"
RAW_VALUES = [b"1" + b"0" * 5000, b"NaN", b"-Infinity", b"1e999", b"[" * 100_000 + b"]" * 100_000,
              b'{"a":' * 20_000 + b"1" + b"}" * 20_000, b'"\\ud800"', b'"\\u0000"']


class ImportInputs:
    """Files for `outreach import orders|feedback`: good lines, lines with one hostile value,
    and broken lines, from one seeded generator. Buyers, shops and merchants come from small
    pools, so later orders import known ones again, leaving optional fields out."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.serial = 0

    def order(self) -> dict[str, Any]:
        r = self.rng
        self.serial += 1
        buyer: dict[str, Any] = {"id": f"B-FZI-{r.randrange(6)}", "name": r.choice(["王阿姨", "李先生", "小张"]),
                                 "phone": r.choice(["13912345678", "+86 139 1234 5678", None]),
                                 "time_zone": r.choice(["Asia/Shanghai", "Asia/Urumqi"]),
                                 "age_band": r.choice(["18-29", "60+"]),
                                 "last_app_active_at": "2026-11-20T09:00:00+08:00"}
        for optional in ("phone", "time_zone", "age_band", "last_app_active_at"):
            if r.random() < 0.3:
                del buyer[optional]
        shop = r.randrange(4)
        return {
            "order_id": f"O-FZI-{self.serial}", "buyer": buyer,
            "shop": {"id": f"S-FZI-{shop}", "name": "蟹老大旗舰店", "trust_badge": r.random() < 0.5,
                     "merchant_id": f"M-FZI-{shop % 3}", "merchant_name": "蟹老大水产", "merchant_kind": "seafood"},
            "items": [{"title": "阳澄湖大闸蟹 10只装", "kind": "seafood", "unit_price_fen": 3980, "quantity": 10,
                       "unit": "只", "promises": ["crab_guarantee"], "live_seafood": True}],
            "total_fen": 39800, "paid_at": "2026-11-17T20:15:00+08:00", "promised_ship_hours": 48,
            "shipped_at": "2026-11-18T10:00:00+08:00", "delivered_at": "2026-11-19T16:30:00+08:00",
        }

    def feedback(self, known_orders: list[tuple[str, str]]) -> dict[str, Any]:
        r = self.rng
        self.serial += 1
        order_id, buyer_id = r.choice(known_orders) if known_orders and r.random() < 0.8 else ("O-404", "B-FZI-0")
        line = {"feedback_id": f"F-FZI-{self.serial}", "buyer_id": buyer_id, "order_id": order_id,
                "source": r.choice(["review", "chat"]), "text": r.choice(CHINESE) + r.choice(EMOJI),
                "created_at": "2026-11-19T18:02:00+08:00"}
        if r.random() < 0.2:
            del line["order_id"]
        return line

    def _mutated(self, record: dict[str, Any]) -> bytes:
        """The record with one value changed, removed or added, as a JSON line."""
        r = self.rng
        target: Any = record
        while True:
            key = r.choice(list(target)) if isinstance(target, dict) else r.randrange(len(target))
            if isinstance(target[key], (dict, list)) and target[key] and r.random() < 0.6:
                target = target[key]
                continue
            break
        action = r.randrange(4)
        if action == 0 and isinstance(target, dict):
            del target[key]
        elif action == 1 and isinstance(target, dict):
            target[r.choice(["surprise", "\ud800", "", "buyer_id", "__proto__"])] = r.choice(HOSTILE_VALUES)
        elif action == 2:
            target[key] = RAW_MARKER
        else:
            target[key] = r.choice(HOSTILE_VALUES)
        text = json.dumps(record).encode("ascii")  # escaped, so a lone surrogate can be written
        return text.replace(f'"{RAW_MARKER}"'.encode(), r.choice(RAW_VALUES))

    def _broken(self, good: bytes) -> bytes:
        r = self.rng
        return r.choice([b"", b"   \t", b"\xef\xbb\xbf" + good, b"\xff\xfe" + good, good[: r.randrange(1, len(good))],
                         b"[1, 2]", b"null", b"\x00", good.decode().encode("utf-16"), good + b" trailing",
                         "{\"order_id\": \"订单\"}".encode("gbk")])

    def file(self, kind: str, known_orders: list[tuple[str, str]]) -> tuple[bytes, int]:
        """A file's content and its number of lines."""
        r = self.rng
        lines = []
        for _ in range(r.randint(1, 8)):
            record = self.order() if kind == "orders" else self.feedback(known_orders)
            good = json.dumps(record, ensure_ascii=r.random() < 0.5).encode("utf-8")
            roll = r.random()
            lines.append(good if roll < 0.6 else self._mutated(record) if roll < 0.9 else self._broken(good))
        ending = r.choice([b"\n", b"\r\n"])
        return ending.join(lines) + ending, len(lines)
