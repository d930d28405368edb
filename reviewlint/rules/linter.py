"""RVL9xx: problems reviewlint had reading its input.

The engine reports these itself; the classes carry their documentation.
"""

from __future__ import annotations

from reviewlint.core.findings import Finding
from reviewlint.core.guard import describe_error, one_line
from reviewlint.rules.base import Rule


class UnreadableFile(Rule):
    """A file could not be read or parsed (syntax error, bad encoding, binary data).

    reviewlint reports it once, with the reason and position, and goes on
    with the other files: one broken file never hides the rest of a run.
    """

    code = "RVL900"
    severity = "error"
    message = "cannot check this {kind}: {reason}"
    location = "the position of the error (line 1 when unknown)"
    bad = {"svc/handlers/widget.py": '''
        # -*- coding: ascii -*-
        """Widget handlers."""


        @wsgi_wrapper.PlacementWsgify
        def list_widgets(req):
            return {'widgets': ['Rädchen']}  # <-
    '''}
    good = {"svc/handlers/widget.py": '''
        # -*- coding: utf-8 -*-
        """Widget handlers."""


        @wsgi_wrapper.PlacementWsgify
        def list_widgets(req):
            return {'widgets': ['Rädchen']}
    '''}


class MalformedInput(Rule):
    """A YAML test file or a configuration value is malformed.

    The file is named with the parser's reason; everything else is still checked.
    """

    code = "RVL901"
    severity = "error"
    message = "malformed {what}: {reason}"
    location = "the file (line 1 when the position is unknown)"
    bad = {"svc/tests/functional/gabbits/widget.yaml": '''
        tests:
        - name: list widgets
          GET: /widgets
            status: 200  # <-
    '''}
    good = {"svc/tests/functional/gabbits/widget.yaml": '''
        tests:
        - name: list widgets
          GET: /widgets
          status: 200
    '''}


RULES: tuple[type[Rule], ...] = (UnreadableFile, MalformedInput)


def unreadable(path: str, reason: str, line: int = 1, col: int = 0, kind: str = "file") -> Finding:
    """The RVL900 finding for a file (or a path, `kind`) that could not be read or parsed."""
    return Finding(path, max(line, 1), max(col, 0), UnreadableFile.code,
                   UnreadableFile.message.format(kind=kind, reason=one_line(reason)))


def internal_error(path: str, error: BaseException) -> Finding:
    """RVL900 for an unexpected exception while analysing one file (a bug in reviewlint)."""
    return unreadable(path, f"internal error while analysing this file: {describe_error(error)}")


def malformed(path: str, what: str, reason: str, line: int = 1, col: int = 0) -> Finding:
    """The RVL901 finding for a malformed YAML test file or configuration (`what`)."""
    return Finding(path, max(line, 1), max(col, 0), MalformedInput.code,
                   MalformedInput.message.format(what=what, reason=one_line(reason)))
