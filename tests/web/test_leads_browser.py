"""What a support lead sees, in Debian's headless Chromium over the demo data: the overview with
its ECharts charts (a click on a bar opens the cases behind it), the outliers in plain words with
the statistics one click away, a case page in Chinese, and the weekly report. Screenshots go to
var/screenshots/ for a person to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from outreach.dashboard.accounts import add_user
from outreach.settings import PROJECT_ROOT
from outreach.store.db import session_scope
from outreach.store.models import Remedy
from outreach.web.app import VENDOR_FILES
from tests.conftest import installed_or_skip
from tests.web.test_dashboard_browser import ARGS, CHROMIUM, server  # noqa: F401 - the fixture

pytestmark = [
    installed_or_skip(CHROMIUM.exists(), reason="chromium missing: run `make system-deps`"),
    installed_or_skip(VENDOR_FILES["echarts.min.js"].exists(), reason="ECharts missing: run `make web-deps`"),
]
SHOTS = PROJECT_ROOT / "var" / "screenshots"
ENGLISH_WORDS = re.compile(r"\b(new|contacted|handed_over|closed|resolved|stands out|yuan|None|True|False|rated|inapp|"
                           r"buyer|agent|model|said)\b")


@pytest.fixture
def lead_page(server: str) -> Iterator[Any]:  # noqa: F811 - pytest fixture by name
    from playwright.sync_api import sync_playwright

    from outreach.demo.seed import seed

    seed()
    add_user("lead-b", "lead", "lead-password-b", "王主管")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1360, "height": 1000}, locale="zh-CN")
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(server + "/dashboard/login")
        page.fill("input[name=username]", "lead-b")
        page.fill("input[name=password]", "lead-password-b")
        page.click("button[type=submit]")
        page.wait_for_selector("[data-metric=cases]")
        page.server = server
        yield page
        browser.close()
        assert errors == []


def click_bar(page: Any, chart_id: str, series: int, value: float, category: int) -> None:
    """Click the middle of a bar, found through the chart's own coordinate system."""
    box = page.locator(f"#{chart_id} .chart-box")
    x, y = page.evaluate(
        "([id, s, v, c]) => echarts.getInstanceByDom(document.querySelector('#' + id + ' .chart-box'))"
        ".convertToPixel({seriesIndex: s}, [v, c])", [chart_id, series, value, category])
    bounds = box.bounding_box()
    page.mouse.click(bounds["x"] + x, bounds["y"] + y)


def test_the_overview_draws_every_chart_and_a_bar_opens_its_cases(lead_page: Any) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = lead_page
    for chart_id in ("chart-csat-daily", "chart-cases-daily", "chart-hurt-label", "chart-csat-channel",
                     "chart-hurt-merchant"):
        page.wait_for_selector(f"#{chart_id}[data-drawn] svg")
    days = page.evaluate("echarts.getInstanceByDom(document.querySelector('#chart-cases-daily .chart-box'))"
                         ".getOption().xAxis[0].data.length")
    assert days == 30  # every day of the default range, days without cases too
    text = page.inner_text("main")
    assert "赔付总额" in text and "元" in text and not ENGLISH_WORDS.search(text)
    page.screenshot(path=str(SHOTS / "lead-overview.png"), full_page=True)

    option = page.evaluate("echarts.getInstanceByDom(document.querySelector('#chart-hurt-label .chart-box'))"
                           ".getOption().series[0].data")
    top = len(option) - 1  # largest bar, drawn on top
    page.hover("#chart-hurt-label .chart-box")
    for _attempt in range(5):  # a click while the bars still grow in (a loaded machine) lands beside them
        click_bar(page, "chart-hurt-label", 0, option[top]["value"] / 2, top)
        try:
            page.wait_for_url(re.compile(r"/dashboard/cases\?.*label="), timeout=5000)
            break
        except PlaywrightTimeout:
            continue
    page.wait_for_url(re.compile(r"/dashboard/cases\?.*label="))
    label = re.search(r"label=([a-z_]+)", page.url)[1]
    assert page.locator("#cases tbody tr").count() >= option[top]["value"]
    shown = {cell.inner_text() for cell in page.locator("#cases td[data-col=label_zh]").all()}
    assert len(shown) == 1 and label not in shown  # the one Chinese label of the clicked bar


def test_outliers_read_in_plain_words_with_the_statistics_one_click_away(lead_page: Any) -> None:
    page = lead_page
    page.goto(page.server + "/dashboard/merchants")
    flagged = page.locator("#outliers li.flagged")
    assert flagged.count() >= 1
    summary = flagged.first.locator(".summary").inner_text()
    assert re.match(r"近30天受伤率 [\d.]+%，同类商家平均 [\d.]+%，\d+单里有\d+单", summary), summary
    assert "p =" not in page.inner_text("#outliers li.flagged .summary")
    details = flagged.first.locator("details")
    assert not details.locator("p").is_visible()
    details.locator("summary").click()
    assert "单侧二项检验" in details.locator("p").inner_text()
    page.screenshot(path=str(SHOTS / "lead-outliers.png"), full_page=True)
    flagged.first.locator("a", has_text="查看该商家的案件").click()
    page.wait_for_url(re.compile(r"/dashboard/cases\?.*merchant="))
    assert page.locator("#cases tbody tr").count() >= 1


def test_a_case_page_reads_in_chinese_with_local_times_and_yuan(lead_page: Any) -> None:
    page = lead_page
    with session_scope() as session:
        case_id = session.execute(select(Remedy.case_id).where(Remedy.status == "executed").order_by(Remedy.id)
                                  ).scalars().first()
    page.goto(f"{page.server}/dashboard/cases/{case_id}")
    facts = page.inner_text("dl.facts")
    assert "已关闭" in facts and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d\n", facts)
    assert not re.search(r"\d\d:\d\d:\d\d", facts)  # to the minute, no seconds or microseconds
    remedies = page.inner_text("#remedies")
    assert re.search(r"\d[\d,]*\.\d\d 元", remedies) and "_" not in remedies  # a rule title, not its id
    assert not ENGLISH_WORDS.search(page.inner_text("main"))
    page.screenshot(path=str(SHOTS / "lead-case.png"), full_page=True)


def test_the_weekly_report_shows_its_figures_charts_and_outliers(lead_page: Any, tmp_path: Path) -> None:
    from outreach.reports.weekly import write_report

    page = lead_page
    out = SHOTS.parent / "reports" / "weekly-browser.html"
    write_report(out)
    page.goto(out.as_uri())
    assert "主动关怀周报" in page.inner_text("h1")
    assert page.locator("figure.report-chart svg").count() >= 4
    assert "近30天受伤率" in page.inner_text("#outliers")  # the demo's bad seafood shop
    page.screenshot(path=str(SHOTS / "weekly-report.png"), full_page=True)
