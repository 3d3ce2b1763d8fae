"""The weekly report is rendered for real (ECharts under Node for the charts, headless Chromium for
the PDF) and its text read back from the PDF with pdftotext."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from outreach.diagnosis.registry import load_diagnoser
from outreach.display import yuan
from outreach.reports.render import WEB_DIR
from outreach.reports.weekly import build, write_report
from tests.conftest import installed_or_skip

pytestmark = [
    installed_or_skip(Path("/usr/bin/chromium").exists(), reason="chromium missing: run `make system-deps`"),
    installed_or_skip(shutil.which("pdftotext") is not None, reason="pdftotext missing: run `make system-deps`"),
    installed_or_skip((WEB_DIR / "node_modules" / "echarts").is_dir(), reason="run `make web-deps`"),
]


def test_the_weekly_pdf_has_the_headlines_charts_and_outliers_a_lead_reads(db: str, tmp_path: Path) -> None:
    from outreach.demo.seed import seed

    seed()
    reader = load_diagnoser()
    data = build(reader=reader)
    total = data["report"]["total"]
    pdf = write_report(tmp_path / "weekly.pdf", reader=reader)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "主动关怀周报" in text and f"{data['filters']['since']} 至 {data['filters']['until']}" in text
    assert "本周要点" in text and yuan(total["paid_fen"]) in text
    assert f"{total['csat']:g}%（{total['ratings']}）" in text  # the rate with its count
    assert "推断结果单独列出，不计入问卷满意度" in text
    assert "湖畔渔家海鲜铺" in text and "近30天受伤率" in text  # the demo's bad shop, in plain words
    assert "每日满意度 CSAT" in text and "按问题类型：受伤案件" in text  # chart titles drawn in the SVGs
    html = write_report(tmp_path / "weekly.html", reader=reader).read_text(encoding="utf-8")
    assert html.count("<svg") >= 5 and "<script" not in html


def test_an_unknown_report_format_is_refused_with_the_formats_it_writes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.pdf or \.html"):
        write_report(tmp_path / "weekly.docx")
