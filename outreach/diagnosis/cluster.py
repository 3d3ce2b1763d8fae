"""Bulk triage of partitioned feedback on a Dask distributed cluster.

The input is a folder of files, a glob pattern or one file; each file is one partition (JSON
lines, CSV or plain lines, told apart as `outreach triage FILE` does). Each partition is
triaged by one task, with the same streaming code as the single-process path
(outreach.diagnosis.stream): per-line errors are rows of the output, never a stopped run.

Exactly once per partition, also on a rerun: a task writes its partition's output under a
temporary name in the output folder, then its summary, then renames the output into place
(`os.replace`, atomic on one file system). The output's final name is the proof that the
partition is complete: a rerun skips every partition whose output exists and does the others
again from the start. A run killed half way leaves at most hidden `.NAME.tmp-*` files, never a
partial output under the final name.

The model is loaded once by the caller and sent to every worker (`Client.scatter`), so all
partitions are diagnosed by the same model whatever the workers' own folders hold. Workers
must see the input and output folders at the same paths (a shared file system).
"""

from __future__ import annotations

import glob
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from outreach.diagnosis import stream
from outreach.diagnosis.classifier import Diagnoser

INPUT_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".txt")


class ClusterTriageError(ValueError):
    """The run as a whole cannot start; the message says what to fix."""


@dataclass(frozen=True)
class Options:
    fmt: str = "auto"
    text_field: str = "text"
    output_format: str = "jsonl"
    hurt_only: bool = True
    detail: bool = False


@dataclass
class PartitionResult:
    partition: str
    output: str
    status: str  # done, skipped (complete in an earlier run) or failed
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def line(self) -> str:
        if self.status == "failed":
            return f"{self.partition}: FAILED ({self.error}); nothing written, a rerun does it again"
        figures = (f"{self.summary.get('read', 0):,} texts, {self.summary.get('hurt', 0):,} hurt, "
                   f"{self.summary.get('errors', 0):,} lines with errors")
        return f"{self.partition}: {figures}" + (" (complete from an earlier run, skipped)"
                                                if self.status == "skipped" else "")


def partitions(source: str) -> list[Path]:
    """The input files: a folder's files, a glob's matches or one file, sorted by name."""
    path = Path(source)
    if path.is_dir():
        found = [p for p in path.iterdir() if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES]
    elif path.is_file():
        found = [path]
    else:
        found = [Path(p) for p in glob.glob(source) if Path(p).is_file()]
    if not found:
        raise ClusterTriageError(f"no input partitions at {source}: give a folder of .jsonl/.csv/.txt files, "
                                 "a glob pattern (quoted) or a file")
    return sorted(found)


def output_for(partition: Path, out_dir: Path, output_format: str) -> Path:
    """The output of one partition: its file name plus the output format (a.csv -> a.csv.jsonl)."""
    return out_dir / f"{partition.name}.{output_format}"


def summary_for(output: Path) -> Path:
    return output.with_name(f".{output.name}.summary.json")


