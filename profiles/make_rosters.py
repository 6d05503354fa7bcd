"""Regenerate the bundled profiles' fictional rosters: python profiles/make_rosters.py

Each profile directory holds ``roster.count`` (how many staff) beside its profile.toml; the names
are drawn deterministically, so running this twice writes the same people.
"""

from pathlib import Path

from pipeline.profile import load_profile
from pipeline.rosterbook import synthetic_roster, write_roster

HERE = Path(__file__).parent

if __name__ == "__main__":
    for i, profile_path in enumerate(sorted(HERE.glob("*/profile.toml"))):
        profile = load_profile(profile_path)
        count = int((profile_path.parent / "roster.count").read_text())
        people = synthetic_roster(profile, count, seed=i + 1)
        write_roster(profile_path.parent / profile.roster.file, people, [d.name for d in profile.departments])
        print(f"{profile_path.parent.name}: {len(people)} 人")
