"""Streaming diagnosis and triage of feedback of any size: JSON lines, CSV or plain lines in,
JSON lines or CSV out, in constant memory, with per-line errors that never stop the stream."""

from __future__ import annotations

import contextlib
import csv
import ctypes
import gc
import io
import itertools
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from outreach.csv_export import cell
from outreach.diagnosis.classifier import Diagnoser, Diagnosis
from outreach.diagnosis.decisions import Decision

BATCH = 4096
FORMATS = ("auto", "jsonl", "csv", "lines")
CSV_FIELD_LIMIT = 16 * 1024 * 1024
OUTPUT_COLUMNS = ("line", "id", "category", "labels", "hurt", "hurt_probability", "decision", "severity", "confidence",
                  "model_version", "note", "error")


class StreamError(ValueError):
    """The input as a whole cannot be read (for example a CSV header without a text column)."""


@dataclass(slots=True)
class Record:
    line: int
    text: str | None = None
    id: Any = None
    age_band: str | None = None
    order_total_fen: int | None = None
    error: str | None = None


@dataclass
class Summary:
    read: int = 0
    diagnosed: int = 0
    errors: int = 0
    written: int = 0
    hurt: int = 0
    needs_look: int = 0
    seconds: float = 0.0
    by_label: Counter = field(default_factory=Counter)
    by_severity: Counter = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.diagnosed / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "diagnosed": self.diagnosed,
            "errors": self.errors,
            "written": self.written,
            "hurt": self.hurt,
            "needs_look": self.needs_look,
            "seconds": round(self.seconds, 3),
            "texts_per_second": round(self.rate),
            "by_label": dict(self.by_label.most_common()),
            "by_severity": {str(k): v for k, v in sorted(self.by_severity.items())},
        }

    def line(self) -> str:
        hurt = f"{self.hurt / self.diagnosed:.1%}" if self.diagnosed else "0%"
        return (
            f"{self.diagnosed:,} texts diagnosed in {self.seconds:.1f} s ({self.rate:,.0f} texts/s), "
            f"{self.hurt:,} hurt ({hurt}), {self.needs_look:,} for a person to look at, "
            f"{self.errors:,} lines with errors"
        )


# --- reading -----------------------------------------------------------------------------------


def detect_format(name: str | None, head: bytes) -> str:
    """The input format from the file name, else from the first bytes."""
    if name:
        lowered = name.lower()
        if lowered.endswith((".jsonl", ".ndjson", ".json")):
            return "jsonl"
        if lowered.endswith(".csv"):
            return "csv"
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first == b"{":
        return "jsonl"
    first_line = head.split(b"\n", 1)[0].strip().lower()
    if any(column.strip().strip(b'"') == b"text" for column in first_line.split(b",")) and b"," in first_line:
        return "csv"
    return "lines"


def _context(record: Record, fields: dict[str, Any]) -> None:
    """Buyer age band and order total (fen, or yuan as `order_total`), when the input has them."""
    age = fields.get("age_band")
    if age not in (None, ""):
        record.age_band = str(age)
    fen = fields.get("order_total_fen")
    yuan = fields.get("order_total")
    try:
        if fen not in (None, ""):
            if isinstance(fen, bool) or (isinstance(fen, float) and not fen.is_integer()):
                raise ValueError
            record.order_total_fen = int(fen)
        elif yuan not in (None, ""):
            record.order_total_fen = int((Decimal(str(yuan)) * 100).to_integral_value())
    except (ValueError, InvalidOperation):
        record.error = "order_total_fen must be a whole number of fen (or order_total in yuan)"


def _from_fields(number: int, fields: Any, text_field: str) -> Record:
    if type(fields) is not dict:
        return Record(number, error="expected a JSON object per line")
    text = fields.get(text_field)
    if type(text) is str:
        record = Record(number, text, fields.get("id"))
        if len(fields) > 2 or "id" not in fields:  # more than id and text: buyer and order context
            _context(record, fields)
        return record
    if text is None:
        return Record(number, id=fields.get("id"), error=f'missing field "{text_field}"')
    return Record(number, id=fields.get("id"), error=f'"{text_field}" must be a string')


