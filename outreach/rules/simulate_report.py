"""The simulator's report as a table for people."""

from __future__ import annotations

import unicodedata
from typing import Any

from outreach.rules.engine import yuan


def _change(old: int, new: int, money: bool = False) -> str:
    show = yuan if money else str
    delta = new - old
    sign = "+" if delta > 0 else "-" if delta < 0 else "±"
    return f"{show(old)} -> {show(new)} ({sign}{show(abs(delta))})"


def _pad(text: str, width: int) -> str:
    """Left-align for a terminal: Chinese characters take two columns."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 0)


def _table(title: str, rows: dict[str, dict[str, int]]) -> list[str]:
    head = f"{title:<22} {'cases':>5}  {'paid yuan':<30} {'to approve yuan':<30} {'auto-resolved':<18} " \
           f"{'to a person':<18} {'ask buyer':<14}"
    lines = [head, "-" * len(head)]
    for name, r in rows.items():
        lines.append(
            f"{_pad(name[:22], 22)} {r['cases']:>5}  {_change(r['paid_fen_old'], r['paid_fen_new'], True):<30} "
            f"{_change(r['approval_fen_old'], r['approval_fen_new'], True):<30} "
            f"{_change(r['auto_old'], r['auto_new']):<18} {_change(r['person_old'], r['person_new']):<18} "
            f"{_change(r['ask_old'], r['ask_new']):<14}"
        )
    return lines


def render(report: dict[str, Any]) -> str:
    total = report["total"]
    since = f" since {report['since']}" if report["since"] else ""
    lines = [
        f"replayed {total['cases']} cases{since} under {', '.join(report['rules'])} (today's rules -> new rules); "
        f"{total['changed']} would change",
        f"money paid without a person: {_change(total['paid_fen_old'], total['paid_fen_new'], True)} yuan; "
        f"waiting for approval: {_change(total['approval_fen_old'], total['approval_fen_new'], True)} yuan",
        f"auto-resolved: {_change(total['auto_old'], total['auto_new'])}; to a person: "
        f"{_change(total['person_old'], total['person_new'])}; bot asks the buyer first: "
        f"{_change(total['ask_old'], total['ask_new'])}",
        "",
        *_table("by label", report["by_label"]),
        "",
        *_table("by merchant", report["by_merchant"]),
    ]
    if report["changed_examples"]:
        lines += ["", "cases that would change (first ones):"]
        for c in report["changed_examples"]:
            old, new = c["old"], c["new"]
            lines.append(f"  case {c['case_id']} {c['label']} ({c['merchant']}): {old['kind']} {old['rule'] or '-'} "
                         f"{yuan(old['paid_fen'] or old['approval_fen'])} -> {new['kind']} {new['rule'] or '-'} "
                         f"{yuan(new['paid_fen'] or new['approval_fen'])} yuan")
    return "\n".join(lines)
