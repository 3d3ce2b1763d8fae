"""The platform's rated-review export: JSON lines, CSV or TSV in; every bad line named; nothing
half-read; rows known by the hash of their text, a fixed fifth held back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from outreach.diagnosis.history import HistoryError, held_back, read_history, row_id


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_json_lines_with_ratings_or_labels(tmp_path: Path) -> None:
    lines = [
        {"text": "螃蟹全死了", "rating": 1},
        {"text": "很新鲜", "rating": 5},
        {"text": "一般般", "rating": 3},
        {"text": "发错货", "label": "hurt", "source": "goods:fruit"},
        {"text": "好评", "label": "OK"},
        {"text": "太慢了", "rating": "2"},
    ]
    path = write(tmp_path, "export.jsonl", "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n")
    history = read_history(path)
    assert [(r.text, r.hurt) for r in history.reviews] == [
        ("螃蟹全死了", True), ("很新鲜", False), ("发错货", True), ("好评", False), ("太慢了", True)]
    assert history.neutral == 1  # a 3-star review is neither hurt nor ok: left out
    assert history.reviews[2].source == "goods:fruit"
    assert history.reviews[0].row == row_id("螃蟹全死了")


def test_tsv_as_the_corpus_writes_it_and_csv_with_quotes(tmp_path: Path) -> None:
    tsv = write(tmp_path, "export.tsv", "text\tlabel\tsource\n不好吃\thurt\tfood_delivery\n好吃，\"推荐\"\tok\tfood\n")
    assert [(r.text, r.hurt) for r in read_history(tsv).reviews] == [("不好吃", True), ('好吃，"推荐"', False)]
    csv_file = write(tmp_path, "export.csv", 'text,rating\n"坏了, 两个",1\n"很好\n下次再来",5\n')
    reviews = read_history(csv_file).reviews
    assert [(r.text, r.hurt) for r in reviews] == [("坏了, 两个", True), ("很好\n下次再来", False)]


def test_the_format_is_recognised_without_a_known_file_name(tmp_path: Path) -> None:
    assert read_history(write(tmp_path, "a", '{"text": "差", "rating": 1}\n')).reviews[0].hurt
    assert read_history(write(tmp_path, "b", "text\trating\n好\t5\n")).reviews[0].hurt is False
    assert read_history(write(tmp_path, "c", "text,rating\n好,4\n")).reviews[0].hurt is False


def test_every_bad_line_is_named_and_nothing_is_read(tmp_path: Path) -> None:
    content = "\n".join([
        '{"text": "好", "rating": 5}',
        '{"text": "差", "rating": 7}',
        "not json",
        '{"text": "", "rating": 1}',
        '{"rating": 1}',
        '{"text": "中", "label": "meh"}',
        "",
        '{"text": "嗯"}',
        '{"text": "坏", "rating": 1.5}',
        "[1, 2]",
        '{"text": "\\ud800", "rating": 1}',
        '{"text": "好", "rating": ' + "9" * 5000 + "}",
        "[" * 100_000,
    ]) + "\n"
    with pytest.raises(HistoryError) as raised:
        read_history(write(tmp_path, "bad.jsonl", content))
    problems = raised.value.problems
    assert [problem.split(":")[0] for problem in problems] == [f"line {n}" for n in range(2, 14)]
    assert "outside 1-5" in problems[0]
    assert "not valid JSON" in problems[1]
    assert "empty text" in problems[2]
    assert "missing text" in problems[3]
    assert "neither hurt nor ok" in problems[4]
    assert "empty line" in problems[5]
    assert "no rating and no label" in problems[6]
    assert "whole number of stars" in problems[7]
    assert "expected a JSON object" in problems[8]
    assert "lone surrogate" in problems[9]
    assert "not valid JSON" in problems[10]  # a 5,000-digit number
    assert "not valid JSON" in problems[11]
    assert "nothing trained" in str(raised.value)


def test_bad_csv_rows_and_headers_are_named(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="line 3: 3 columns, the header has 2"):
        read_history(write(tmp_path, "x.csv", "text,rating\n好,5\n差,1,extra\n"))
    with pytest.raises(HistoryError, match="header must name a text column"):
        read_history(write(tmp_path, "y.csv", "review,stars\n好,5\n"))
    with pytest.raises(HistoryError, match="line 2: not valid UTF-8"):
        read_history(write(tmp_path, "z.tsv", b"text\trating\n\xff\xfe\t1\n"))
    with pytest.raises(HistoryError, match="no usable review"):
        read_history(write(tmp_path, "empty.tsv", "text\trating\n一般\t3\n"))


def test_a_fixed_fifth_of_rows_is_held_back_by_the_hash_of_the_text() -> None:
    rows = [row_id(f"评价{i}") for i in range(5000)]
    share = sum(held_back(row) for row in rows) / len(rows)
    assert 0.18 < share < 0.22
    assert row_id("螃蟹死了") == row_id("螃蟹死了") and len(row_id("x")) == 16
    assert held_back(row_id("评价1")) == held_back(row_id("评价1"))
