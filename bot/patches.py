"""The assistant's changes to Rasa's internals: installed by one call, checked, each switchable.

Five Rasa 3.6 internals are replaced in the Rasa server for speed (docs/performance.md). Each
replacement was written against Rasa's code as it is in one release, so `install()`:

1. reads the switches: `OUTREACH_RASA_PATCHES=off` turns every patch off,
   `OUTREACH_PATCH_<NAME>=off` one of them (`on`, the default, or `off`; `1`/`0`,
   `true`/`false` too);
2. checks that the installed Rasa is the release the patches were written for and that every
   function or class a patch replaces or relies on has the source it had then (its
   signature and a SHA-256 of its source); a difference raises `PatchError`, which names the
   patch, the target and what changed, and how to start without the patch;
3. installs the patches that are on, and returns their names.

It is called by `outreach.rasa_run` (how every Rasa server of the assistant is started:
`make run`, `make run-scaled`, the tests and benchmarks) before Rasa loads anything. Rasa
started another way (`rasa shell`, `rasa test`) runs its own code.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

RASA_VERSION = "3.6.21"
ALL_SWITCH = "OUTREACH_RASA_PATCHES"
_ON, _OFF = {"", "on", "1", "true", "yes"}, {"off", "0", "false", "no"}


class PatchError(RuntimeError):
    """A patch does not fit the installed Rasa, or a switch has a value that means nothing."""


@dataclass(frozen=True)
class Target:
    path: str  # module:qualified.name of the Rasa object as Rasa ships it
    signature: str  # str(inspect.signature(...)) in RASA_VERSION
    source_sha256: str  # first 16 hex digits of the SHA-256 of inspect.getsource(...)


@dataclass(frozen=True)
class Patch:
    name: str
    what: str
    targets: tuple[Target, ...]
    module: str  # the bot module whose install() applies it

    @property
    def switch(self) -> str:
        return f"OUTREACH_PATCH_{self.name.upper()}"


    def install(self) -> None:
        importlib.import_module(self.module).install()


PATCHES: tuple[Patch, ...] = (
    Patch("action_calls", "action server calls over kept-alive connections", (
        Target("rasa.utils.endpoints:EndpointConfig.request",
               "(self, method: str = 'post', subpath: Optional[str] = None, content_type: Optional[str] = "
               "'application/json', compress: bool = False, **kwargs: Any) -> Optional[Any]", "ccdb778aed8208e2"),
    ), "bot.action_calls"),
    Patch("action_results", "action answers checked against a validator built once", (
        Target("rasa.core.actions.action:RemoteAction._validate_action_result",
               "(self, result: Dict[str, Any]) -> bool", "f8cdb4be68123961"),
    ), "bot.action_results"),
    Patch("event_types", "event classes found by name without walking the class tree", (
        Target("rasa.shared.core.events:Event.resolve_by_type",
               "(type_name: str, default: Optional[Type[ForwardRef('Event')]] = None) -> "
               "Optional[Type[ForwardRef('Event')]]", "b5cf570fa7f286c7"),
    ), "bot.event_types"),
    Patch("graph_runner", "the model's graph run in a fixed order instead of through dask", (
        Target("rasa.engine.runner.dask:DaskGraphRunner",
               "(graph_schema: 'GraphSchema', model_storage: 'ModelStorage', execution_context: "
               "'ExecutionContext', hooks: 'Optional[List[GraphNodeHook]]' = None) -> 'None'", "78a7d146c5c06d4c"),
        Target("rasa.core.processor:MessageProcessor._load_model",
               "(model_path: Union[str, pathlib.Path]) -> Tuple[str, rasa.engine.storage.storage.ModelMetadata, "
               "rasa.engine.runner.interface.GraphRunner]", "17f24faf96817bdf"),  # where Rasa names the runner class
    ), "bot.graph_runner"),
    Patch("rule_states", "the rule policy's states built only as far back as its longest rule", (
        Target("rasa.core.policies.policy:Policy._prediction_states",
               "(self, tracker: 'DialogueStateTracker', domain: 'Domain', use_text_for_last_user_input: 'bool' = "
               "False, rule_only_data: 'Optional[Dict[Text, Any]]' = None) -> 'List[State]'", "ed9b82bed2f26ad7"),
        Target("rasa.core.policies.rule_policy:RulePolicy._get_possible_keys",
               "(self, lookup: 'Dict[Text, Text]', states: 'List[State]') -> 'Set[Text]'", "2915fd81711e194c"),
        # what the window relies on: a rule is applicable beyond its length, the states are
        # built as below, and the rule lookup uses them only to match rules or as a fallback key
        Target("rasa.core.policies.rule_policy:RulePolicy._is_rule_applicable",
               "(self, rule_key: 'Text', turn_index: 'int', conversation_state: 'State') -> 'bool'",
               "64a108b016b46e57"),
        Target("rasa.core.policies.rule_policy:RulePolicy._find_action_from_rules",
               "(self, tracker: 'DialogueStateTracker', domain: 'Domain', use_text_for_last_user_input: 'bool') -> "
               "'Tuple[Optional[Text], Optional[Text], bool]'", "be6da6ee0f5429bd"),
        Target("rasa.shared.core.domain:Domain.states_for_tracker_history",
               "(self, tracker: 'DialogueStateTracker', omit_unset_slots: bool = False, ignore_rule_only_turns: bool = "
               "False, rule_only_data: Optional[Dict[str, Any]] = None) -> List[Dict[str, MutableMapping[str, "
               "Union[str, Tuple[Union[float, str], ...]]]]]", "035111ce73ac90ba"),
        Target("rasa.shared.core.trackers:DialogueStateTracker.generate_all_prior_trackers",
               "(self) -> Generator[Tuple[ForwardRef('DialogueStateTracker'), bool], NoneType, NoneType]",
               "a1f6954347b52649"),
        Target("rasa.core.featurizers.tracker_featurizers:MaxHistoryTrackerFeaturizer.prediction_states",
               "(self, trackers: 'List[DialogueStateTracker]', domain: 'Domain', use_text_for_last_user_input: "
               "'bool' = False, ignore_rule_only_turns: 'bool' = False, rule_only_data: "
               "'Optional[Dict[Text, Any]]' = None, ignore_action_unlikely_intent: 'bool' = False) -> "
               "'List[List[State]]'", "451caf09a389e871"),
    ), "bot.rule_states"),
)


def resolve(path: str) -> object:
    """The object at module:qualified.name as it is now (static lookup inside classes)."""
    module_name, _, qualified = path.partition(":")
    found: object = importlib.import_module(module_name)
    for part in qualified.split("."):
        found = inspect.getattr_static(found, part) if isinstance(found, type) else getattr(found, part)
    if isinstance(found, (staticmethod, classmethod)):
        found = found.__func__
    return found


def rasa_original(path: str) -> object:
    """Rasa's own object, also when a patch already replaced it (install is idempotent)."""
    for patch in PATCHES:
        kept = getattr(importlib.import_module(patch.module), "ORIGINALS", {}).get(path)
        if kept is not None:
            return kept
    return resolve(path)


