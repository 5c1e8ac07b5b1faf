"""Error messages people read in the console are Chinese first: "中文说明 — english detail"
(the English half stays for the API and the logs). No English words inside the Chinese half —
the console once showed "未知运单号 no shipment with tracking number …" and "amount … is more
than the line can still refund …"."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from shopops.core.errors import ShopOpsError
from shopops.fulfillment.service import _shipment_for
from shopops.fulfillment.tracking_file import EventRow
from shopops.inventory import purchasing
from shopops.orders.lifecycle import IllegalTransition
from shopops.service import returns

SRC = Path(__file__).resolve().parents[2] / "src" / "shopops"
CJK = re.compile(r"[\u4e00-\u9fff]")
# a lowercase English word of 3+ letters, not part of an identifier, code or number
ENGLISH_WORD = re.compile(r"(?<![A-Za-z0-9_.{\-])[a-z]{3,}(?![A-Za-z0-9_\-])")
FIELD_PREFIX = re.compile(r"^[\w\[\]{}.]+[:：] ")  # "prices: 第3行 …" names the field first
FILE_TYPES = {"xlsx", "csv", "json"}


def chinese_half(message: str) -> str:
    return FIELD_PREFIX.sub("", message.split(" — ", 1)[0])


def english_in_chinese(message: str) -> list[str]:
    return [w for w in ENGLISH_WORD.findall(chinese_half(message)) if w not in FILE_TYPES]


def _literal(node: ast.expr) -> str | None:
    """A message's text with each {placeholder} as "{}"; None when not a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def raised_messages() -> list[tuple[str, str]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
                text = _literal(node.exc.args[0])
                if text is not None:
                    found.append((f"{path.relative_to(SRC)}:{node.lineno}", text))
    return found


def test_the_check_itself_catches_mixed_messages() -> None:
    assert english_in_chinese("未知运单号 no shipment with tracking number {}") == [
        "shipment", "with", "tracking", "number"]
    assert english_in_chinese("sold out (已抢光)") == ["sold", "out"]
    assert english_in_chinese("未知运单号：没有运单号为 {} 的包裹 — no shipment with") == []
    assert english_in_chinese("prices: 第{}行 {} 的价格重复") == []
    assert english_in_chinese("{} 不是可读取的 xlsx 文件 — not a readable xlsx file") == []


def test_no_raised_message_mixes_english_into_its_chinese_half() -> None:
    messages = raised_messages()
    assert len(messages) > 300  # the scan sees the code base
    mixed = [f"{where}: {text}" for where, text in messages
             if CJK.search(text) and english_in_chinese(text)]
    assert not mixed, "write 中文 — english:\n" + "\n".join(mixed)


def chinese_first(message: str, english: str) -> None:
    zh, _, en = message.partition(" — ")
    assert CJK.search(zh) and not ENGLISH_WORD.match(zh), message
    assert not english_in_chinese(message), message
    assert english in en, message


def test_unknown_and_ambiguous_tracking_numbers_read_in_chinese() -> None:
    event = EventRow(3, "SF123", datetime(2026, 11, 20, tzinfo=UTC), "in_transit", "到达", None,
                     None)
    unknown = _shipment_for(event, {})
    assert isinstance(unknown, str) and "SF123" in chinese_half(unknown)
    chinese_first(unknown, "no shipment with tracking number SF123")
    twice = _shipment_for(event, {"SF123": [object(), object()]})  # type: ignore[list-item]
    assert isinstance(twice, str)
    chinese_first(twice, "ambiguous: give the carrier")


def test_refund_and_after_sales_refusals_read_in_chinese() -> None:
    with pytest.raises(returns.OverRefund) as over:
        returns.check_amount(Decimal("120.00"), Decimal("99.50"))
    chinese_first(over.value.message, "amount 120.00 is more than the line can still refund")
    assert "120.00" in chinese_half(over.value.message)
    assert "99.50" in chinese_half(over.value.message)
    assert over.value.field == "amount" and over.value.details == {"refundable": "99.50"}
    with pytest.raises(returns.OverRefund) as units:
        returns.check_quantity(3, 2, 0)
    chinese_first(units.value.message, "quantity 3 is more than the line's 2 unit(s)")
    with pytest.raises(ShopOpsError) as step:
        returns.check_step("return_refund", "requested", "refunded", request_id=7)
    chinese_first(step.value.message, "after-sales request 7 (return_refund) cannot move")
    assert "待审核" in step.value.message and "已退款" in step.value.message


def test_order_and_purchase_order_transitions_read_in_chinese() -> None:
    order = IllegalTransition("completed", "paid", order="T-1")
    chinese_first(order.message, "order T-1 cannot move from 'completed' to 'paid'")
    assert "已完成" in order.message and "已付款" in order.message
    with pytest.raises(purchasing.PurchaseOrderStateError) as po:
        purchasing.check_action("received", "cancel", "PO1")
    chinese_first(po.value.message, "purchase order PO1 is received; cannot cancel it")
    with pytest.raises(ShopOpsError) as short:
        purchasing.check_delivery({"A": purchasing.LineState("A", 24, 20)}, {"A": (5, 0)},
                                  "PO1")
    chinese_first(short.value.message, "only 4 of 24 remain on PO1")
