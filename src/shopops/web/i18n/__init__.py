"""Console labels: Chinese first (zh.json + zh/*.json), English (en.json + en/*.json). One
flat key → text map per language; a key missing in English falls back to Chinese, a key missing
everywhere shows itself (so a typo is visible on the page instead of crashing it)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"
HTML_LANG = {"zh": "zh-CN", "en": "en"}
_DIR = Path(__file__).resolve().parent


@cache
def messages(lang: str) -> dict[str, str]:
    """`zh.json` plus each domain's own `zh/<domain>.json` (so pages never edit one file)."""
    data: dict[str, str] = json.loads((_DIR / f"{lang}.json").read_text(encoding="utf-8"))
    for part in sorted((_DIR / lang).glob("*.json")):
        data.update(json.loads(part.read_text(encoding="utf-8")))
    return data


def normalise(lang: str | None) -> str | None:
    """'en', 'EN', 'en-US' → 'en'; anything unknown → None."""
    code = (lang or "").strip().lower().split("-")[0].split("_")[0]
    return code if code in LANGS else None


class Translator:
    """`t("metric.gmv")` → 成交额; `t("empty.body", period="2026-11")` fills placeholders."""

    def __init__(self, lang: str = DEFAULT_LANG) -> None:
        self.lang = normalise(lang) or DEFAULT_LANG
        self.html_lang = HTML_LANG[self.lang]

    def __call__(self, key: str, **values: Any) -> str:
        text = messages(self.lang).get(key) or messages(DEFAULT_LANG).get(key) or key
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in messages(self.lang) or key in messages(DEFAULT_LANG)
