"""Errors a user can act on.

A ``UserError`` carries one sentence that says what is wrong, where, and how to
fix it. The CLI prints it without a traceback and exits with code 2; the GUI
shows it in a dialog.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input from the user (a flag, a file, a device); never a bug."""

    exit_code = 2

    def __init__(self, what: str, fix: str | None = None) -> None:
        self.what = what
        self.fix = fix
        super().__init__(f"{what} — {fix}" if fix else what)
