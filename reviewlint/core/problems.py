"""RVL900 and RVL901: the findings for input reviewlint cannot read, made the same way in every layer.

The rule classes (rules/linter.py) document them; readers below the rules
(the reference, the gabbi tests, the guard's refusals) make them here.
"""

from __future__ import annotations

from reviewlint.core.findings import Finding
from reviewlint.core.guard import describe_error, one_line

UNREADABLE_CODE = "RVL900"
UNREADABLE_MESSAGE = "cannot check this {kind}: {reason}"
MALFORMED_CODE = "RVL901"
MALFORMED_MESSAGE = "malformed {what}: {reason}"


def unreadable(path: str, reason: str, line: int = 1, col: int = 0, kind: str = "file") -> Finding:
    """The RVL900 finding for a file (or a path, `kind`) that could not be read or parsed."""
    return Finding(path, max(line, 1), max(col, 0), UNREADABLE_CODE,
                   UNREADABLE_MESSAGE.format(kind=kind, reason=one_line(reason)))


def internal_error(path: str, error: BaseException) -> Finding:
    """RVL900 for an unexpected exception while analysing one file (a bug in reviewlint)."""
    return unreadable(path, f"internal error while analysing this file: {describe_error(error)}")


def malformed(path: str, what: str, reason: str, line: int = 1, col: int = 0) -> Finding:
    """The RVL901 finding for a malformed YAML test file or configuration (`what`)."""
    return Finding(path, max(line, 1), max(col, 0), MALFORMED_CODE,
                   MALFORMED_MESSAGE.format(what=what, reason=one_line(reason)))
