"""`shopops aftersales …` as a user runs it: create → approve → receive → refund in JSON,
the list and the analysis as table / json / xlsx, errors with their code and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from shopops import cli
from shopops.bootstrap import App
from tests.integration.test_aftersales import clock as clock
from tests.integration.test_aftersales import order_id
from tests.integration.test_aftersales import shop as shop

runner = CliRunner()


def run(app: App, monkeypatch: pytest.MonkeyPatch, *args: str, code: int = 0) -> str:
    monkeypatch.setattr(cli, "get_app", lambda: app)
    result = runner.invoke(cli.app, list(args))
    if isinstance(result.exception, cli.ShopOpsError):
        exc = result.exception
        assert exc.exit_code == code, exc.message
        return f"{exc.code} {exc.field}"
    assert result.exit_code == code, result.output
    return result.stdout


def test_cli_flow_and_formats(shop: App, monkeypatch: pytest.MonkeyPatch,
                              tmp_path: Path) -> None:
    oid = str(order_id(shop))
    got = json.loads(run(shop, monkeypatch, "aftersales", "create", "--order", oid, "--sku",
                         "SKU-A", "--reason", "damaged", "--format", "json"))
    rid = str(got["id"])
    assert (got["kind"], got["amount"], got["apology"]) == ("return_refund", "300.00", True)
    run(shop, monkeypatch, "aftersales", "approve", rid)
    got = json.loads(run(shop, monkeypatch, "aftersales", "receive", rid, "--warehouse", "SH",
                         "--restock", "--format", "json"))
    assert (got["return_warehouse"], got["restock"]) == ("SH", True)
    assert run(shop, monkeypatch, "aftersales", "refund", rid, "--amount", "600.01",
               code=2) == "service.over_refund amount"
    got = json.loads(run(shop, monkeypatch, "aftersales", "refund", rid, "--format", "json"))
    assert got["status"] == "refunded" and got["line_refund_amount"] == "300.00"
    listed = json.loads(run(shop, monkeypatch, "aftersales", "list", "--format", "json"))
    assert [r["id"] for r in listed["items"]] == [int(rid)]
    table = run(shop, monkeypatch, "aftersales", "list")
    assert "售后单" in table and "tm1" in table
    report = json.loads(run(shop, monkeypatch, "aftersales", "analysis", "--from",
                            "2026-11-01", "--to", "2026-11-30", "--format", "json"))
    assert report["overall"]["return_rate"] == "0.5000"
    path = tmp_path / "rates.xlsx"
    run(shop, monkeypatch, "aftersales", "analysis", "--from", "2026-11-01", "--to",
        "2026-11-30", "--format", "xlsx", "--output", str(path))
    book = load_workbook(path)
    assert book.sheetnames == ["总体", "按SKU", "按类目", "按店铺", "按原因"]
    assert [c.value for c in book["按SKU"][2]][:4] == ["SKU-A", 2, 1, "0.5000"]
    assert run(shop, monkeypatch, "aftersales", "list", "--format", "pdf",
               code=2) == "request.invalid format"
    assert run(shop, monkeypatch, "aftersales", "approve", "999", code=3) == \
        "resource.not_found id"
