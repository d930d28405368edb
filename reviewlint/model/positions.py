"""Where a module's nodes are: LibCST's `PositionProvider` ranges, for a quarter of its cost.

`PositionProvider` carries a line and a column through every token of the
module's code and builds two position objects and a range for every node:
on placement, twice the parse. Findings need the positions of a few nodes.
`positions` generates the code once (LibCST's own codegen), keeping for each
node only the token indices where its range starts and ends, with the same
rules (a node's syntactic range where it records one, hoisted from its
children as they say, else all it generated), and turns an index into a line
and column from the text when asked. Tested against `PositionProvider` on
every node of the example and of real trees; a text with a carriage return
(whose newlines a token may split), or a LibCST whose codegen this does not
fit, gets `PositionProvider` itself.
"""

from __future__ import annotations

import bisect
import itertools
import re
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

Position = tuple[int, int]  # (1-based line, 0-based column)
Locate = Callable[[cst.CSTNode], tuple[Position, Position]]


def positions(tree: cst.Module) -> Locate:
    """(start, end) of any node of `tree`, as `PositionProvider` gives them."""
    try:
        return _Spans(tree).locate
    except _Unfit:
        pass
    ranges = MetadataWrapper(tree, unsafe_skip_copy=True).resolve(PositionProvider)

    def provided(node: cst.CSTNode) -> tuple[Position, Position]:
        found = ranges[node]
        return (found.start.line, found.start.column), (found.end.line, found.end.column)
    return provided


class _Unfit(Exception):
    """This module or this LibCST is not one the token spans reproduce exactly."""


def _span_state(tree: cst.Module) -> Any:
    try:
        from libcst._nodes.internal import CodegenState
    except ImportError as error:  # a LibCST that moved it
        raise _Unfit() from error

    class SpanState(CodegenState):
        """Codegen that keeps (first token, token after the last) per node instead of positions."""

        def __init__(self) -> None:
            super().__init__(default_indent=tree.default_indent, default_newline=tree.default_newline)
            self.spans: dict[cst.CSTNode, tuple[int, int]] = {}
            self.open: list[int] = []

        def before_codegen(self, node: cst.CSTNode) -> None:
            self.open.append(len(self.tokens))

        def after_codegen(self, node: cst.CSTNode) -> None:
            start = self.open.pop()
            if node not in self.spans:  # a syntactic range recorded inside it stands
                self.spans[node] = (start, len(self.tokens))

        @contextmanager
        def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                      end_node: cst.CSTNode | None = None) -> Iterator[None]:
            start = len(self.tokens)
            try:
                yield
            finally:
                end = len(self.tokens)
                self.spans[node] = (self.spans[start_node][0] if start_node is not None else start,
                                    self.spans[end_node][1] if end_node is not None else end)

        def pop_trailing_newline(self) -> None:
            """Kept: PositionProvider's state drops the module's last newline from the code, not from
            where it has got to, so the module's range ends after it."""

    return SpanState()


class _Spans:
    def __init__(self, tree: cst.Module) -> None:
        try:
            state = _span_state(tree)
            tree._codegen(state)
        except (AttributeError, TypeError, KeyError, IndexError) as error:  # codegen this does not fit
            raise _Unfit() from error
        text = "".join(state.tokens)
        if "\r" in text:
            raise _Unfit()
        self.spans: dict[cst.CSTNode, tuple[int, int]] = state.spans
        self.offsets = [0, *itertools.accumulate(map(len, state.tokens))]
        self.line_starts = [found.end() for found in re.finditer("\n", text)]

    def at(self, token: int) -> Position:
        offset = self.offsets[token]
        lines = bisect.bisect_right(self.line_starts, offset)  # newlines before the offset
        return lines + 1, offset - (self.line_starts[lines - 1] if lines else 0)

    def locate(self, node: cst.CSTNode) -> tuple[Position, Position]:
        start, end = self.spans[node]
        return self.at(start), self.at(end)
