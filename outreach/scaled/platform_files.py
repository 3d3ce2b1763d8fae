"""HAProxy's configuration for the container platforms in deploy/ (docs/operations.md#deployment),
rendered from the same template as the local scaled set-up's, with servers found through DNS.

    .venv/bin/python -m outreach.scaled.platform_files     # rewrites the two files below

A test checks that the committed files are what this renders, so the template stays the one
place HAProxy's settings are written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from outreach.scaled.haproxy import DNS_SECTION, Listeners, discovered_servers, named_servers, render
from outreach.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
COMPOSE_HAPROXY = DEPLOY / "compose" / "haproxy.cfg"
K8S_HAPROXY = DEPLOY / "k8s" / "haproxy-config.yaml"
K8S_NAMESPACE = "outreach"
RASA_PORT, ACTION_PORT = 5005, 5055
# Rasa replicas are named servers with stable DNS names, so that every HAProxy instance
# hashes a conversation to the same replica: the pods of the StatefulSet deploy/k8s/rasa.yaml
# (its replicas must equal K8S_RASA_REPLICAS; a test checks) and compose's containers
# outreach-rasa-1..N (`--scale rasa=N`, N up to COMPOSE_RASA_SLOTS). Sized in
# docs/operations.md#deployment.
K8S_RASA_REPLICAS = 16
COMPOSE_RASA_SLOTS = 8
# Action servers hold no state: HAProxy keeps this many slots, filled from DNS.
ACTION_SLOTS = 32
IN_CONTAINER_SOCKET = "/var/lib/haproxy/admin.sock"


@dataclass(frozen=True)
class Platform:
    rasa_hosts: dict[str, str]  # server name -> DNS name of one Rasa replica
    action_dns: str  # resolves to every action server


COMPOSE = Platform({f"rasa-{i}": f"outreach-rasa-{i}" for i in range(1, COMPOSE_RASA_SLOTS + 1)}, "actions")
K8S = Platform({f"rasa-{i}": f"rasa-{i}.rasa.{K8S_NAMESPACE}.svc.cluster.local" for i in range(K8S_RASA_REPLICAS)},
               f"actions.{K8S_NAMESPACE}.svc.cluster.local")  # headless Service: one address per pod


def platform_config(platform: Platform) -> str:
    return render(
        Listeners("*", RASA_PORT, ACTION_PORT, rasa_timeout_s=60),
        named_servers(platform.rasa_hosts, RASA_PORT),
        discovered_servers("actions-", ACTION_SLOTS, platform.action_dns, ACTION_PORT),
        IN_CONTAINER_SOCKET, resolvers=DNS_SECTION,
    )


def k8s_config_map() -> str:
    body = "".join(f"    {line}\n" if line else "\n" for line in platform_config(K8S).splitlines())
    return (
        "# Rendered by `python -m outreach.scaled.platform_files` from deploy/haproxy.cfg.template: do not edit.\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: haproxy-config\n"
        f"  namespace: {K8S_NAMESPACE}\n  labels:\n    app.kubernetes.io/part-of: outreach\n"
        "data:\n  haproxy.cfg: |\n" + body
    )


def compose_config() -> str:
    return ("# Rendered by `python -m outreach.scaled.platform_files` from deploy/haproxy.cfg.template: do not edit.\n"
            + platform_config(COMPOSE))


def write(compose_path: Path = COMPOSE_HAPROXY, k8s_path: Path = K8S_HAPROXY) -> None:
    compose_path.write_text(compose_config(), encoding="utf-8")
    k8s_path.write_text(k8s_config_map(), encoding="utf-8")


if __name__ == "__main__":
    write()
    print(f"wrote {COMPOSE_HAPROXY.relative_to(PROJECT_ROOT)} and {K8S_HAPROXY.relative_to(PROJECT_ROOT)}")
