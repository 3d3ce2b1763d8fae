"""HTML building blocks for the dashboard. Everything shown passes through `esc`, which also
masks mobile numbers (buyers write them in chats and reviews; see outreach.dashboard.phones)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from typing import Any
from urllib.parse import urlencode

from outreach.dashboard.accounts import ROLE_ZH, StaffMember
from outreach.inbox.privacy import mask_phones


def esc(value: Any) -> str:
    return escape(mask_phones("" if value is None else str(value)), quote=True)


def fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    return f"{value:g}{unit}" if isinstance(value, float) else f"{value}{unit}"


def link(path: str, params: dict[str, Any] | None = None) -> str:
    query = urlencode({k: v for k, v in (params or {}).items() if v not in (None, "")})
    return esc(path + (f"?{query}" if query else ""))


def table(columns: list[tuple[str, str]], rows: Iterable[dict[str, Any]], table_id: str, raw: set[str] | None = None
          ) -> str:
    """columns: (key, Chinese header). Cells are escaped unless their key is in `raw` (pre-built HTML)."""
    raw = raw or set()
    head = "".join(f"<th>{esc(title)}</th>" for _, title in columns)
    body = []
    for row in rows:
        cells = "".join(
            f'<td data-col="{esc(key)}">{row.get(key, "") if key in raw else esc(row.get(key))}</td>'
            for key, _ in columns)
        body.append(f"<tr>{cells}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(columns)}" class="muted">没有符合条件的记录</td></tr>')
    return f'<table id="{esc(table_id)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def select(name: str, options: list[tuple[str, str]], chosen: str | None, label: str) -> str:
    items = ['<option value="">全部</option>'] + [
        f'<option value="{esc(v)}"{" selected" if v == chosen else ""}>{esc(t)}</option>' for v, t in options]
    return f'<label>{esc(label)}<select name="{esc(name)}">{"".join(items)}</select></label>'


FORM_TOKEN_FIELD = "csrf_token"


def post_form(action: str, member: StaffMember, inner: str, css_class: str = "") -> str:
    """A POST form of a signed-in page: it carries the session's form token (see accounts)."""
    css = f' class="{esc(css_class)}"' if css_class else ""
    return (f'<form method="post" action="{esc(action)}"{css}>'
            f'<input type="hidden" name="{FORM_TOKEN_FIELD}" value="{esc(member.form_token)}">{inner}</form>')


def chart(chart_id: str, option: dict[str, Any], size: str = "") -> str:
    """A chart the page's script draws with ECharts from `option` (outreach.dashboard.charts).
    The option is JSON in a non-executed script block; `<` is escaped so no text can end it."""
    data = json.dumps(option, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return (f'<figure class="echart {esc(size)}" id="{esc(chart_id)}"><div class="chart-box"></div>'
            f'<script type="application/json" class="chart-option">{data}</script></figure>')


CHART_SCRIPTS = ("/static/vendor/echarts.min.js", "/static/charts.js")


def page(title: str, body: str, member: StaffMember | None = None, notice: str = "",
         script: str | tuple[str, ...] = "") -> str:
    nav = ""
    if member is not None:
        lead = member.role == "lead"
        links = ([("/dashboard/", "总览"), ("/dashboard/merchants", "商家异常")] if lead else []) + [
            ("/dashboard/workspace", "客服工作台"), ("/dashboard/cases", "案件"), ("/dashboard/looks", "待人工判断")]
        items = "".join(f'<a href="{esc(href)}">{esc(text)}</a>' for href, text in links)
        nav = (f'<nav>{items}<span class="who">{esc(member.display_name)}（{esc(ROLE_ZH[member.role])}）</span>'
               + post_form("/dashboard/logout", member, '<button type="submit">退出</button>') + "</nav>")
    alert = f'<p class="notice" role="alert">{esc(notice)}</p>' if notice else ""
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{esc(title)} · 主动关怀数据看板</title><link rel="stylesheet" href="/static/dashboard.css"></head>'
        f'<body><header><h1>主动关怀数据看板</h1>{nav}</header><main><h2>{esc(title)}</h2>{alert}{body}</main>'
        + "".join(f'<script src="{esc(src)}"></script>' for src in ((script,) if isinstance(script, str) else script)
                  if src) + "</body></html>"
    )
