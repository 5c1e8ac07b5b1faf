"""The `shopops` command as a user runs it: contract commands, formats and clear errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from shopops import cli
from shopops.bootstrap import App

runner = CliRunner()


@pytest.fixture
def shopops(app: App, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli, "get_app", lambda: app)

    def invoke(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli.app, list(args))
        if isinstance(result.exception, cli.ShopOpsError):  # what main() turns into exit codes
            exc = result.exception
            assert exc.exit_code == code, exc.message
            return f"{exc.code}: {exc.message}"
        assert result.exit_code == code, result.output
        return result.stdout

    return invoke


def test_stores_add_and_list_as_json(shopops) -> None:  # type: ignore[no-untyped-def]
    shopops("stores", "add", "tm-1", "--platform", "tmall", "--name", "天猫一店",
            "--commission", "0.05")
    shopops("stores", "add", "pdd-1", "--platform", "pdd")
    stores = json.loads(shopops("stores", "list", "--format", "json"))
    assert [(s["code"], s["platform"], s["timezone"]) for s in stores] == [
        ("tm-1", "tmall", "Asia/Shanghai"), ("pdd-1", "pdd", "Asia/Shanghai")]
    assert stores[0]["commission_rate"] == "0.05" and stores[0]["name"] == "天猫一店"


@pytest.mark.parametrize(("args", "code", "words"), [
    (["stores", "add", "x", "--platform", "amazon"], 2, "platform"),
    (["stores", "add", "x", "--platform", "jd", "--timezone", "Mars/Base"], 2, "time zone"),
    (["stores", "add", "x", "--platform", "jd", "--commission", "1.5"], 2, "commission"),
    (["stores", "add", "x", "--platform", "jd", "--commission", "abc"], 2, "commission"),
    (["kpi", "--period", "year", "--date", "2026-11-01"], 2, "period"),
    (["kpi", "--period", "day", "--date", "2026-13-01"], 2, "2026-13-01"),
    (["kpi", "--period", "day", "--date", "2026-11-01", "--store", "nope"], 3, "nope"),
    (["kpi", "--period", "day", "--date", "2026-11-01", "--format", "pdf"], 2, "format"),
    (["tokens", "create", "--user", "ghost"], 3, "ghost"),
])
def test_bad_input_names_what_is_wrong(shopops, args: list[str], code: int,  # type: ignore[no-untyped-def]
                                       words: str) -> None:
    assert words in shopops(*args, code=code)


def test_duplicate_store_is_refused_and_nothing_changes(shopops) -> None:  # type: ignore[no-untyped-def]
    shopops("stores", "add", "jd-1", "--platform", "jd")
    assert "already exists" in shopops("stores", "add", "jd-1", "--platform", "pdd", code=4)
    assert json.loads(shopops("stores", "list", "--format", "json"))[0]["platform"] == "jd"


def test_users_and_tokens(shopops, app: App) -> None:  # type: ignore[no-untyped-def]
    out = shopops("users", "create", "alice")
    password = out.split("password:")[1].strip()
    assert len(password) >= 8
    token = shopops("tokens", "create", "--user", "alice").strip()
    assert token.startswith("sho_")
    from shopops.accounts.service import authenticate, user_for_token

    with app.reader() as uow:
        assert authenticate(uow, "alice", password).username == "alice"
        assert user_for_token(uow, token).username == "alice"


def test_kpi_formats_for_an_empty_period(shopops, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shopops("stores", "add", "own-1", "--platform", "own")
    report = json.loads(shopops("kpi", "--period", "week", "--date", "2026-11-18",
                                "--format", "json"))
    assert report["start"] == "2026-11-16" and report["end"] == "2026-11-22"
    assert report["has_data"] is False and report["gmv"] == "0.00" and report["roi"] is None
    assert "暂无数据" in shopops("kpi", "--period", "week", "--date", "2026-11-18")
    target = tmp_path / "kpi.xlsx"
    shopops("kpi", "--period", "week", "--date", "2026-11-18", "--format", "xlsx",
            "--output", str(target))
    sheet = load_workbook(target).active
    assert sheet is not None and sheet["A1"].value == "指标"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_then_kpi_then_serve_as_a_user_would(tmp_path: Path) -> None:
    """The contract commands in a subprocess, on a SQLite file chosen by SHOPOPS_DATABASE_URL."""
    env = {**os.environ, "SHOPOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "shopops", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    built = run("demo", "--seed", "5", "--orders", "2000", "--end-date", "2026-11-20",
                "--no-serve")
    assert "login: admin /" in built
    stores = json.loads(run("stores", "list", "--format", "json"))
    assert len({s["platform"] for s in stores}) >= 4
    report = json.loads(run("kpi", "--period", "month", "--date", "2026-10-01",
                            "--format", "json"))
    assert report["paid_orders"] > 0 and report["has_data"] is True
    rebuilt = run("demo", "--seed", "5", "--orders", "2000", "--end-date", "2026-11-20",
                  "--no-serve")  # a second run replaces the demo instead of failing
    assert "demo shop ready" in rebuilt

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "shopops", "serve", "--port", str(port)],
                              env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    assert r.status == 200 and "登录" in r.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "the console did not start"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=10)
