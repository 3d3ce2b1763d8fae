"""The platform's history: an export of rated reviews that the diagnosis model learns from.

Each row is a review's text with the buyer's star rating (1-5) or a hurt/ok label; JSON lines,
CSV or TSV (docs/data-formats.md). A row is known by the SHA-256 of its text (`row_id`), so labels
can point at rows without copying texts, and one fixed rule holds a fifth of the rows back for
evaluation: they are never trained on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

FORMATS = ("auto", "jsonl", "csv", "tsv")
HURT_RATINGS = frozenset({1, 2})
OK_RATINGS = frozenset({4, 5})
LABELS = {"hurt": True, "ok": False}
HELD_BACK_ONE_IN = 5
MAX_ERRORS = 50  # a broken file is reported in full up to this many lines


def row_id(text: str) -> str:
    """The id of an export row: the first 16 hex digits of the SHA-256 of its UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def held_back(row: str) -> bool:
    """Whether a row belongs to the fixed evaluation slice (one in five, by its id)."""
    return int(row, 16) % HELD_BACK_ONE_IN == 0


@dataclass(frozen=True)
class Review:
    line: int
    text: str
    hurt: bool
    row: str
    source: str | None = None


@dataclass
class History:
    path: Path
    sha256: str
    reviews: list[Review]
    neutral: int = 0  # 3-star rows: neither hurt nor ok, left out
    by_source: Counter = field(default_factory=Counter)


class HistoryError(ValueError):
    """The export cannot be used; `problems` lists every bad line found."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:MAX_ERRORS]
        more = f"\n... and {len(problems) - MAX_ERRORS} more" if len(problems) > MAX_ERRORS else ""
        super().__init__(f"{path}: {len(problems)} bad line(s), nothing trained:\n" + "\n".join(shown) + more)


def detect_format(path: Path, head: bytes) -> str:
    name = path.name.lower()
    for suffixes, kind in (((".jsonl", ".ndjson", ".json"), "jsonl"), ((".csv",), "csv"), ((".tsv", ".tab"), "tsv")):
        if name.endswith(suffixes):
            return kind
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"{":
        return "jsonl"
    first_line = stripped.split(b"\n", 1)[0]
    return "tsv" if b"\t" in first_line else "csv"


def _verdict(fields: dict, number: int) -> tuple[bool | None, str | None]:
    """(hurt, None), (None, None) for a neutral 3-star row, or (None, error)."""
    rating, label = fields.get("rating"), fields.get("label")
    if rating not in (None, ""):
        try:
            if isinstance(rating, bool) or (isinstance(rating, float) and not rating.is_integer()):
                raise ValueError
            value = int(str(rating).strip()) if isinstance(rating, str) else int(rating)
        except (ValueError, TypeError):
            return None, f"line {number}: rating {str(rating)[:20]!r} is not a whole number of stars 1-5"
        if value in HURT_RATINGS:
            return True, None
        if value in OK_RATINGS:
            return False, None
        if value == 3:
            return None, None
        return None, f"line {number}: rating {value} is outside 1-5"
    if label not in (None, ""):
        if str(label).strip().lower() in LABELS:
            return LABELS[str(label).strip().lower()], None
        return None, f"line {number}: label {str(label)[:20]!r} is neither hurt nor ok"
    return None, f"line {number}: no rating and no label: give a rating 1-5 or a label hurt/ok"


def _rows(path: Path, kind: str) -> Iterator[tuple[int, dict | None, str | None]]:
    """(line number, fields, error) for each data line of the file."""
    raw = path.read_bytes()
    if kind == "jsonl":
        lines = raw.split(b"\n")
        if lines and not lines[-1]:
            lines.pop()  # the file's final newline
        for number, line in enumerate(lines, start=1):
            line = line.rstrip(b"\r")
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line.strip():
                yield number, None, f"line {number}: empty line; remove it"
                continue
            try:
                fields = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError:
                yield number, None, f"line {number}: not valid UTF-8"
                continue
            except (ValueError, RecursionError) as error:
                yield number, None, f"line {number}: not valid JSON ({str(error)[:80]})"
                continue
            if not isinstance(fields, dict):
                yield number, None, f"line {number}: expected a JSON object with text and rating or label"
                continue
            yield number, fields, None
        return
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        yield line, None, f"line {line}: not valid UTF-8"
        return
    if kind == "tsv":  # one row per line, tab-separated, no quoting
        reader = csv.reader(io.StringIO(decoded, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(io.StringIO(decoded, newline=""))
    csv.field_size_limit(16 * 1024 * 1024)
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        return
    if "text" not in header or not ({"rating", "label"} & set(header)):
        yield 1, None, f"line 1: the header must name a text column and a rating or label column; it has {header}"
        return
    try:
        for values in reader:
            number = reader.line_num
            if not values or values == [""]:
                yield number, None, f"line {number}: empty line; remove it"
                continue
            if len(values) != len(header):
                yield number, None, f"line {number}: {len(values)} columns, the header has {len(header)}"
                continue
            yield number, dict(zip(header, values)), None
    except csv.Error as error:
        yield reader.line_num, None, f"line {reader.line_num}: {error}"


def read_history(path: Path | str, kind: str = "auto") -> History:
    """Every usable review of an export; any bad line fails the whole read (HistoryError)."""
    path = Path(path)
    data = path.read_bytes()
    if kind == "auto":
        kind = detect_format(path, data[:4096])
    if kind not in FORMATS[1:]:
        raise ValueError(f"unknown export format {kind!r}; use one of {', '.join(FORMATS[1:])}")
    reviews: list[Review] = []
    problems: list[str] = []
    neutral = 0
    by_source: Counter = Counter()
    for number, fields, error in _rows(path, kind):
        if error is not None or fields is None:
            problems.append(error or f"line {number}: unreadable")
            continue
        text = fields.get("text")
        if not isinstance(text, str):
            problems.append(f"line {number}: " + ("missing text" if text is None else "text must be a string"))
            continue
        if not text.strip():
            problems.append(f"line {number}: empty text")
            continue
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            problems.append(f"line {number}: text holds a lone surrogate (not valid Unicode)")
            continue
        hurt, error = _verdict(fields, number)
        if error:
            problems.append(error)
            continue
        if hurt is None:
            neutral += 1
            continue
        source = fields.get("source")
        source = str(source) if source not in (None, "") else None
        by_source[source or "-"] += 1
        reviews.append(Review(number, text, hurt, row_id(text), source))
    if problems:
        raise HistoryError(path, problems)
    if not reviews:
        raise HistoryError(path, ["no usable review in the file (every row was neutral or the file is empty)"])
    return History(path, hashlib.sha256(data).hexdigest(), reviews, neutral, by_source)
