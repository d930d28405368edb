"""The errors reviewlint raises to its callers: the user's input is wrong, or reviewlint broke.

Kept apart from the findings so that reading a configuration does not
build the findings' classes (the editor's "not my file" path never needs them).
"""

from __future__ import annotations


class ReviewlintError(Exception):
    """A problem with the user's input (bad option, config or path).

    The CLI prints it as one line and exits 2; the flake8 plugin turns it
    into an RVL9xx finding.
    """


class InternalError(Exception):
    """An unexpected exception that could not be confined to one file's findings.

    The CLI prints it as one line naming the file (or the step) and exits 3,
    so CI can tell a crash of reviewlint from findings (1) and usage errors (2).
    """

    def __init__(self, where: str, error: BaseException) -> None:
        super().__init__(where, error)
        self.where = where
        self.error = error
