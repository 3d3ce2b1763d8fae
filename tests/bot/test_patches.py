"""The patches of Rasa internals go in by one explicit call that refuses a Rasa they do not fit,
and each one (or all) can be switched off."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest
from rasa.utils.endpoints import EndpointConfig

from bot import action_calls, patches
from bot.patches import ALL_SWITCH, PATCHES, PatchError, check, enabled, install
from outreach.settings import PROJECT_ROOT


def test_every_patch_fits_the_installed_rasa_also_once_installed() -> None:
    check(PATCHES)
    assert install({}) == [patch.name for patch in PATCHES]
    assert EndpointConfig.request is action_calls.request
    check(PATCHES)  # what is checked is Rasa's own code, not the installed patch
    assert install({}) == [patch.name for patch in PATCHES]  # idempotent


def test_another_rasa_release_is_refused_with_the_way_to_start_without_patches() -> None:
    refused = rf"written for Rasa 3\.6\.21, but Rasa 3\.7\.0 is installed.*{ALL_SWITCH}=off"
    with pytest.raises(PatchError, match=refused):
        check(PATCHES, rasa_version="3.7.0")
    check([], rasa_version="3.7.0")  # with every patch off, any Rasa starts


def test_a_changed_target_is_refused_naming_the_patch_the_target_and_its_switch() -> None:
    def changed_body(path: str) -> object:
        def request(self, method: str = "post", subpath=None, content_type="application/json",  # type: ignore[no-untyped-def]
                    compress=False, **kwargs):
            return None
        return request if path.endswith("EndpointConfig.request") else patches.resolve(path)

    with pytest.raises(PatchError) as refused:
        check(PATCHES, originals=changed_body)
    message = str(refused.value)
    assert "'action_calls'" in message and "rasa.utils.endpoints:EndpointConfig.request changed" in message
    assert "signature" in message and "OUTREACH_PATCH_ACTION_CALLS=off" in message

    event_types = next(p for p in PATCHES if p.name == "event_types")
    written_for_other_code = replace(event_types, targets=(replace(event_types.targets[0], source_sha256="0" * 16),))
    with pytest.raises(PatchError, match=r"'event_types'.*source SHA-256 0{16} -> b5cf570fa7f286c7.*"
                                         r"OUTREACH_PATCH_EVENT_TYPES=off"):
        check([written_for_other_code])


def test_a_target_gone_from_rasa_is_refused() -> None:
    def gone(path: str) -> object:
        raise AttributeError(f"no {path}")

    with pytest.raises(PatchError, match=r"'graph_runner': its target .* is gone"):
        check([p for p in PATCHES if p.name == "graph_runner"], originals=gone)


def test_switches_turn_one_patch_or_all_of_them_off() -> None:
    assert [p.name for p in enabled({})] == ["action_calls", "action_results", "event_types", "graph_runner",
                                             "rule_states"]
    assert enabled({ALL_SWITCH: "off"}) == []
    assert [p.name for p in enabled({"OUTREACH_PATCH_GRAPH_RUNNER": "0", "OUTREACH_PATCH_EVENT_TYPES": "ON"})] == [
        "action_calls", "action_results", "event_types", "rule_states"]
    with pytest.raises(PatchError, match="OUTREACH_PATCH_ACTION_CALLS='maybe' is neither on nor off"):
        enabled({"OUTREACH_PATCH_ACTION_CALLS": "maybe"})


def test_rasa_does_not_start_when_a_patch_does_not_fit() -> None:
    script = ("import sys, bot.patches as p; p.RASA_VERSION = '0.0.1'; sys.argv = ['rasa_run', 'run']; "
              "from outreach.rasa_run import main; sys.exit(main())")
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert "error: the Rasa patches (action_calls, action_results, event_types, graph_runner, rule_states) " \
           "were written " \
           "for Rasa 0.0.1, but Rasa 3.6.21 is installed" in result.stderr
