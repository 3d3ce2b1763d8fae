"""`outreach diagnose` and `outreach triage FILE`: any size, JSON lines or CSV or plain lines, file
or standard input, a result or a clear error for every line, constant memory."""

from __future__ import annotations

import io
import json
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from outreach.cli import main
from outreach.diagnosis.classifier import Diagnoser
from outreach.diagnosis.stream import Progress, Record, run


def _rows(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_jsonl_file_every_line_gets_a_result_or_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = tmp_path / "feedback.jsonl"
    source.write_bytes(
        '{"id": "a1", "text": "收到的大闸蟹死了三只，还臭了"}\n'
        "\n"
        '{"id": 2, "text": "😡😡😡"}\n'
        "this is not json\n"
        '{"id": 3}\n'
        '{"id": 4, "text": 5}\n'.encode()
        + b'{"id": 5, "text": "\xff\xfe"}\n'
        + json.dumps({"id": 6, "text": "碎了" * 50_000}, ensure_ascii=False).encode() + b"\n"
        + b'[1, 2]\n'
    )
    assert main(["diagnose", str(source), "-q"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert [row["line"] for row in rows] == list(range(1, 10))
    assert rows[0]["id"] == "a1" and rows[0]["category"] == "spoiled" and rows[0]["hurt"] is True
    assert rows[1]["error"] == "empty line"
    assert rows[2]["category"] == "no_problem" and rows[2]["confidence"] == 0 and "nothing to read" in rows[2]["note"]
    assert rows[3]["error"].startswith("not valid JSON")
    assert rows[4] == {"line": 5, "id": 3, "error": 'missing field "text"'}
    assert rows[5]["error"] == '"text" must be a string'
    assert rows[6]["error"] == "not valid UTF-8"
    assert rows[7]["category"] == "damaged"
    assert rows[8]["error"] == "expected a JSON object per line"


def test_csv_with_quoted_newlines_short_rows_and_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = tmp_path / "feedback.csv"
    source.write_text('id,text\n1,"发错货了，\n我要的是黑色"\n2\n3,挺好的\n', encoding="utf-8")
    assert main(["diagnose", str(source), "--output-format", "csv", "--summary-json"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == ("line,id,category,labels,hurt,hurt_probability,decision,severity,confidence,model_version,"
                        "note,error")
    assert lines[1].startswith("2,1,wrong_item,") and ",true," in lines[1]
    assert lines[2].startswith("4,2,") and "missing columns: text" in lines[2]
    assert lines[3].startswith("5,3,no_problem,")
    summary = json.loads(captured.err.strip().splitlines()[-1])
    assert summary["diagnosed"] == 2 and summary["errors"] == 1 and summary["by_label"]["wrong_item"] == 1


def test_a_csv_without_the_text_column_is_refused_with_the_columns_it_has(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    source = tmp_path / "feedback.csv"
    source.write_text("id,comment\n1,碎了\n", encoding="utf-8")
    assert main(["diagnose", str(source)]) == 2
    err = capsys.readouterr().err
    assert 'no "text" column' in err and "id, comment" in err
    assert main(["diagnose", str(source), "--text-field", "comment", "-q"]) == 0
    assert _rows(capsys.readouterr().out)[0]["category"] == "damaged"


def test_standard_input_plain_lines(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    stdin = io.TextIOWrapper(io.BytesIO("螃蟹死了\n\n客服态度太差了\n".encode()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert main(["diagnose", "-q"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert [row.get("category", row.get("error")) for row in rows] == ["spoiled", "empty line", "service_attitude"]


def test_triage_prints_the_hurt_ones_with_severity_raised_for_elderly_buyers_and_large_orders(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    source = tmp_path / "feedback.jsonl"
    source.write_text(
        "\n".join(json.dumps(row, ensure_ascii=False) for row in [
            {"id": 1, "text": "螃蟹死了好几只", "age_band": "60+"},
            {"id": 2, "text": "很好吃，下次还买"},
            {"id": 3, "text": "螃蟹死了好几只", "order_total": "1200.50"},
            {"id": 4, "text": "螃蟹死了好几只", "order_total_fen": "lots"},
        ]) + "\n",
        encoding="utf-8",
    )
    assert main(["triage", str(source), "-q"]) == 0
    lean = _rows(capsys.readouterr().out)
    assert [row["id"] for row in lean] == [1, 3, 4] and "severity_reasons" not in lean[0]
    assert main(["triage", str(source), "-q", "--detail"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert [row["severity"] for row in rows[:2]] == [row["severity"] for row in lean[:2]]
    assert rows[0]["severity"] == 2 and "buyer aged 60+" in rows[0]["severity_reasons"]
    assert rows[1]["severity"] == 2 and "order above 1000 yuan" in rows[1]["severity_reasons"]
    assert "whole number of fen" in rows[2]["error"]


class _Counting:
    def __init__(self) -> None:
        self.rows = 0

    def write_results(self, records: list, results: list) -> int:
        self.rows += len(records)
        return len(records)


def test_memory_stays_flat_however_long_the_stream() -> None:
    diagnoser = Diagnoser.load()

    def records(n: int) -> Iterator[Record]:
        for i in range(n):
            yield Record(i + 1, text=f"第{i}单：箱子压坏了，杯子碎了{i % 7}个")

    def peak(n: int) -> int:
        tracemalloc.start()
        writer = _Counting()
        summary = run(records(n), writer, diagnoser, batch_size=2000)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert writer.rows == summary.diagnosed == n
        return top

    small, large = peak(20_000), peak(200_000)
    assert large < small * 1.5  # ten times the input, about the same memory


def test_the_progress_bar_shows_count_rate_and_share_of_the_file() -> None:
    out = io.StringIO()
    position = iter([500, 1000])
    progress = Progress(out, total_bytes=1000, position=lambda: next(position), enabled=True)
    progress.update(10, force=True)
    progress.finish(20)
    shown = out.getvalue()
    assert "\r" in shown and "50.0%" in shown and "100.0%" in shown and "texts" in shown
    quiet = io.StringIO()
    Progress(quiet, 1000, lambda: 0, enabled=False).finish(5)
    assert quiet.getvalue() == ""


def test_a_json_row_carries_exactly_what_the_diagnosis_says() -> None:
    from outreach.diagnosis.stream import JsonLinesWriter

    diagnoser = Diagnoser.load()
    texts = ["晚了一周才到，还碎了两个", "有点问题", "😡", "挺好的"]
    records = [Record(i + 1, text=text, id=f"f{i}") for i, text in enumerate(texts)]
    out = io.StringIO()
    JsonLinesWriter(out).write_results(records, list(diagnoser.diagnose_many(texts)))
    expected = [{"line": i + 1, "id": f"f{i}", **d.as_dict()} for i, d in enumerate(diagnoser.diagnose_many(texts))]
    assert _rows(out.getvalue()) == expected


def test_csv_output_quotes_ids_a_spreadsheet_would_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = tmp_path / "feedback.jsonl"
    source.write_text('{"id": "=HYPERLINK(\\"http://x\\")", "text": "螃蟹死了"}\n{"id": "@SUM(1)", "text": 5}\n',
                      encoding="utf-8")
    assert main(["diagnose", str(source), "--output-format", "csv", "-q"]) == 0
    lines = capsys.readouterr().out.split("\r\n")
    assert lines[1].startswith("1,\"'=HYPERLINK(")
    assert ",'@SUM(1)," in lines[2]
