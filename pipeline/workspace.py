"""A workspace: one campaign's folder — profile, roster, inbox, outbox and the store.

Every command takes ``-w DIR``; this class is the one place that knows where things live in it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.profile import Profile, StaffMember, load_profile, load_roster

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The templates an installed wheel carries (copied from the top-level ``templates/`` at build time).
PACKAGED_TEMPLATES = Path(__file__).resolve().parent / "templates"


def bundled_templates() -> Path:
    """The program's own templates: the packaged copy in an installed wheel, else the source checkout's."""
    return PACKAGED_TEMPLATES if PACKAGED_TEMPLATES.is_dir() else REPO_ROOT / "templates"


@dataclass
class Workspace:
    root: Path
    db_url: str | None = None
    _profile: Profile | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root).absolute()

    @property
    def profile_path(self) -> Path:
        return self.root / "profile.toml"

    @property
    def profile(self) -> Profile:
        if self._profile is None:
            self._profile = load_profile(self.profile_path)
        return self._profile

    @functools.cached_property
    def roster(self) -> list[StaffMember]:
        # The roster path is relative to the profile's real location, so a workspace whose
        # profile.toml links to a bundled profile finds that profile's roster.
        base = self.profile_path.resolve().parent
        return load_roster(base / self.profile.roster.file, self.profile, self.profile.roster.sheet)

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def store_dir(self) -> Path:
        """Originals, quarantine and the SQLite file: what must be kept for years."""
        return self.root / "store"

    @property
    def originals(self) -> Path:
        return self.store_dir / "originals"

    @property
    def quarantine(self) -> Path:
        return self.store_dir / "quarantine"

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.store_dir / 'lianzheng.sqlite3'}"

    @property
    def templates(self) -> Path:
        """A workspace may override a template by putting its own in ``templates/``."""
        local = self.root / "templates"
        return local if local.is_dir() else bundled_templates()

    def template(self, name: str) -> Path:
        local = self.root / "templates" / name
        return local if local.is_file() else bundled_templates() / name
