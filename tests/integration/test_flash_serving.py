"""Serving the 秒杀 peak, on SQLite and PostgreSQL: an API token's user is remembered for a few
seconds per web app (no database read per request) — a revoked token stops working once that
time is up, a wrong one is refused every time — and `shopops serve --workers N` runs N
uvicorn workers that build the app from the environment with one session key."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, update
from typer.testing import CliRunner

from shopops import cli
from shopops.accounts.models import ApiToken
from shopops.bootstrap import App
from shopops.web import deps
from shopops.web.app import create_app
from tests.integration.test_flash_sale import new_sale
from tests.integration.test_promotions import seed


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    seed(app)
    with TestClient(create_app(app)) as c:
        yield c


def _reads(app: App) -> list[str]:
    statements: list[str] = []
    event.listen(app.engine, "before_cursor_execute",
                 lambda *args: statements.append(str(args[2])))
    return statements


def test_a_token_is_read_once_then_remembered_until_its_time_is_up(
        app: App, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    sale_id = new_sale(app, units=5)
    headers = {"Authorization": f"Bearer {app.token}"}  # type: ignore[attr-defined]
    clock = [1000.0]
    monkeypatch.setattr(deps.time, "monotonic", lambda: clock[0])
    statements = _reads(app)
    assert client.get(f"/api/v1/flash-sales/{sale_id}", headers=headers).status_code == 200
    assert any("api_tokens" in s for s in statements)
    statements.clear()
    for n in range(3):
        bought = client.post(f"/api/v1/flash-sales/{sale_id}/orders", headers=headers,
                             json={"customer": f"c{n}"})
        assert bought.status_code == 201, bought.text
    assert not any("api_tokens" in s or "FROM users" in s for s in statements)

    with app.uow() as uow:  # revoked: still good while remembered, refused after
        uow.session.execute(update(ApiToken).values(revoked=True))
    clock[0] += deps.TOKEN_CACHE_SECONDS - 0.5
    assert client.get(f"/api/v1/flash-sales/{sale_id}", headers=headers).status_code == 200
    clock[0] += 1.0
    refused = client.get(f"/api/v1/flash-sales/{sale_id}", headers=headers)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"


def test_a_wrong_token_is_refused_every_time(app: App, client: TestClient) -> None:
    statements = _reads(app)
    for _ in range(2):
        response = client.get("/api/v1/flash-sales", headers={"Authorization": "Bearer sho_x"})
        assert response.status_code == 401
    assert sum("api_tokens" in s for s in statements) == 2  # refusals are not remembered


def test_serve_with_workers_runs_the_app_factory_with_one_session_key(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: calls.append((target, kw)))
    monkeypatch.setattr(cli, "get_app", lambda: app)
    for name in ("SHOPOPS_SECRET_KEY", "SHOPOPS_DATABASE_URL"):
        monkeypatch.setenv(name, "")  # so that the teardown puts back what was there before
        monkeypatch.delenv(name)
    result = CliRunner().invoke(cli.app, ["serve", "--workers", "3", "--port", "8123"])
    assert result.exit_code == 0, result.output
    target, options = calls[0]
    assert target == "shopops.web.app:create_app"
    assert (options["factory"], options["workers"], options["port"]) == (True, 3, 8123)
    assert os.environ["SHOPOPS_SECRET_KEY"] == app.settings.secret_key  # "test-secret"
    assert os.environ["SHOPOPS_DATABASE_URL"] == app.settings.database_url
    calls.clear()
    assert CliRunner().invoke(cli.app, ["serve"]).exit_code == 0  # default: one process
    assert not isinstance(calls[0][0], str) and "workers" not in calls[0][1]
