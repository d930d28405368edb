"""RVL9xx: problems reviewlint had reading its input.

The engine reports these itself; the classes carry their documentation.
"""

from __future__ import annotations

from reviewlint.rules.base import Rule


class UnreadableFile(Rule):
    """A file could not be read or parsed (syntax error, bad encoding, binary data).

    reviewlint reports it once, with the reason and position, and goes on
    with the other files: one broken file never hides the rest of a run.
    """

    code = "RVL900"
    severity = "error"
    message = "cannot check this file: {reason}"
    location = "the position of the error (line 1 when unknown)"


class MalformedInput(Rule):
    """A YAML test file or a configuration value is malformed.

    The file is named with the parser's reason; everything else is still checked.
    """

    code = "RVL901"
    severity = "error"
    message = "malformed {what}: {reason}"
    location = "the file (line 1 when the position is unknown)"


RULES: tuple[type[Rule], ...] = (UnreadableFile, MalformedInput)
