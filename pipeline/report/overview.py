"""The overseeing office's view of one shared store: every campaign in it, side by side.

A county bureau or province office points the workspaces of its institutions at one PostgreSQL
database; this reads the store alone (no profile or roster is needed), so what a campaign owes is
what was issued from the store to its departments and people. A form counts as received when a
current return answers it, accepted when that return is accepted; high-level points are those at
the top of each campaign's own scheme (rank 1: 三级 for 002, 一级 for 000).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pipeline.store import open_store
from pipeline.store.queries import campaign_totals


@dataclass
class CampaignOverview:
    code: str
    institution: str
    name: str
    year: int
    top_level: str | None  # the label of the scheme's highest level
    issued: int
    received: int
    accepted: int
    risks: int
    high: int

    @property
    def missing(self) -> int:
        return self.issued - self.received

    @property
    def completeness(self) -> float:
        """Share of issued forms returned (1.0 when nothing was issued)."""
        return self.received / self.issued if self.issued else 1.0

    def as_dict(self) -> dict:
        return {**asdict(self), "missing": self.missing, "completeness": round(self.completeness, 4)}


def overview(database_url: str) -> list[CampaignOverview]:
    """One row per campaign in the store at ``database_url``."""
    with open_store(database_url)() as s:
        return [CampaignOverview(r.code, r.institution, r.name, r.year, (r.levels or [None])[0], r.issued,
                                 r.received, r.accepted, r.risks, r.high) for r in campaign_totals(s)]
