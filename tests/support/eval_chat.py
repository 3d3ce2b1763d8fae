"""`make eval-chat`: play the whole conversation corpus through the real servers and print the
success rate by kind of conversation, and each failure with its transcript and what differed.

    python -m tests.support.eval_chat [--set main|heldout|heldout-fresh|heldout-freshN|all]
                                      [--kind KIND ...] [--id ID ...] [--ci-only] [--quiet]

`--set NAME` plays the held-out set in tests/conversations/NAME/ (heldout, heldout-fresh,
heldout-fresh2, ...; `--heldout` is `--set heldout`) instead of the main corpus;
`--set all` plays every set and prints each set's rate by kind apart.

The rate is a figure to watch (target 95 %), not a gate: the command exits 0 whatever it is,
and non-zero only when the corpus is invalid or the servers do not start.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from outreach.settings import PROJECT_ROOT
from outreach.store import db as store_db
from tests.support.chat_player import Result, play
from tests.support.conversations import SETS, CorpusError, load_corpus
from tests.support.stack import started_stack, use_env

TARGET = 0.95


def summary(results: list[Result], title: str = "") -> str:
    by_kind: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_kind[result.kind].append(result)
    width = max([len(k) for k in by_kind] + [len("all")])
    rows = ([title] if title else []) + [f"{'kind':<{width}}  passed   rate"]
    for kind in sorted(by_kind):
        done = by_kind[kind]
        passed = sum(r.passed for r in done)
        rows.append(f"{kind:<{width}}  {passed:>3}/{len(done):<3} {passed / len(done):6.1%}")
    passed = sum(r.passed for r in results)
    rate = passed / len(results) if results else 0.0
    rows.append(f"{'all':<{width}}  {passed:>3}/{len(results):<3} {rate:6.1%}   (target {TARGET:.0%})")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", dest="sets", choices=[*SETS, "all"], action="append",
                        help="which conversations: the main corpus (default), a held-out or tuning set "
                             "(tests/conversations/heldout*/, phrasings-*/), or all of them; repeatable")
    parser.add_argument("--heldout", dest="sets", action="append_const", const="heldout",
                        help="the held-out set (same as --set heldout)")
    parser.add_argument("--kind", action="append", default=[], help="only this kind (file name); repeatable")
    parser.add_argument("--id", action="append", default=[], help="only this conversation; repeatable")
    parser.add_argument("--ci-only", action="store_true", help="only the subset `make test` plays")
    parser.add_argument("--quiet", action="store_true", help="no transcripts, only what differed")
    args = parser.parse_args(argv)
    chosen = args.sets or ["main"]
    names = list(SETS) if "all" in chosen else list(dict.fromkeys(chosen))
    try:
        corpus = [(name, k, c) for name in names for k, c in load_corpus(SETS[name])]
    except CorpusError as exc:
        print(f"the corpus is invalid:\n{exc}", file=sys.stderr)
        return 2
    chosen = [(name, k, c) for name, k, c in corpus if (not args.kind or k in args.kind)
              and (not args.id or c.id in args.id) and (c.ci or not args.ci_only)]
    if not chosen:
        print("no conversation matches", file=sys.stderr)
        return 2
    began = time.monotonic()
    results: dict[str, list[Result]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="eval-chat-") as folder, started_stack(Path(folder)) as stack:
        use_env(stack["env"])
        store_db.dispose_all()
        ready = time.monotonic()
        print(f"servers ready in {ready - began:.0f} s; playing {len(chosen)} conversations", flush=True)
        for n, (name, kind, conversation) in enumerate(chosen, start=1):
            result = play(kind, conversation, stack["settings"], tag=f"{n:03d}{int(began) % 100000}")
            results[name].append(result)
            mark = "ok  " if result.passed else "FAIL"
            shown = kind if name == "main" else f"{name}:{kind}"
            print(f"[{n:3d}/{len(chosen)}] {mark} {shown}/{conversation.id} ({result.seconds:.1f} s)", flush=True)
        played = time.monotonic() - ready
    everything = [r for name in names for r in results[name]]
    failures = [r for r in everything if not r.passed]
    if failures:
        print(f"\n{len(failures)} conversation(s) failed:\n")
        for result in failures:
            text = result.report()
            print(text.split("\n  transcript:")[0] if args.quiet else text, end="\n\n")
    for name in names:
        if results[name]:
            print(summary(results[name], title=f"{name} set ({SETS[name].relative_to(PROJECT_ROOT)})"), end="\n\n")
    print(f"played in {played:.0f} s ({played / len(everything):.1f} s a conversation); "
          f"{time.monotonic() - began:.0f} s with start-up")
    return 0


if __name__ == "__main__":
    sys.exit(main())
