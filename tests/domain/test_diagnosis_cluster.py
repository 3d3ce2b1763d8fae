"""Bulk triage on Dask distributed (outreach/diagnosis/cluster.py): each partition's output is what
the single-process stream writes for it, written once, also when the run is repeated."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from outreach.cli import main
from outreach.diagnosis import stream
from outreach.diagnosis.classifier import Diagnoser
from outreach.diagnosis.cluster import Options, output_for, partitions, run

PARTITIONS = {
    "a.jsonl": '{"id": 1, "text": "虾都死了，还发臭"}\n{"id": 2, "text": "很好吃，下次还来"}\nnot json\n'
               '{"id": 4, "text": "😭😭 晚了一周才到，还碎了两个"}\n',
    "b.csv": "id,text,age_band\n3,收到的螃蟹少了两只,60+\n5,\"=HYPERLINK(\"\"x\"\")\",\n6,衣服发错了颜色\n",
    "c.txt": "客服你好，面膜是假的吧\n\n" + "超长" * 3000 + "\n",
}


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local, \
            Client(local) as client:
        yield client


@pytest.fixture(scope="module")
def diagnoser() -> Diagnoser:
    return Diagnoser.load()


def write_partitions(folder: Path) -> Path:
    folder.mkdir()
    for name, text in PARTITIONS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def single_process(partition: Path, diagnoser: Diagnoser, options: Options) -> str:
    out = io.StringIO()
    with partition.open("rb") as source:
        records = stream.read_records(source, options.fmt, str(partition), options.text_field)
        stream.run(records, stream.JsonLinesWriter(out, options.detail), diagnoser, hurt_only=options.hurt_only,
                   use_context=True)
    return out.getvalue()


def test_each_partition_gets_the_single_process_output_with_its_line_errors(
        tmp_path: Path, cluster: Any, diagnoser: Diagnoser) -> None:
    parts = partitions(str(write_partitions(tmp_path / "in")))
    seen: list[tuple[int, int]] = []
    outcome = run(cluster, parts, tmp_path / "out", diagnoser, Options(),
                  progress=lambda done, total, _: seen.append((done, total)))
    assert [r.status for r in outcome.results] == ["done"] * 3 and seen[-1] == (3, 3)
    for part in parts:
        written = output_for(part, tmp_path / "out", "jsonl").read_text(encoding="utf-8")
        assert written == single_process(part, diagnoser, Options())
    assert '"line": 3, "error": "not valid JSON' in (tmp_path / "out" / "a.jsonl.jsonl").read_text(encoding="utf-8")
    assert '"error": "empty line"' in (tmp_path / "out" / "c.txt.jsonl").read_text(encoding="utf-8")
    assert outcome.totals()["errors"] == 2 and outcome.totals()["read"] == 10


def test_a_rerun_writes_only_the_partitions_not_complete_and_each_once(
        tmp_path: Path, cluster: Any, diagnoser: Diagnoser) -> None:
    parts = partitions(str(write_partitions(tmp_path / "in")))
    out = tmp_path / "out"
    run(cluster, parts, out, diagnoser, Options())
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    kept = output_for(parts[0], out, "jsonl")
    os.utime(kept, (1, 1))  # a rewrite would change it
    output_for(parts[1], out, "jsonl").unlink()  # as if the run had died before this partition's rename
    (out / ".b.csv.jsonl.tmp-dead0000beef").write_text('{"line": 2, "half": ', encoding="utf-8")

    again = run(cluster, parts, out, diagnoser, Options())
    assert [r.status for r in again.results] == ["skipped", "done", "skipped"]
    assert again.results[0].summary["read"] == 4  # the earlier run's figures, from its summary
    assert kept.stat().st_mtime == 1
    finals = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert finals == ["a.jsonl.jsonl", "b.csv.jsonl", "c.txt.jsonl"]
    assert {name: (out / name).read_bytes() for name in finals} == {k: v for k, v in first.items() if k in finals}


def test_a_partition_that_cannot_be_read_fails_alone_and_leaves_no_output(
        tmp_path: Path, cluster: Any, diagnoser: Diagnoser, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_partitions(tmp_path / "in")
    (folder / "d.csv").write_text("id,message\n1,坏了\n", encoding="utf-8")
    address = cluster.scheduler.address
    assert main(["triage", str(folder), "--cluster", address, "-o", str(tmp_path / "out"), "--all"]) == 1
    err = capsys.readouterr().err
    assert 'd.csv: FAILED (the CSV header has no "text" column' in err
    assert "4 partitions: 3 triaged, 0 already complete, 1 failed" in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")) == [
        "a.jsonl.jsonl", "b.csv.jsonl", "c.txt.jsonl"]
    assert not [p for p in (tmp_path / "out").iterdir() if ".tmp-" in p.name]
    every = (tmp_path / "out" / "a.jsonl.jsonl").read_text(encoding="utf-8")
    assert '"id": 2' in every  # --all: the unhurt too


def test_bulk_triage_needs_partition_files_and_an_output_folder(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["triage", "-", "--workers", "2", "-o", str(tmp_path)]) == 2
    assert main(["triage", str(tmp_path), "--workers", "2"]) == 2
    assert main(["triage", str(tmp_path / "none*.jsonl"), "--workers", "0", "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "not standard input" in err and "-o DIR" in err and "--workers 0" in err
