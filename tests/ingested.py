"""A 002 workspace with its forms generated and the mixed inbox ingested (no PDF): for status and notices tests."""

from __future__ import annotations

from pathlib import Path

from conftest import make_workspace
from inbox_maker import build_mixed_inbox
from pipeline import api
from pipeline.workspace import Workspace


def ingested_workspace(base: Path) -> tuple[Workspace, dict]:
    ws = make_workspace(base)
    api.make_forms(ws, progress=False, jobs=1)
    expect = build_mixed_inbox(ws, ws.inbox, pdf=False)
    api.ingest(ws, progress=False, jobs=1)
    return ws, expect