def _jsonl_line(number: int, raw: bytes, text_field: str) -> Record:
    if not raw.strip():
        return Record(number, error="empty line")
    try:
        fields = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return Record(number, error="not valid UTF-8")
    except ValueError as error:
        return Record(number, error=f"not valid JSON ({error.args[0] if error.args else error})")
    return _from_fields(number, fields, text_field)


def read_jsonl(stream: IO[bytes], text_field: str = "text", chunk: int = 1024) -> Iterator[Record]:
    """Records from JSON lines. Lines are parsed a chunk at a time as one JSON array (one call into
    the C parser); a chunk with any bad line is parsed line by line to say which line is bad."""
    number = 0
    lines = iter(stream)
    while True:
        block = [raw.rstrip(b"\r\n") for raw in itertools.islice(lines, chunk)]
        if not block:
            return
        if number == 0 and block[0].startswith(b"\xef\xbb\xbf"):
            block[0] = block[0][3:]
        values = None
        if all(block):
            try:
                values = json.loads(b"[" + b",".join(block) + b"]")
            except ValueError:  # also invalid UTF-8
                values = None
            if values is not None and len(values) != len(block):
                values = None
        if values is None:
            for raw in block:
                number += 1
                yield _jsonl_line(number, raw, text_field)
        else:
            for fields in values:
                number += 1
                yield _from_fields(number, fields, text_field)


def read_lines(stream: IO[bytes]) -> Iterator[Record]:
    for number, raw in enumerate(stream, start=1):
        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            yield Record(number, error="not valid UTF-8")
            continue
        if not text.strip():
            yield Record(number, error="empty line")
        else:
            yield Record(number, text=text)


def _has_surrogates(values: Iterable[Any]) -> bool:
    for value in values:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def read_csv(stream: IO[bytes], text_field: str = "text") -> Iterator[Record]:
    csv.field_size_limit(CSV_FIELD_LIMIT)
    text_stream = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(text_stream)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as error:
        raise StreamError(f"the CSV header cannot be read: {error}") from None
    columns = [name.strip() for name in header]
    if text_field not in columns:
        raise StreamError(
            f'the CSV header has no "{text_field}" column (columns: {", ".join(columns) or "none"}); '
            f"name the column with --text-field"
        )
    while True:
        number = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Record(number, error=f"not valid CSV ({error})")
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            yield Record(number, error="empty line")
            continue
        if _has_surrogates(row):
            yield Record(number, error="not valid UTF-8")
            continue
        if len(row) < len(columns):
            missing = ", ".join(columns[len(row) :])
            if text_field in columns[len(row) :]:
                yield Record(number, id=dict(zip(columns, row)).get("id"), error=f"missing columns: {missing}")
                continue
        yield _from_fields(number, dict(zip(columns, row)), text_field)


def read_records(stream: IO[bytes], fmt: str, name: str | None, text_field: str = "text") -> Iterator[Record]:
    if fmt == "auto":
        head = stream.peek(4096)[:4096] if hasattr(stream, "peek") else b""
        fmt = detect_format(name, head)
    if fmt == "jsonl":
        return read_jsonl(stream, text_field)
    if fmt == "csv":
        return read_csv(stream, text_field)
    if fmt == "lines":
        return read_lines(stream)
    raise StreamError(f"unknown input format {fmt!r}; use one of {', '.join(FORMATS)}")


# --- writing -----------------------------------------------------------------------------------


class _Fragments:
    """JSON fragments of label and reason tuples, made once: the values repeat over millions of rows."""

    LIMIT = 10_000  # reasons carry the buyer's age band: bound the cache whatever the input

    def __init__(self) -> None:
        self.cache: dict[tuple, str] = {}

    def __call__(self, values: tuple) -> str:
        fragment = self.cache.get(values)
        if fragment is None:
            if len(self.cache) >= self.LIMIT:
                self.cache.clear()
            fragment = self.cache[values] = json.dumps(list(values), ensure_ascii=False)
        return fragment


