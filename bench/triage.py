"""Bulk triage throughput: texts per second per core, for one process and for two, and on Dask.

Generates a realistic corpus of feedback texts (default 1,000,000) as JSON lines, then runs the
same streaming path as `outreach triage FILE` (read JSON lines, diagnose, write JSON lines) in one
process over the whole corpus, and in two processes over one half each. Then the corpus, split
into partitions, goes through `outreach triage DIR --workers N` (outreach.diagnosis.cluster, Dask
distributed) on a local cluster of 1 and of 2 worker processes, outputs written to a temporary
folder. Prints texts/s beside the single-process figure and, for reference, how fast Python jieba
alone segments the same texts.

    .venv/bin/python bench/triage.py [--texts 1000000] [--workers 1,2] [--partitions 8] [--keep]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from outreach.diagnosis import cluster  # noqa: E402
from outreach.diagnosis.classifier import Diagnoser  # noqa: E402
from outreach.diagnosis.stream import JsonLinesWriter, read_jsonl, run  # noqa: E402
from outreach.diagnosis.taxonomy import taxonomy  # noqa: E402
from outreach.diagnosis.training_data import labelled_examples  # noqa: E402

OPENERS = ["", "", "", "家人们，", "宝子们，", "主播，", "客服你好，", "说实话，", "唉，", "我想说一下，",
           "姐妹们避雷！", "第二次买了，", "给我妈买的，", "昨天直播间拍的，", "孩子帮我下的单，"]
CLOSERS = ["", "", "", "", "。", "！", "！！", "？", "😡", "😭", "👍", "🙄", "...", "，谢谢", "，麻烦处理一下",
           "，差评", "，好评", "，下次还来", "，怎么办", "，给个说法"]
DETAILS = ["订单号{n}", "{y}元买的", "￥{y}", "{d}号下的单", "买了{k}份", "顺丰", "中通", "快递是京东的", "{k}斤装"]


def corpus(n: int, seed: int = 2026) -> list[str]:
    """Feedback-like texts: labelled examples recombined with openers, details, closers and a
    second clause now and then, so lengths and mixtures look like a day of real feedback."""
    rng = random.Random(seed)
    texts = [text for text, _ in labelled_examples(taxonomy().ids)]
    out = []
    for _ in range(n):
        parts = [rng.choice(OPENERS), rng.choice(texts)]
        if rng.random() < 0.3:
            parts.append("，" + rng.choice(DETAILS).format(n=rng.randrange(10**11, 10**12), y=rng.randrange(9, 999),
                                                          d=rng.randrange(1, 29), k=rng.randrange(1, 10)))
        if rng.random() < 0.2:
            parts.append("，" + rng.choice(texts))
        parts.append(rng.choice(CLOSERS))
        out.append("".join(parts))
    return out


def write_corpus(path: Path, texts: list[str]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for i, text in enumerate(texts):
            handle.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")


def triage_file(path: str) -> tuple[int, float, float]:
    """The streaming triage of one file, output discarded; returns (texts, wall seconds, CPU seconds)."""
    diagnoser = Diagnoser.load()
    diagnoser.diagnose_many(["预热一下"])  # model loaded before the clock starts
    started, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb", buffering=1 << 20) as source, open(os.devnull, "w", encoding="utf-8") as sink:
        summary = run(read_jsonl(source), JsonLinesWriter(sink, detail=False), diagnoser, use_context=True)
    return summary.diagnosed, time.perf_counter() - started, time.process_time() - cpu


def split(path: Path, parts: int, tag: str = "part") -> list[Path]:
    lines = path.read_bytes().splitlines(keepends=True)
    size = (len(lines) + parts - 1) // parts
    paths = []
    for i in range(parts):
        part = path.with_suffix(f".{tag}{i}.jsonl")
        part.write_bytes(b"".join(lines[i * size:(i + 1) * size]))
        paths.append(part)
    return paths


def dask_rates(parts: list[Path], workers: list[int], single: float) -> list[Path]:
    """texts/s of the partitions on a local Dask cluster of each size, beside the single process.
    The wall time counts sending the model to the workers, not starting them."""
    diagnoser = Diagnoser.load()
    folders = []
    for count in workers:
        out = Path(tempfile.mkdtemp(prefix=f"outreach-bench-dask{count}-"))
        folders.append(out)
        with cluster.dask_client(None, count) as client:
            done = cluster.run(client, parts, out, diagnoser, cluster.Options(hurt_only=True))
        texts = done.totals()["diagnosed"]
        rate = texts / done.seconds
        print(f"dask, {count} worker{'s' if count > 1 else ' '}: {texts:,} texts in {len(parts)} partitions in "
              f"{done.seconds:.1f} s wall = {rate:,.0f} texts/s ({rate / count:,.0f} per worker; "
              f"{rate / single:.2f}x the single process' {single:,.0f}/s wall)")
    return folders


def jieba_rate(texts: list[str]) -> float:
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    sample = texts[:20000]
    started = time.perf_counter()
    for text in sample:
        jieba.lcut(text)
    return len(sample) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated corpus")
    parser.add_argument("--workers", default="1,2", help="local Dask cluster sizes to run (default 1,2; 0: none)")
    parser.add_argument("--partitions", type=int, default=8, help="partition files for the Dask runs")
    args = parser.parse_args()

    Diagnoser.load()  # the model in use, loaded once outside any measurement (a bad one stops here)
    folder = Path(tempfile.mkdtemp(prefix="outreach-bench-"))
    path = folder / "feedback.jsonl"
    started = time.perf_counter()
    texts = corpus(args.texts)
    write_corpus(path, texts)
    mean = sum(map(len, texts)) / len(texts)
    print(f"corpus: {len(texts):,} texts, mean {mean:.1f} characters, {path.stat().st_size / 1e6:.0f} MB "
          f"({time.perf_counter() - started:.1f} s to generate)")

    load = os.getloadavg()[0]
    done, seconds, cpu = triage_file(str(path))
    one = done / cpu
    print(f"1 process : {done:,} texts in {seconds:.1f} s wall, {cpu:.1f} s CPU = {one:,.0f} texts/s per core "
          f"({done / seconds:,.0f}/s wall)")

    halves = split(path, 2, "half")
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        started = time.perf_counter()
        results = pool.map(triage_file, [str(p) for p in halves])
        wall = time.perf_counter() - started
    total = sum(n for n, _, _ in results)
    cpu_total = sum(c for _, _, c in results)
    two = total / cpu_total
    print(f"2 processes: {total:,} texts in {wall:.1f} s wall, {cpu_total:.1f} s CPU = {two:,.0f} texts/s per core "
          f"({total / wall:,.0f}/s wall for the machine)")

    sizes = [int(n) for n in args.workers.split(",") if n.strip() and int(n) > 0]
    parts = split(path, args.partitions) if sizes else []
    outputs = dask_rates(parts, sizes, done / seconds) if sizes else []

    reference = jieba_rate(texts)
    print(f"reference: Python jieba alone segments {reference:,.0f} texts/s on this machine")
    print(f"load average before the run: {load:.2f} on {os.cpu_count()} CPUs (per-core figures use CPU time, "
          "so other work on the machine lowers the wall figures, not these)")
    target = 50_000
    print(f"target {target:,} texts/s per core: {'met' if min(one, two) >= target else 'NOT met'}")
    if not args.keep:
        for p in [path, *halves, *parts]:
            p.unlink()
        folder.rmdir()
    else:
        print(f"corpus kept at {path}")
    for out in outputs:
        shutil.rmtree(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
