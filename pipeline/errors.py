"""One error class per failure kind, each with the exit code a batch script can rely on.

Every message is Chinese, names the file (and key or row) and says what to do, because the
people reading it run the office, not the program. The CLI prints ``str(error)`` and exits with
``error.exit_code``; nothing else reaches the user, never a traceback.
"""

from __future__ import annotations

from pathlib import Path


class LianzhengError(Exception):
    """Base class: a failure the user can fix. ``exit_code`` is stable across releases."""

    exit_code = 1

    def __init__(self, message: str, *, path: Path | str | None = None, hint: str | None = None):
        self.path = Path(path) if path is not None else None
        self.hint = hint
        self.message = message
        super().__init__(self.render())

    def render(self) -> str:
        parts = []
        if self.path is not None:
            parts.append(f"{self.path}：")
        parts.append(self.message)
        if self.hint:
            parts.append(f"（处理办法：{self.hint}）")
        return "".join(parts)


class ProfileError(LianzhengError):
    """The profile or roster is wrong: missing key, wrong type, unknown department..."""

    exit_code = 2


class UsageError(LianzhengError):
    """A command-line choice does not exist (unknown department, person or form type)."""

    exit_code = 2


class InputFileError(LianzhengError):
    """A returned file cannot be read: corrupt, encrypted, old .doc, zip bomb, hostile XML."""

    exit_code = 3


class MissingProgramError(LianzhengError):
    """An external program (LibreOffice, pdftoppm) is not installed."""

    exit_code = 4


class StoreError(LianzhengError):
    """The workspace store cannot be opened or migrated."""

    exit_code = 5


class ConversionError(LianzhengError):
    """LibreOffice ran but did not produce some outputs; what did convert is kept."""

    exit_code = 6
