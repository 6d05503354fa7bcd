"""The package installs like any other: a wheel built from the checkout runs init, plan and forms.

The wheel is built from the files a clean clone holds (tracked and not ignored), installed into a
fresh virtual environment, and run from a folder outside the checkout, so a template or data file
that is read from the source tree instead of the package is caught here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from docx import Document

from conftest import PROFILES, REPO


def _clean_copy(target: Path) -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.fail("building the wheel needs git and a git checkout of the project")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / rel)


def test_wheel_runs_init_plan_and_forms(tmp_path: Path) -> None:
    source, wheels, work = tmp_path / "src", tmp_path / "wheels", tmp_path / "work"
    source.mkdir()
    _clean_copy(source)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
                   check=True, capture_output=True)
    (wheel,) = wheels.glob("lianzheng-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    lianzheng = str(env_dir / "bin" / "lianzheng")

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([lianzheng, *args], cwd=work, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    run("init", "camp", "--from", str(PROFILES / "000-ccmc" / "profile.toml"))
    run("plan", "-w", "camp", "--no-pdf")
    run("forms", "-w", "camp", "--department", "财务处")
    plans = list((work / "camp" / "outbox" / "plan").glob("*.docx"))
    forms = list((work / "camp" / "outbox" / "forms").rglob("*.docx"))
    assert len(plans) == 1 and forms
    assert "长春医学高等专科学校" in "\n".join(p.text for p in Document(str(plans[0])).paragraphs)
    # the templates came from inside the installed package, not from this checkout
    site = subprocess.run([str(python), "-c", "import pipeline, pathlib; print(pathlib.Path(pipeline.__file__).parent)"],
                          cwd=work, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert not Path(site).is_relative_to(REPO)
    assert sorted(p.name for p in (Path(site) / "templates").glob("*.docx")) == \
        sorted(p.name for p in (REPO / "templates").glob("*.docx"))
