"""HAProxy in front of the scaled set-up's Rasa replicas and action servers.

`render` fills deploy/haproxy.cfg.template for the given servers; `HAProxyAdmin` talks to the
running HAProxy over its admin socket (server states, a server leaving and rejoining the
pool); `route_of` asks HAProxy which replica a conversation goes to.
"""

from __future__ import annotations

import csv
import io
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

from outreach.inbox.relay import CONVERSATION_HEADER, conversation_key
from outreach.settings import PROJECT_ROOT

TEMPLATE = PROJECT_ROOT / "deploy" / "haproxy.cfg.template"
UPSTREAM_HEADER = "X-Outreach-Upstream"  # which server answered, set by HAProxy on every response
RASA_BACKEND, ACTION_BACKEND = "rasa", "actions"
HAPROXY_BIN = "/usr/sbin/haproxy"  # Debian's package (`make system-deps`)


@dataclass(frozen=True)
class Listeners:
    host: str
    rasa_port: int
    action_port: int
    rasa_timeout_s: int  # how long a turn may take before HAProxy answers 504


def listed_servers(upstreams: dict[str, str]) -> str:
    """One server line per known upstream (name -> base URL): the local scaled set-up."""
    if not upstreams:
        raise ValueError("HAProxy needs at least one Rasa replica and one action server")
    lines = []
    for name, url in upstreams.items():
        parts = urlsplit(url)
        lines.append(f"    server {name} {parts.hostname}:{parts.port} check")
    return "\n".join(lines)


def named_servers(hosts: dict[str, str], port: int) -> str:
    """One server per stable DNS name (name -> host: a StatefulSet's pods, compose's
    containers), resolved at run time; a name that does not resolve yet is simply down.
    Every HAProxy instance builds the same hash ring from the same names, so all of them
    send a conversation to the same replica."""
    return "\n".join(f"    server {name} {host}:{port} check resolvers {DNS_RESOLVERS} init-addr none"
                     for name, host in hosts.items())


def discovered_servers(prefix: str, slots: int, dns_name: str, port: int) -> str:
    """Up to `slots` servers found through DNS (every address of dns_name: a compose service
    with several replicas, a Kubernetes headless Service): containers and pods come and go."""
    return (f"    server-template {prefix} 1-{slots} {dns_name}:{port} check resolvers {DNS_RESOLVERS} "
            "init-addr none")


DNS_RESOLVERS = "platform"
DNS_SECTION = f"""
resolvers {DNS_RESOLVERS}
    parse-resolv-conf
    accepted_payload_size 8192
    hold valid 5s
"""


def render(listeners: Listeners, rasa_servers: str, action_servers: str, stats_socket: Path | str,
           resolvers: str = "", template: Path = TEMPLATE) -> str:
    """The configuration with these server lines (listed_servers or discovered_servers)."""
    return Template(template.read_text(encoding="utf-8")).substitute(
        host=listeners.host, rasa_port=listeners.rasa_port, action_port=listeners.action_port,
        rasa_timeout_s=listeners.rasa_timeout_s, stats_socket=stats_socket, resolvers=resolvers,
        conversation_header=CONVERSATION_HEADER, upstream_header=UPSTREAM_HEADER,
        rasa_servers=rasa_servers, action_servers=action_servers,
    )


def haproxy_command(config: Path) -> list[str]:
    """HAProxy in the foreground (-db), as supervisord wants its programs."""
    return [HAPROXY_BIN, "-db", "-f", str(config)]


class HAProxyError(RuntimeError):
    """HAProxy's admin socket did not answer or refused a command."""


@dataclass(frozen=True)
class HAProxyAdmin:
    socket_path: Path

    def command(self, line: str, timeout_s: float = 3.0) -> str:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout_s)
                sock.connect(str(self.socket_path))
                sock.sendall(line.encode() + b"\n")
                chunks = []
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
        except OSError as exc:
            raise HAProxyError(f"HAProxy's admin socket {self.socket_path} did not answer: {exc}") from exc
        return b"".join(chunks).decode(errors="replace")

    def states(self) -> dict[tuple[str, str], str]:
        """(backend, server) -> status: UP, DOWN, MAINT, DRAIN, 'UP 1/2' while rising..."""
        text = self.command("show stat").lstrip("# ")
        rows = csv.DictReader(io.StringIO(text))
        return {(row["pxname"], row["svname"]): row["status"] for row in rows
                if row.get("svname") not in (None, "FRONTEND", "BACKEND")}

    def is_up(self, backend: str, server: str) -> bool:
        return self.states().get((backend, server)) == "UP"

    def leave(self, backend: str, server: str) -> None:
        """Takes a server out of the pool (maintenance): its conversations go to the others."""
        self._set_state(backend, server, "maint")

    def rejoin(self, backend: str, server: str) -> None:
        """Puts it back; health checks decide when it takes traffic again."""
        self._set_state(backend, server, "ready")

    def _set_state(self, backend: str, server: str, state: str) -> None:
        answer = self.command(f"set server {backend}/{server} state {state}").strip()
        if answer:
            raise HAProxyError(f"HAProxy refused to set {backend}/{server} to {state}: {answer}")


def route_of(rasa_url: str, sender_id: str, timeout_s: float = 5.0) -> str | None:
    """The replica HAProxy sends this conversation to now (None: no replica is up). Asks with
    Rasa's root page, which changes nothing, keyed like the conversation's own requests."""
    request = urllib.request.Request(rasa_url + "/", headers={CONVERSATION_HEADER: conversation_key(sender_id)})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.headers.get(UPSTREAM_HEADER)
    except urllib.error.HTTPError as exc:
        if exc.code == 503:
            return None
        raise
