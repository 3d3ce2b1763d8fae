"""Static renderings for reports: the dashboard's ECharts options as SVG (the same library under
Node, server-side), and an HTML page as PDF (Debian's headless Chromium through Playwright)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from outreach.settings import PROJECT_ROOT

WEB_DIR = PROJECT_ROOT / "web"
RENDERER = WEB_DIR / "render_charts.cjs"
CHROMIUM_ENV = "OUTREACH_CHROMIUM"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


class RenderError(RuntimeError):
    """A renderer is missing or failed; the message says what to install or run."""


def charts_to_svg(charts: list[tuple[dict[str, Any], int, int]], timeout: float = 60.0) -> list[str]:
    """(option, width, height) each -> an SVG string, by ECharts' server-side renderer."""
    node = shutil.which("node")
    if node is None:
        raise RenderError("node not found: run `make node-deps` (Debian's nodejs)")
    if not (WEB_DIR / "node_modules" / "echarts").is_dir():
        raise RenderError("ECharts is not installed: run `make web-deps`")
    payload = json.dumps([{"option": o, "width": w, "height": h} for o, w, h in charts], ensure_ascii=False)
    done = subprocess.run([node, str(RENDERER)], input=payload, capture_output=True, text=True, cwd=WEB_DIR,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise RenderError(f"chart rendering failed (node {RENDERER.name}): {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def html_to_pdf(html: str, out: Path) -> None:
    """Print the page to an A4 PDF in headless Chromium (OUTREACH_CHROMIUM, /usr/bin/chromium)."""
    chromium = Path(os.environ.get(CHROMIUM_ENV, "/usr/bin/chromium"))
    if not chromium.exists():
        raise RenderError(f"{chromium} not found: run `make browser-deps` (Debian's chromium) or set {CHROMIUM_ENV}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise RenderError("playwright is not installed: run `make setup` (it is in the dev extras)") from exc
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            page.pdf(path=str(out), format="A4", print_background=True,
                     margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"})
        finally:
            browser.close()
