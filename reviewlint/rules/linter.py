"""RVL9xx: problems reviewlint had reading its input.

The engine reports these itself; the classes carry their documentation.
"""

from __future__ import annotations

from reviewlint.core.problems import MALFORMED_CODE, MALFORMED_MESSAGE, UNREADABLE_CODE, UNREADABLE_MESSAGE
from reviewlint.rules.base import Rule


class UnreadableFile(Rule):
    """A file could not be read or parsed (syntax error, bad encoding, binary data).

    reviewlint reports it once, with the reason and position, and goes on
    with the other files: one broken file never hides the rest of a run.
    """

    code = UNREADABLE_CODE
    severity = "error"
    message = UNREADABLE_MESSAGE
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

    code = MALFORMED_CODE
    severity = "error"
    message = MALFORMED_MESSAGE
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
