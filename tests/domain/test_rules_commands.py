"""`outreach rules check`, `remedy quote`, `approvals` and `rules simulate`, run in-process."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from outreach.cases.conversation import accept, choose_problem, decline, give_affected_quantity
from outreach.cli import main
from outreach.rules.loader import DEFAULT_PATH, RulesError, load_rules
from outreach.store.types import utcnow
from tests.factories import make_case


def defaults() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict | str, name: str = "rules.yml") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def line_containing(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_rules_check_accepts_the_defaults(capsys) -> None:
    assert main(["rules", "check", str(DEFAULT_PATH)]) == 0
    assert "24 rules for 11 labels" in capsys.readouterr().out


def test_rules_check_reports_every_problem_with_file_line_and_a_plain_explanation(tmp_path: Path, capsys) -> None:
    data = defaults()
    data["auto_approval_cap_fen"] = -1
    data["remedies"]["spoiled"][1]["kind"] = "free_iphone"
    data["remedies"]["damaged"][0]["when"] = ["delivered", "on_tuesdays"]
    data["remedies"]["wrong_item"][0]["colour"] = "red"
    path = write(tmp_path, data)
    assert main(["rules", "check", str(path)]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 4
    expected = [
        (line_containing(path, "auto_approval_cap_fen"), "auto_approval_cap_fen", "greater than or equal to 0"),
        (line_containing(path, "free_iphone"), "remedies.spoiled.1.kind", "permitted"),
        (line_containing(path, "on_tuesdays"), "remedies.damaged.0.when.1", "permitted"),
        (line_containing(path, "colour"), "remedies.wrong_item.0.colour", "unknown key"),
    ]
    for line, where, explanation in expected:
        assert any(f"{path}:{line}: {where}: " in e and explanation in e for e in errors), (line, where, errors)


def test_meaning_problems_are_located_too(tmp_path: Path) -> None:
    data = defaults()
    data["remedies"]["price_issue"][0]["issues"] = ["double_charge", "charged_thrice"]
    data["remedies"]["quality_defect"][0]["say"] = "退款{amonut}元"
    data["person_first"]["tired_buyer"] = "x"
    path = write(tmp_path, data)
    with pytest.raises(RulesError) as raised:
        load_rules(path)
    problems = raised.value.problems
    issues_key = line_containing(path, "charged_thrice") - 2  # "issues:" above "- double_charge"
    assert any(p.startswith(f"{path}:{issues_key}: remedies.price_issue.0.issues:") and "charged_thrice" in p
               for p in problems)
    assert any(p.startswith(f"{path}:{line_containing(path, '{amonut}')}:") and "amonut" in p for p in problems)
    assert any(p.startswith(f"{path}:{line_containing(path, 'tired_buyer')}:") and "unknown label" in p
               for p in problems)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "auto_approval_cap_fen: 20000\nremedies:\n  spoiled: [\n    {id: x\n")
    with pytest.raises(RulesError, match=rf"{path}:\d+: not valid YAML"):
        load_rules(path)


def test_a_later_file_overrides_settings_and_single_labels_and_errors_name_that_file(tmp_path: Path) -> None:
    override = write(tmp_path, "auto_approval_cap_fen: 50000\nremedies:\n  service_attitude: []\n", "local.yml")
    book = load_rules(DEFAULT_PATH, override)
    assert book.auto_approval_cap_fen == 50000
    assert book.remedies["service_attitude"] == [] and book.remedies["spoiled"]
    broken = write(tmp_path, "late_compensation:\n  percent: 500\n  min_fen: 500\n  max_fen: 3000\n", "bad.yml")
    with pytest.raises(RulesError) as raised:
        load_rules(DEFAULT_PATH, broken)
    assert raised.value.problems[0].startswith(f"{broken}:2: late_compensation.percent")


def test_an_invalid_rules_file_stops_start_up(tmp_path: Path, monkeypatch) -> None:
    from outreach.rules import loader

    monkeypatch.setenv(loader.RULES_ENV, str(write(tmp_path, "remedies: {}\n")))
    loader.rules.cache_clear()
    try:
        with pytest.raises(RulesError, match="auto_approval_cap_fen"):
            loader.rules()
    finally:
        monkeypatch.delenv(loader.RULES_ENV)
        loader.rules.cache_clear()


CRABS = {"case_id": "C-1", "label": "spoiled", "order_total_fen": 39800, "unit_price_fen": 3980, "quantity": 10,
         "unit": "只", "item_kind": "seafood", "live_seafood": True, "promises": ["crab_guarantee"],
         "paid_at": "2026-11-17T10:00:00+08:00", "shipped_at": "2026-11-18T09:00:00+08:00",
         "delivered_at": "2026-11-20T10:00:00+08:00", "reported_at": "2026-11-20T15:00:00+08:00"}


def test_remedy_quote_prints_the_offers_as_json(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, json.dumps({**CRABS, "affected_quantity": 3}), "case.json")
    assert main(["remedy", "quote", str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["case_id"] == "C-1" and result["missing_facts"] == []
    assert [(o["rule_id"], o["amount_fen"], o["coupon_fen"], o["needs_approval"]) for o in result["offers"]] == [
        ("spoiled_crab_guarantee", 11940, 1000, False), ("spoiled_reship_share", 0, 0, False)]
    assert "3只" in result["offers"][0]["say"]


def test_remedy_quote_shares_the_order_total_of_a_one_line_order_as_the_bot_does(tmp_path: Path, capsys) -> None:
    """3 bowls for 59.90 (19.97 each is rounded), 2 broken: 59.90 x 2/3 = 39.93, as a stored
    order of one line gives; unit price x pieces would give 39.94."""
    bowls = {"case_id": "C-2", "label": "damaged", "order_total_fen": 5990, "unit_price_fen": 1997, "quantity": 3,
             "unit": "只", "item_kind": "home", "paid_at": "2026-11-17T10:00:00+08:00",
             "shipped_at": "2026-11-18T09:00:00+08:00", "delivered_at": "2026-11-20T10:00:00+08:00",
             "reported_at": "2026-11-20T15:00:00+08:00", "affected_quantity": 2}
    assert main(["remedy", "quote", str(write(tmp_path, json.dumps(bowls), "bowls.json"))]) == 0
    assert json.loads(capsys.readouterr().out)["offers"][0]["amount_fen"] == 3993


def test_remedy_quote_says_which_facts_are_missing_and_which_the_bot_asks(tmp_path: Path, capsys) -> None:
    lines = [json.dumps(CRABS), json.dumps({**CRABS, "label": "price_issue", "text": "付款时扣了两次钱"})]
    assert main(["remedy", "quote", str(write(tmp_path, "\n".join(lines), "cases.jsonl"))]) == 0
    first, second = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (first["missing_facts"], first["ask_buyer"], first["offers"]) == (["affected_quantity"],
                                                                            ["affected_quantity"], [])
    assert (second["missing_facts"], second["ask_buyer"]) == (["overcharge_fen"], [])


def test_remedy_quote_refuses_a_bad_description_naming_the_field(tmp_path: Path, capsys) -> None:
    bad = {**CRABS, "paid_at": "2026-11-17T10:00:00", "order_total_fen": -5}
    assert main(["remedy", "quote", str(write(tmp_path, json.dumps(bad), "bad.json"))]) == 2
    err = capsys.readouterr().err
    assert "order_total_fen" in err and "paid_at" in err and "offset" in err


def test_remedy_quote_names_the_bad_line_of_json_lines_and_reads_a_pretty_printed_object(
    tmp_path: Path, capsys
) -> None:
    lines = [json.dumps(CRABS), '{"case_id": "C-2", "label": ']
    assert main(["remedy", "quote", str(write(tmp_path, "\n".join(lines), "cases.jsonl"))]) == 2
    assert "line 2" in capsys.readouterr().err
    pretty = json.dumps({**CRABS, "affected_quantity": 3}, indent=2)
    assert main(["remedy", "quote", str(write(tmp_path, pretty, "case.json"))]) == 0
    assert json.loads(capsys.readouterr().out)["case_id"] == "C-1"


def test_approvals_commands_list_approve_and_refuse_a_second_opposite_decision(db: str, capsys) -> None:
    case_id, buyer_id, _ = make_case("wrong_item", title="羊绒大衣", kind="apparel", unit_price_fen=89900,
                                     quantity=1, unit="件", live_seafood=False)
    choose_problem(case_id, buyer_id, "wrong_item", "confirmed")
    decline(case_id, buyer_id, 0)
    assert accept(case_id, buyer_id, 1).kind == "pending_approval"
    assert main(["approvals", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["approvals"]
    assert [(a["case_id"], a["amount_yuan"], a["reasons_zh"]) for a in listed] == [
        (case_id, "899", ["超过自动赔付上限"])]
    assert main(["approvals", "approve", str(listed[0]["id"]), "--reason", "照片已核实", "--by", "zhao"]) == 0
    assert "approved" in capsys.readouterr().out
    assert main(["approvals", "reject", str(listed[0]["id"]), "--reason", "改主意"]) == 1
    assert "already approved by zhao" in capsys.readouterr().err


def test_simulate_shows_per_label_and_merchant_what_new_rules_would_change(db: str, tmp_path: Path, capsys) -> None:
    crabs, buyer, _ = make_case("spoiled")  # 3 of 10 crabs dead, 119.40 yuan, taken in reality
    choose_problem(crabs, buyer, "spoiled", "confirmed")
    give_affected_quantity(crabs, buyer, 3)
    accept(crabs, buyer, 0)
    now = utcnow()
    make_case("late_delivery", quantity=1, unit_price_fen=30000, live_seafood=False, paid_at=now - timedelta(days=4),
              shipped_at=now - timedelta(days=1), delivered_at=None)  # 15 yuan compensation today
    make_case("wrong_item", quantity=1, unit_price_fen=15000, live_seafood=False)
    data = defaults()
    data["auto_approval_cap_fen"] = 10000  # 100 yuan: the crab refund now needs a person
    data["late_compensation"]["percent"] = 10  # 30 yuan instead of 15
    assert main(["rules", "simulate", "--rules", str(write(tmp_path, data, "new.yml")), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    spoiled, late, wrong = (report["by_label"][k] for k in ("spoiled", "late_delivery", "wrong_item"))
    assert (spoiled["paid_fen_old"], spoiled["paid_fen_new"], spoiled["approval_fen_new"]) == (11940, 0, 11940)
    assert (spoiled["auto_old"], spoiled["auto_new"], spoiled["person_new"]) == (1, 0, 1)
    assert (late["paid_fen_old"], late["paid_fen_new"], late["auto_new"]) == (1500, 3000, 1)
    # the 150-yuan re-ship is above the new 100-yuan cap: goods count like money, a person approves
    assert (wrong["changed"], wrong["paid_fen_new"], wrong["person_new"]) == (1, 0, 1)
    assert report["total"]["changed"] == 3 and report["total"]["cases"] == 3
    assert sum(m["cases"] for m in report["by_merchant"].values()) == 3

    assert main(["rules", "simulate", "--rules", str(tmp_path / "new.yml")]) == 0
    text = capsys.readouterr().out
    assert "replayed 3 cases" in text and "by merchant" in text and "119.40 -> 0" in text
    tomorrow = (now + timedelta(days=1)).date().isoformat()
    assert main(["rules", "simulate", "--rules", str(tmp_path / "new.yml"), "--since", tomorrow, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"]["cases"] == 0


def test_an_unknown_label_in_the_goods_groups_is_refused_with_its_place(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["covers_goods"] = ["wrong_item", "broken_heart"]
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError, match="broken_heart"):
        load_rules(path)
