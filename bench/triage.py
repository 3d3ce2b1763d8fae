"""Bulk triage throughput: texts per second per core, for one process and for two.

Generates a realistic corpus of feedback texts (default 1,000,000) as JSON lines, then runs the
same streaming path as `outreach triage FILE` (read JSON lines, diagnose, write JSON lines) in one
process over the whole corpus, and in two processes over one half each. Prints texts/s per core
and, for reference, how fast Python jieba alone segments the same texts.

    .venv/bin/python bench/triage.py [--texts 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


def split(path: Path, parts: int) -> list[Path]:
    lines = path.read_bytes().splitlines(keepends=True)
    size = (len(lines) + parts - 1) // parts
    paths = []
    for i in range(parts):
        part = path.with_suffix(f".part{i}.jsonl")
        part.write_bytes(b"".join(lines[i * size:(i + 1) * size]))
        paths.append(part)
    return paths


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

    halves = split(path, 2)
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

    reference = jieba_rate(texts)
    print(f"reference: Python jieba alone segments {reference:,.0f} texts/s on this machine")
    print(f"load average before the run: {load:.2f} on {os.cpu_count()} CPUs (per-core figures use CPU time, "
          "so other work on the machine lowers the wall figures, not these)")
    target = 50_000
    print(f"target {target:,} texts/s per core: {'met' if min(one, two) >= target else 'NOT met'}")
    if not args.keep:
        for p in [path, *halves]:
            p.unlink()
        folder.rmdir()
    else:
        print(f"corpus kept at {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