def fingerprint(obj: object) -> tuple[str, str]:
    """(signature, first 16 hex digits of the source's SHA-256) of a function or class."""
    source = inspect.getsource(obj)  # type: ignore[arg-type]
    return str(inspect.signature(obj)), hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]  # type: ignore[arg-type]


def _switch(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise PatchError(f"{name}={environ[name]!r} is neither on nor off (bot/patches.py)")


def enabled(environ: Mapping[str, str] | None = None) -> list[Patch]:
    """The patches the switches leave on."""
    environ = os.environ if environ is None else environ
    if not _switch(environ, ALL_SWITCH):
        return []
    return [patch for patch in PATCHES if _switch(environ, patch.switch)]


def check(patches: list[Patch], rasa_version: str | None = None,
          originals: Callable[[str], object] = rasa_original) -> None:
    """PatchError when the installed Rasa is not the one the patches were written for."""
    if not patches:
        return
    if rasa_version is None:
        from rasa.version import __version__ as rasa_version
    if rasa_version != RASA_VERSION:
        names = ", ".join(patch.name for patch in patches)
        raise PatchError(
            f"the Rasa patches ({names}) were written for Rasa {RASA_VERSION}, but Rasa {rasa_version} is installed; "
            f"check each against the new Rasa and update bot/patches.py, or start Rasa with {ALL_SWITCH}=off")
    for patch in patches:
        for target in patch.targets:
            try:
                signature, digest = fingerprint(originals(target.path))
            except (ImportError, AttributeError, TypeError, OSError) as error:
                raise PatchError(f"Rasa patch '{patch.name}': its target {target.path} is gone in Rasa {rasa_version} "
                                 f"({error}); start Rasa with {patch.switch}=off to run without it") from error
            if signature != target.signature or digest != target.source_sha256:
                changed = (f"signature {target.signature} -> {signature}" if signature != target.signature
                           else f"source SHA-256 {target.source_sha256} -> {digest}")
                raise PatchError(
                    f"Rasa patch '{patch.name}' ({patch.what}) does not fit the installed Rasa {rasa_version}: "
                    f"{target.path} changed ({changed}); check {patch.module.replace('.', '/')}.py against the new "
                    f"code and update its fingerprint in bot/patches.py, or start Rasa with {patch.switch}=off")


def install(environ: Mapping[str, str] | None = None) -> list[str]:
    """Check, then install the patches the switches leave on; their names. Idempotent."""
    patches = enabled(environ)
    check(patches)
    for patch in patches:
        patch.install()
    return [patch.name for patch in patches]
