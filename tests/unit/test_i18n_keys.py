"""Every console label exists in both languages: zh.json/en.json and each domain's
zh/<domain>.json/en/<domain>.json carry the same keys and the same {placeholders}, so an English
page never falls back to Chinese for a label someone forgot to translate."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from shopops.web.i18n import LANGS

I18N = Path(__file__).resolve().parents[2] / "src" / "shopops" / "web" / "i18n"


def _files(lang: str) -> dict[str, Path]:
    found = {"(common)": I18N / f"{lang}.json"}
    found.update({p.stem: p for p in sorted((I18N / lang).glob("*.json"))})
    return found


def _load(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a key → text object"
    for key, text in data.items():
        assert isinstance(text, str) and text.strip(), f"{path}: {key!r} is not a non-empty text"
    return data


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_language_has_the_same_domain_files() -> None:
    domains = {lang: set(_files(lang)) for lang in LANGS}
    assert len(domains["zh"]) > 1
    for lang in LANGS:
        assert domains[lang] == domains["zh"], (
            f"{lang}: missing {sorted(domains['zh'] - domains[lang])}, "
            f"extra {sorted(domains[lang] - domains['zh'])}")


@pytest.mark.parametrize("domain", sorted(_files("zh")))
def test_domain_keys_and_placeholders_match_across_languages(domain: str) -> None:
    texts = {lang: _load(_files(lang)[domain]) for lang in LANGS}
    zh = texts["zh"]
    for lang in LANGS:
        other = texts[lang]
        assert set(other) == set(zh), (
            f"{domain} {lang}: missing {sorted(set(zh) - set(other))}, "
            f"extra {sorted(set(other) - set(zh))}")
        wrong = [key for key in zh if _placeholders(zh[key]) != _placeholders(other[key])]
        assert not wrong, f"{domain} {lang}: placeholders differ for {wrong}"


def test_no_key_is_defined_by_two_domain_files() -> None:
    """Domain files are merged into one map: a key in two files would silently shadow one."""
    for lang in LANGS:
        owner: dict[str, str] = {}
        for domain, path in _files(lang).items():
            for key in _load(path):
                assert key not in owner, f"{lang}: {key!r} in both {owner[key]} and {domain}"
                owner[key] = domain
