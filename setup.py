"""Build hook: ship the top-level ``templates/`` (their source, kept there for offices to find and
restyle) inside the wheel as ``pipeline/templates/``.

setuptools' package data only reaches files inside a package folder, and a symlink would break
checkouts on Windows, so the build copies them; everything else is declared in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithTemplates(build_py):
    def run(self) -> None:
        super().run()
        source = Path(__file__).resolve().parent / "templates"
        if self.editable_mode or not source.is_dir():  # an editable install reads the checkout's folder
            return
        target = Path(self.build_lib) / "pipeline" / "templates"
        target.mkdir(parents=True, exist_ok=True)
        for template in sorted(source.glob("*.docx")):
            shutil.copyfile(template, target / template.name)


setup(cmdclass={"build_py": BuildPyWithTemplates})