_DECISION_TEXT = {decision: decision.value for decision in Decision}  # .value per record costs 2 % of triage


class JsonLinesWriter:
    """One JSON object per record: the fields of Diagnosis.as_dict (built without a dict), or with
    detail=False only what triage needs (labels, hurt, severity, confidence, note)."""

    def __init__(self, out: IO[str], detail: bool = True) -> None:
        self.out = out
        self.detail = detail
        self.fragment = _Fragments()

    def write_results(self, records: list[Record], results: list[Diagnosis | None]) -> int:
        dumps, fragment, decision_text = json.dumps, self.fragment, _DECISION_TEXT
        parts = []
        for record, d in zip(records, results):
            identifier = record.id
            if identifier is None:
                head = f'{{"line": {record.line}'
            elif type(identifier) is int:
                head = f'{{"line": {record.line}, "id": {identifier}'
            else:
                head = f'{{"line": {record.line}, "id": {dumps(identifier, ensure_ascii=False)}'
            if d is None:
                parts.append(f'{head}, "error": {dumps(record.error, ensure_ascii=False)}}}\n')
                continue
            note = f', "note": {dumps(d.note)}' if d.note else ""
            if d.language != "zh":
                note = f', "language": "{d.language}"{note}'
            common = (f'{head}, "category": "{d.category}", "labels": {fragment(d.labels or (d.category,))}, '
                      f'"hurt": {"true" if d.hurt else "false"}, "hurt_probability": {d.hurt_probability:.3f}, '
                      f'"decision": "{decision_text[d.decision]}", "severity": {d.severity}, '
                      f'"confidence": {d.confidence:.3f}, "model_version": "{d.model_version}"')
            if not self.detail:
                parts.append(f"{common}{note}}}\n")
                continue
            alternatives = d.alternatives
            if len(alternatives) == 2:
                (a, pa), (b, pb) = alternatives
                listed = (f'[{{"category": "{a}", "confidence": {pa:.3f}}}, '
                          f'{{"category": "{b}", "confidence": {pb:.3f}}}]')
            else:
                listed = "[" + ", ".join(f'{{"category": "{c}", "confidence": {p:.3f}}}' for c, p in alternatives) + "]"
            parts.append(
                f'{common}, "severity_reasons": {fragment(d.severity_reasons)}, "alternatives": {listed}{note}}}\n'
            )
        self.out.write("".join(parts))
        return len(parts)


class CsvWriter:
    """CSV output through the exports' cell rules (outreach.csv_export): an id or a message that a
    spreadsheet would run as a formula is quoted, rows end in CRLF."""

    def __init__(self, out: IO[str]) -> None:
        self.writer = csv.writer(out, lineterminator="\r\n")
        self.writer.writerow(OUTPUT_COLUMNS)

    def write_results(self, records: list[Record], results: list[Diagnosis | None]) -> int:
        rows = []
        for record, d in zip(records, results):
            identifier = cell(record.id)
            if d is None:
                rows.append([record.line, identifier, "", "", "", "", "", "", "", "", "", cell(record.error)])
            else:
                rows.append([record.line, identifier, d.category, ";".join(d.labels or (d.category,)),
                             "true" if d.hurt else "false", f"{d.hurt_probability:.3f}", d.decision.value, d.severity,
                             f"{d.confidence:.3f}", d.model_version, cell(d.note), ""])
        self.writer.writerows(rows)
        return len(rows)


