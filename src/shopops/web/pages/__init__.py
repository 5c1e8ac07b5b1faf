"""The console pages of each domain, one module each (see `web/page.py`): every module here
with a `mount(api)` function is mounted, and its `NAV` entries join the top navigation."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import FastAPI

from shopops.web.page import NAV, NavItem


def mount_pages(api: FastAPI) -> None:
    """Import every page module, add its routes and its navigation entries (once)."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        mount = getattr(module, "mount", None)
        if mount is None:
            continue
        mount(api)
        items: list[NavItem] = list(getattr(module, "NAV", []))
        NAV.extend(item for item in items if item not in NAV)


__all__ = ["mount_pages"]
