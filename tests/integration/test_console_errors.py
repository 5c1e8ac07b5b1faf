"""Console error messages in the page's language: service messages are "中文说明 — english";
the shared partial (partials/error.html) shows the Chinese half on zh pages and the English
half on en pages, the whole text kept in its title."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from shopops.bootstrap import App
from shopops.core.errors import NotFound, ValidationError
from shopops.web.i18n import Translator
from shopops.web.page import error_message
from tests.integration.shops import log_in, promotion_console

DETAIL = re.compile(r'<section class="alert alert-error"[^>]*id="error"[^>]*>.*?'
                    r'<p class="muted" title="([^"]*)">([^<]*)</p>', re.S)


@pytest.fixture
def logged_in(app: App) -> Iterator[TestClient]:
    with promotion_console(app) as client:
        yield log_in(client)


def shown(page: str) -> tuple[str, str]:
    """(title, text) of the page's error detail."""
    found = DETAIL.search(page)
    assert found is not None, page[:2000]
    return html.unescape(found.group(1)), html.unescape(found.group(2))


def test_zh_pages_show_the_chinese_half_en_pages_the_english(logged_in: TestClient) -> None:
    zh = logged_in.get("/orders/999999")
    assert zh.status_code == 404 and 'data-code="resource.not_found"' in zh.text
    title, text = shown(zh.text)
    assert text == "没有编号为 999999 的订单"
    assert title == "没有编号为 999999 的订单 — no order with id 999999"
    assert "no order with id" not in zh.text.replace(f'title="{title}"', "")

    en = logged_in.get("/orders/999999?lang=en")
    assert en.status_code == 404
    title, text = shown(en.text)
    assert text == "no order with id 999999"
    assert title == "没有编号为 999999 的订单 — no order with id 999999"


def test_messages_without_both_halves_are_shown_whole() -> None:
    zh, en = Translator("zh"), Translator("en")
    english_only = NotFound("flash sale 3 does not exist — see the list", field="id")
    for t in (zh, en):  # no Chinese before the dash: not a bilingual message
        assert error_message(t, english_only)["detail"] == english_only.message
    chinese_only = ValidationError("数量必须是正整数", field="qty")
    assert error_message(en, chinese_only)["detail"] == "数量必须是正整数"
    prefixed = ValidationError("qty: 数量必须是正整数 — qty: must be a positive whole number",
                               field="qty")
    assert error_message(zh, prefixed)["detail"] == "qty: 数量必须是正整数"
    assert error_message(en, prefixed)["detail"] == "qty: must be a positive whole number"
    assert error_message(zh, prefixed)["full"] == prefixed.message