# --- progress ----------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on a terminal: texts done, rate, and share of the file read."""

    def __init__(self, out: IO[str], total_bytes: int | None, position: Any, enabled: bool) -> None:
        self.out = out
        self.total = total_bytes
        self.position = position
        self.enabled = enabled
        self.started = time.monotonic()
        self.last = 0.0

    def update(self, done: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.2:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        text = f"{done:>12,} texts  {rate:>9,.0f}/s"
        if self.total:
            try:
                share = min(1.0, self.position() / self.total)
            except (OSError, ValueError):
                share = None
            if share is not None:
                filled = int(share * 30)
                text += f"  [{'#' * filled}{'.' * (30 - filled)}] {share:6.1%}"
        self.out.write("\r" + text)
        self.out.flush()

    def finish(self, done: int) -> None:
        if self.enabled:
            self.update(done, force=True)
            self.out.write("\n")
            self.out.flush()


# --- the stream ----------------------------------------------------------------------------------


@contextlib.contextmanager
def bulk_memory() -> Iterator[None]:
    """Memory settings for a long stream of small batches.

    - The objects alive before the stream (model, taxonomy, whatever the caller holds) are moved
      out of the garbage collector's sight (gc.freeze) and young collections run less often:
      otherwise the collector re-walks them many times a second for nothing.
    - glibc keeps freed numpy buffers instead of unmapping them after every batch and faulting
      fresh pages in for the next one (Linux only; elsewhere nothing changes).
    """
    _keep_freed_buffers()
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, threshold[1], threshold[2])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


_tuned = False


def _keep_freed_buffers() -> None:
    global _tuned
    if _tuned or not sys.platform.startswith("linux"):
        return
    _tuned = True
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
        libc.mallopt(m_mmap_threshold, 256 << 20)
        libc.mallopt(m_trim_threshold, 512 << 20)
        libc.mallopt(m_top_pad, 64 << 20)
    except (OSError, AttributeError):  # not glibc: keep the defaults
        pass


def run(
    records: Iterable[Record],
    writer: JsonLinesWriter | CsvWriter,
    diagnoser: Diagnoser,
    *,
    hurt_only: bool = False,
    use_context: bool = False,
    progress: Progress | None = None,
    batch_size: int = BATCH,
) -> Summary:
    """Diagnose records batch by batch and write a result (or error) row per record."""
    summary = Summary()
    started = time.monotonic()
    batch: list[Record] = []

    def flush() -> None:
        good = [record for record in batch if record.error is None]
        contexts = [(r.age_band, r.order_total_fen) for r in good] if use_context else None
        diagnoses = diagnoser.diagnose_many([r.text or "" for r in good], contexts=contexts)
        summary.diagnosed += len(diagnoses)
        summary.errors += len(batch) - len(good)
        summary.by_label.update(d.category for d in diagnoses)
        hurt = [d for d in diagnoses if d.hurt]
        summary.hurt += len(hurt)
        summary.needs_look += sum(d.decision is Decision.LOOK for d in diagnoses)
        summary.by_severity.update(d.severity for d in hurt)
        if len(good) == len(batch) and not hurt_only:
            shown, results = batch, list(diagnoses)
        else:
            # Errors are always shown: nothing is skipped silently. Triage leaves out the unhurt
            # (but not what a person must look at).
            found = iter(diagnoses)
            shown, results = [], []
            for record in batch:
                diagnosis = None if record.error is not None else next(found)
                if diagnosis is not None and hurt_only and not (diagnosis.hurt or diagnosis.decision is Decision.LOOK):
                    continue
                shown.append(record)
                results.append(diagnosis)
        summary.written += writer.write_results(shown, results)
        batch.clear()
        if progress:
            progress.update(summary.read)

    with bulk_memory():
        for record in records:
            summary.read += 1
            batch.append(record)
            if len(batch) >= batch_size:
                flush()
        flush()
    summary.seconds = time.monotonic() - started
    if progress:
        progress.finish(summary.read)
    return summary


def open_input(path: str | None) -> tuple[IO[bytes], str | None, int | None]:
    """The binary input stream, its name and its size when it is a regular file."""
    if path in (None, "-"):
        stream = sys.stdin.buffer
        try:
            size = os.fstat(stream.fileno()).st_size or None
        except (OSError, ValueError):
            size = None
        return stream, None, size
    stream = open(path, "rb", buffering=1 << 20)  # noqa: SIM115 - closed by the caller
    return stream, path, os.fstat(stream.fileno()).st_size or None
