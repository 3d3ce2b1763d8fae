"""deploy/: the Kubernetes manifests against Kubernetes' own schemas (kubernetes-validate,
strict: unknown fields are errors), the compose file against the Compose specification
(compose-py's models of its schema), HAProxy's platform configurations against the template
and HAProxy itself, and the settings the processes read against what the files provide."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from compose_py import load_dict
from pydantic import ValidationError

from outreach.scaled.haproxy import HAPROXY_BIN
from outreach.scaled.platform_files import (
    COMPOSE_HAPROXY,
    COMPOSE_RASA_SLOTS,
    K8S_HAPROXY,
    K8S_RASA_REPLICAS,
    compose_config,
    k8s_config_map,
)
from outreach.settings import PROJECT_ROOT
from tests.conftest import haproxy_or_skip

K8S = PROJECT_ROOT / "deploy" / "k8s"
COMPOSE = PROJECT_ROOT / "deploy" / "compose" / "compose.yml"
KUBERNETES_VERSION = "1.28.0"  # the newest schemas kubernetes-validate 1.28 ships
READ_BY_PROCESSES = [PROJECT_ROOT / "bot" / "endpoints.scaled.yml", PROJECT_ROOT / "bot" / "credentials.yml"]


def k8s_resources() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        for resource in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if resource:
                found.append((f"{path.name}: {resource['kind']}/{resource['metadata']['name']}", resource))
    return found


def compose_spec(data: dict[str, Any]) -> Any:
    """Top-level x- keys are extensions the Compose specification allows (YAML anchors live
    there); compose-py's models forbid every key they do not know, so they are set aside."""
    return load_dict({key: value for key, value in data.items() if not key.startswith("x-")})


def test_every_kubernetes_manifest_is_valid_against_kubernetes_schemas() -> None:
    resources = k8s_resources()
    kinds = {resource["kind"] for _, resource in resources}
    assert {"Namespace", "ConfigMap", "Service", "Deployment", "StatefulSet", "PodDisruptionBudget"} <= kinds
    for where, resource in resources:
        try:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{where}: {exc}")


def test_a_manifest_with_a_misspelt_field_is_refused() -> None:
    _, rasa = next(item for item in k8s_resources() if item[1]["kind"] == "StatefulSet")
    rasa["spec"]["template"]["spec"]["containers"][0]["readynessProbe"] = {"httpGet": {"path": "/", "port": 5005}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(rasa, KUBERNETES_VERSION, strict=True)


def test_every_server_has_probes_and_resource_requests_and_postgres_and_redis_are_external() -> None:
    resources = dict(k8s_resources())
    workloads = {where: r for where, r in resources.items() if r["kind"] in ("Deployment", "StatefulSet")}
    for where, workload in workloads.items():
        for container in workload["spec"]["template"]["spec"]["containers"]:
            assert container["resources"]["requests"].keys() >= {"cpu", "memory"}, where
            if container["name"] != "scheduler":  # a worker has no HTTP endpoint: restarted when it exits
                assert {"readinessProbe", "livenessProbe"} <= container.keys(), where
    external = {r["metadata"]["name"] for r in resources.values() if r["kind"] == "Service"
                and r["spec"].get("type") == "ExternalName"}
    assert external == {"postgres", "redis"}
    rasa = next(r for r in workloads.values() if r["kind"] == "StatefulSet")
    assert rasa["spec"]["replicas"] == K8S_RASA_REPLICAS  # HAProxy lists exactly these pods


def test_the_compose_file_is_valid_against_the_compose_specification() -> None:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    spec = compose_spec(data)
    assert set(spec.services) == {"haproxy", "rasa", "actions", "web", "scheduler"}
    assert spec.services["rasa"].deploy.replicas <= COMPOSE_RASA_SLOTS
    for name in ("rasa", "actions", "web"):
        assert spec.services[name].healthcheck is not None, name
    data["services"]["web"]["restrat"] = "always"
    with pytest.raises(ValidationError, match="restrat"):
        compose_spec(data)


def test_haproxy_configurations_on_the_platforms_are_rendered_from_the_template_and_accepted_by_haproxy(
    tmp_path: Path,
) -> None:
    assert COMPOSE_HAPROXY.read_text(encoding="utf-8") == compose_config(), \
        "run `.venv/bin/python -m outreach.scaled.platform_files` after changing deploy/haproxy.cfg.template"
    assert K8S_HAPROXY.read_text(encoding="utf-8") == k8s_config_map()
    in_k8s = tmp_path / "k8s.cfg"
    in_k8s.write_text(yaml.safe_load(k8s_config_map())["data"]["haproxy.cfg"], encoding="utf-8")
    assert "server rasa-0 rasa-0.rasa.outreach.svc.cluster.local:5005" in in_k8s.read_text()
    haproxy_or_skip()  # fails under CI=true instead of skipping
    for config in (COMPOSE_HAPROXY, in_k8s):
        checked = subprocess.run([HAPROXY_BIN, "-c", "-f", str(config)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_setting_the_processes_read_is_provided_on_both_platforms_and_no_secret_is_written_down() -> None:
    wanted = {name for path in READ_BY_PROCESSES for name in re.findall(r"\$\{(\w+)\}", path.read_text())}
    resources = dict(k8s_resources())
    config_map = next(r for r in resources.values() if r["metadata"]["name"] == "outreach-env")
    namespace = (K8S / "namespace.yaml").read_text(encoding="utf-8")
    secret_keys = set(re.findall(r"--from-literal=(\w+)=", namespace))
    assert wanted <= config_map["data"].keys() | secret_keys, wanted - config_map["data"].keys() - secret_keys
    assert not secret_keys & config_map["data"].keys()
    compose_env = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["x-app"]["environment"]
    assert wanted <= compose_env.keys(), wanted - compose_env.keys()
    for name in secret_keys & compose_env.keys():  # filled from the environment of `docker compose`
        assert str(compose_env[name]).startswith("${" + name), name