def triage_partition(partition: str, output: str, diagnoser: Diagnoser, options: Options) -> PartitionResult:
    """One task: the partition's output once, under its final name only when complete."""
    final = Path(output)
    if final.exists():
        try:
            done = json.loads(summary_for(final).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            done = {}
        return PartitionResult(partition, output, "skipped", done)
    temporary = final.with_name(f".{final.name}.tmp-{uuid.uuid4().hex[:12]}")
    try:
        with open(partition, "rb", buffering=1 << 20) as source, \
                open(temporary, "w", encoding="utf-8", newline="") as out:
            records = stream.read_records(source, options.fmt, partition, options.text_field)
            writer = (stream.CsvWriter(out) if options.output_format == "csv"
                      else stream.JsonLinesWriter(out, options.detail))
            summary = stream.run(records, writer, diagnoser, hurt_only=options.hurt_only, use_context=True)
            out.flush()
            os.fsync(out.fileno())
        figures = summary.as_dict()
        _write_atomically(summary_for(final), json.dumps(figures, ensure_ascii=False))
        os.replace(temporary, final)  # the commit: from here on the partition is complete
        return PartitionResult(partition, output, "done", figures)
    except (OSError, stream.StreamError) as error:
        return PartitionResult(partition, output, "failed", error=str(error))
    finally:
        if temporary.exists():
            temporary.unlink()


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f"{path.name}.tmp-{uuid.uuid4().hex[:12]}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


@contextmanager
def dask_client(address: str | None, workers: int | None) -> Iterator[Any]:
    """A client of the cluster at `address`, or of a local cluster of `workers` processes with
    one thread each (the diagnosis holds the GIL: threads would not run in parallel)."""
    from distributed import Client, LocalCluster

    if address:
        try:
            client = Client(address, timeout=10)
        except (OSError, TimeoutError) as error:
            hint = "start one (`dask-scheduler`, then `dask-worker ADDRESS` on each machine) or use --workers N"
            raise ClusterTriageError(f"no Dask scheduler answers at {address} ({error}); {hint}") from error
        with client:
            yield client
        return
    local = LocalCluster(n_workers=workers or 1, threads_per_worker=1, processes=True, dashboard_address=None)
    with local, Client(local) as client:
        yield client


@dataclass
class Run:
    results: list[PartitionResult]
    seconds: float

    @property
    def failed(self) -> list[PartitionResult]:
        return [r for r in self.results if r.status == "failed"]

    def totals(self) -> dict[str, int]:
        keys = ("read", "diagnosed", "errors", "written", "hurt", "needs_look")
        return {key: sum(int(r.summary.get(key, 0)) for r in self.results if r.status == "done") for key in keys}

    def line(self) -> str:
        totals = self.totals()
        done = sum(r.status == "done" for r in self.results)
        skipped = sum(r.status == "skipped" for r in self.results)
        rate = totals["diagnosed"] / self.seconds if self.seconds > 0 else 0.0
        return (f"{len(self.results)} partitions: {done} triaged, {skipped} already complete, "
                f"{len(self.failed)} failed; {totals['diagnosed']:,} texts diagnosed in {self.seconds:.1f} s "
                f"({rate:,.0f} texts/s), {totals['hurt']:,} hurt, {totals['errors']:,} lines with errors")


def run(client: Any, parts: list[Path], out_dir: Path, diagnoser: Diagnoser, options: Options,
        progress: Callable[[int, int, PartitionResult], None] | None = None) -> Run:
    """Triage every partition on the client's cluster; progress(done, total, result) per partition."""
    from distributed import as_completed

    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    model = client.scatter(diagnoser, broadcast=True)
    futures = [client.submit(triage_partition, str(part), str(output_for(part, out_dir, options.output_format)),
                             model, options, key=f"triage-{uuid.uuid4().hex}", pure=False) for part in parts]
    results = []
    for future in as_completed(futures):
        result = future.result()
        results.append(result)
        if progress:
            progress(len(results), len(futures), result)
    order = {str(part): i for i, part in enumerate(parts)}
    results.sort(key=lambda r: order[r.partition])
    return Run(results, time.perf_counter() - started)


def command(args: Any) -> int:
    """`outreach triage INPUT --cluster ADDRESS | --workers N -o DIR`: exit 0 when every partition is
    complete, 1 when some failed (a rerun does only those), 2 when the run cannot start."""
    import sys

    if not args.input or args.input == "-":
        print("error: bulk triage on a cluster reads partition files: give a folder, a glob or a file, "
              "not standard input", file=sys.stderr)
        return 2
    if not args.output:
        print("error: give the output folder with -o DIR: one output file per input partition", file=sys.stderr)
        return 2
    if args.workers is not None and args.workers < 1:
        print(f"error: --workers {args.workers}: give at least 1", file=sys.stderr)
        return 2
    options = Options(args.format, args.text_field, args.output_format, hurt_only=not args.all, detail=args.detail)
    out_dir = Path(args.output)
    if out_dir.exists() and not out_dir.is_dir():
        print(f"error: -o {out_dir} is a file; bulk triage on a cluster writes a folder", file=sys.stderr)
        return 2

    def progress(done: int, total: int, result: PartitionResult) -> None:
        if not args.quiet:
            print(f"[{done}/{total}] {result.line()}", file=sys.stderr, flush=True)

    try:
        parts = partitions(args.input)
        diagnoser = Diagnoser.load()
        with dask_client(args.cluster, args.workers) as client:
            outcome = run(client, parts, out_dir, diagnoser, options, progress)
    except ClusterTriageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.summary_json:
        print(json.dumps({"partitions": [vars(r) for r in outcome.results], "totals": outcome.totals(),
                          "seconds": round(outcome.seconds, 3)}, ensure_ascii=False), file=sys.stderr)
    elif not args.quiet:
        print(outcome.line(), file=sys.stderr)
    return 1 if outcome.failed else 0
