"""Shared fixtures: real workspaces built from the bundled profiles, and the LibreOffice skip."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline._exec import soffice
from pipeline.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
PROFILES = REPO / "profiles"
DATA = Path(__file__).parent / "data"

# The PDF tests also render pages with pdftoppm (poppler-utils), which .ci/run installs beside LibreOffice.
needs_soffice = pytest.mark.skipif(
    soffice.find() is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice (soffice) or pdftoppm (poppler-utils) is not installed; bash .ci/install-system-packages installs both")


def pytest_addoption(parser) -> None:
    parser.addoption("--reverse-order", action="store_true",
                     help="run the collected tests in reverse order (every test must own its inputs)")


def pytest_collection_modifyitems(config, items) -> None:
    if config.getoption("--reverse-order"):
        items.reverse()


def bundled_profiles() -> list[str]:
    return sorted(p.parent.name for p in PROFILES.glob("*/profile.toml"))


def make_workspace(tmp_path: Path, profile: str = "002-qztc") -> Workspace:
    """A fresh workspace holding a copy of a bundled profile and its roster."""
    root = tmp_path / profile
    root.mkdir(parents=True)
    src = PROFILES / profile
    shutil.copy(src / "profile.toml", root / "profile.toml")
    shutil.copy(src / "roster.xlsx", root / "roster.xlsx")
    (root / "inbox").mkdir()
    (root / "outbox").mkdir()
    return Workspace(root)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path)
