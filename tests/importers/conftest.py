from __future__ import annotations

from pathlib import Path

import pytest

from tests.importers.fixtures import write_malformed_files, write_platform_files


@pytest.fixture(scope="session")
def platform_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_platform_files(tmp_path_factory.mktemp("exports"))


@pytest.fixture(scope="session")
def malformed_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_malformed_files(tmp_path_factory.mktemp("malformed"))
