#!/usr/bin/env python3
"""ShopOps set-up and run helper — needs nothing but Python ≥ 3.11.

    python3 dev.py demo     build .venv, create the demo shop in SQLite, serve the console
    python3 dev.py test     build .venv, run the whole test suite (what CI runs)
    python3 dev.py shopops ARGS…   run any `shopops` command inside .venv

The virtual environment is (re)built from the pinned, hashed lock files in requirements/
whenever they change, so every machine runs exactly the same versions.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SHOPOPS_VENV", ROOT / ".venv"))
LOCK = ROOT / "requirements" / "dev-lock.txt"
STAMP = VENV / ".shopops-lock.sha256"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def lock_digest() -> str:
    data = LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    return hashlib.sha256(data).hexdigest()


def ensure_venv() -> Path:
    """Create .venv and install the locked dependencies, unless already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 — dev.py may run on any Python
        sys.exit(f"ShopOps needs Python ≥ 3.11; this is {sys.version.split()[0]}")
    py = venv_python()
    digest = lock_digest()  # taken before installing: a lock edited meanwhile re-installs next run
    if py.exists() and STAMP.exists() and STAMP.read_text().strip() == digest:
        return py
    print(f"» preparing the virtual environment in {VENV} (first run takes a minute) …", flush=True)
    if not py.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(py), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--require-hashes", "-r", str(LOCK)], check=True)
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True
    )
    STAMP.write_text(digest)
    return py


def run(args: list[str]) -> int:
    py = ensure_venv()
    return subprocess.call([str(py), *args], cwd=ROOT)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd == "demo":
        return run(["-m", "shopops", "demo", *rest])
    if cmd == "test":
        return run(["-m", "pytest", *rest])
    if cmd == "shopops":
        return run(["-m", "shopops", *rest])
    if cmd == "setup":
        ensure_venv()
        return 0
    print(f"unknown command {cmd!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
