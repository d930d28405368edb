"""What reviewlint agrees to read and to parse: the guards in front of every parser.

A linter meets whatever is in a tree: FIFOs and links to `/dev/zero` named
`*.py`, generated modules of many megabytes, expressions nested thousands
deep. Python's own parser refuses deep nesting with an exception, but LibCST's
native parser panics on huge input and overflows its stack on deep nesting,
and both take memory in proportion to the tokens they see. So:

- only regular files are read, never more than `max-file-size` bytes, checked
  before reading (`read_bytes`);
- LibCST is handed a module only after a tokenizer pass found at most
  `max-tokens` tokens nested at most `max-nesting` levels (`check_for_libcst`),
  or after Python's parser and a count of characters proved that pass would
  (`_within_limits`, a few times cheaper, tested against it);
- Python's parser, for the syntax check of other files, gets at most ten
  times `max-tokens` tokens and its depth errors are caught
  (`python_syntax_problem`).

Anything refused is an `UnreadableSource` with a one-line reason: RVL900 (or
RVL901 for a test file), and the run goes on. Nothing here imports LibCST,
and its patterns are compiled at first use (`re` keeps them): the editor's
path imports this module and uses none of them.
"""

from __future__ import annotations

import ast
import errno
import io
import os
import re
import stat
import sys
import tokenize
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
DEFAULT_MAX_TOKENS = 50_000
DEFAULT_MAX_NESTING = 150
# LibCST needs up to 4 kB and 100 us per token (a 50,000-token module: 200 MB, 8 s at
# worst; the largest module nova 18 analyses has 4,641). Python's parser needs up to
# 1 kB and 7 us, so the syntax check of files named on the command line allows ten
# times more (nova's largest test module has 238,000).
SYNTAX_CHECK_TOKENS = 10


class UnreadableSource(Exception):
    """The file cannot be read, decoded or parsed; the message is one line for RVL900."""

    def __init__(self, message: str, line: int = 1, col: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


@dataclass(frozen=True)
class Limits:
    """How much reviewlint reads and parses of one file (the `max-*` config keys)."""

    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    max_tokens: int = DEFAULT_MAX_TOKENS
    max_nesting: int = DEFAULT_MAX_NESTING


DEFAULT_LIMITS = Limits()

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def too_large(size: int | None, limit: int) -> UnreadableSource:
    """The refusal of a file over `max-file-size`."""
    amount = f"{size} bytes" if size is not None else f"more than {limit} bytes"
    return UnreadableSource(f"too large to analyse ({amount}; limit max-file-size = {limit})")


def read_bytes(path: Path | str, max_size: int) -> bytes:
    """The bytes of a regular file of at most `max_size` bytes, else UnreadableSource.

    The kind of file is checked before it is opened (opening a device can
    have effects), again on the open descriptor (it may have been swapped
    meanwhile; O_NONBLOCK keeps a FIFO from blocking the open), and the
    size before reading; at most `max_size + 1` bytes are ever read, so a
    file that grows or lies about its size (`/proc`) cannot exhaust memory.
    """
    try:
        _check_regular(os.stat(path).st_mode)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
        descriptor = os.open(path, flags)
    except OSError as exc:
        raise UnreadableSource(_os_reason(path, exc)) from None
    try:
        status = os.fstat(descriptor)
        _check_regular(status.st_mode)
        if status.st_size > max_size:
            raise too_large(status.st_size, max_size)
        chunks: list[bytes] = []
        remaining = max_size + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        raise UnreadableSource(_os_reason(path, exc)) from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > max_size:
        raise too_large(None, max_size)
    return data


def _check_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "a special file")
        raise UnreadableSource(f"not a regular file ({kind})")


def _os_reason(path: Path | str, exc: OSError) -> str:
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return "cannot read: broken symbolic link"
    if exc.errno == errno.ELOOP:
        return "cannot read: symbolic link loop"
    return f"cannot read: {exc.strerror or exc}"


# -- what LibCST may be given ---------------------------------------------------------

_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")
# Operators that do not nest the tree: separators, assignments, annotations.
_FLAT_OPERATORS = frozenset({
    ",", ";", ":", "=", "->", "...", "+=", "-=", "*=", "/=", "//=", "%=", "@=", "&=", "|=", "^=",
    ">>=", "<<=", "**=",
})
# Keywords that nest what follows them (`not x`, `a if b else c`, `lambda: x`, comprehensions).
_NESTING_KEYWORDS = frozenset({"and", "or", "not", "if", "else", "lambda", "await", "for", "in", "is", "yield"})
_STRING_STARTS = frozenset({tokenize.STRING, getattr(tokenize, "FSTRING_START", -1)})
_STRING_ENDS = frozenset({tokenize.STRING, getattr(tokenize, "FSTRING_END", -1)})
_TRIVIA = frozenset({tokenize.NL, tokenize.COMMENT})


class _Group:
    """One bracket pair (or a whole statement) while the tokenizer is inside it."""

    __slots__ = ("operators", "inner", "widest")

    def __init__(self) -> None:
        self.operators = 0  # nesting operators in the current element (reset at each comma)
        self.inner = 0  # the deepest bracket group closed inside the current element, plus one
        self.widest = 0  # the deepest element before the current one

    def depth(self) -> int:
        """How deeply the group's contents nest."""
        return max(self.widest, self.operators + self.inner)


def check_for_libcst(source: str, limits: Limits) -> None:
    """Raise UnreadableSource unless LibCST can safely be handed `source`.

    One tokenizer pass counts the tokens and bounds how deeply the tree will
    nest: each bracket, each operator of a chain (`1+1+...`, `a.b.c`,
    `x[0][0]`, `2**2**...`, `not not ...`, implicit string concatenation),
    each block and each `elif` of a chain adds a level (`_within_limits`
    first tries to prove it cheaper, with Python's parser). When the tokenizer
    itself fails the text is not Python: Python's parser then names the
    syntax error, and LibCST never sees the text.
    """
    if len(source) > limits.max_file_size:  # text handed over without a file (stdin, flake8)
        raise too_large(len(source.encode("utf-8", "surrogatepass")), limits.max_file_size)
    if _within_limits(source, limits):
        return
    try:
        _scan(source, limits)
    except (tokenize.TokenError, SyntaxError, ValueError):
        problem = python_syntax_problem(source, limits)
        if problem is not None:
            raise problem from None
    except UnreadableSource as refused:
        # An unclosed bracket nests everything after it: Python's parser names the real error.
        problem = python_syntax_problem(source, limits)
        if problem is not None and _is_syntax_error(problem):
            raise problem from None
        raise refused from None


def analysis_refusal(source: str, limits: Limits) -> UnreadableSource | None:
    """Why `source` cannot be analysed (the guard, then Python's parser), or None; without LibCST.

    One parse of Python's when the text is well within the limits, as most are.
    """
    if len(source) <= limits.max_file_size and _within_limits(source, limits):
        return None  # Python's parser accepted it, and the guard with it
    try:
        check_for_libcst(source, limits)
    except UnreadableSource as refused:
        return refused
    return python_syntax_problem(source, limits)


def _is_syntax_error(problem: UnreadableSource) -> bool:
    """A syntax error of the text itself, not Python's parser refusing its depth or its size."""
    message = str(problem)
    return message.startswith("syntax error: ") and not any(word in message for word in ("too many", "nested"))


def _scan(source: str, limits: Limits) -> None:
    """Tokenize `source`, raising UnreadableSource at the first token past a limit.

    The depth at a token is the blocks around its statement plus, for each
    bracket group it sits in, one for the bracket and the nesting operators
    of the group's current element, plus the deepest group already closed
    in the innermost element: the most any tree node there can be nested.
    """
    tokens = 0
    stack = [_Group()]
    operators = 0  # the sum of `operators` over the stack
    blocks = 0  # blocks and `elif` chains around the current statement
    chains: list[int] = [0]  # `elif` chain length per enclosing block level, outermost first
    line_start = True
    previous = -1
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        tokens += 1
        if tokens > limits.max_tokens:
            raise UnreadableSource(f"too large to analyse (more than {limits.max_tokens} tokens; "
                                   f"limit max-tokens = {limits.max_tokens})")
        kind = token.type
        if kind in _TRIVIA:
            continue
        if kind == tokenize.INDENT:
            chains.append(0)
            continue
        if kind == tokenize.DEDENT:
            chains.pop()
            continue
        text = token.string
        if kind in (tokenize.NEWLINE, tokenize.ENDMARKER) or (text == ";" and len(stack) == 1):
            stack, operators, line_start = [_Group()], 0, True
            continue
        if line_start:
            line_start = False
            if kind == tokenize.NAME and text == "elif":
                chains[-1] += 1
            elif not (kind == tokenize.NAME and text == "else"):
                chains[-1] = 0
            blocks = len(chains) - 1 + sum(chains)
        group = stack[-1]
        if kind == tokenize.OP:
            if text in _OPENING:
                group.operators += 1  # a call or subscript nests what it applies to
                operators += 1
                stack.append(_Group())
            elif text in _CLOSING:
                if len(stack) > 1:
                    closed = stack.pop()
                    operators -= closed.operators
                    stack[-1].inner = max(stack[-1].inner, closed.depth() + 1)
            elif text == ",":
                operators -= group.operators
                group.widest = group.depth()
                group.operators = group.inner = 0
            elif text not in _FLAT_OPERATORS:
                group.operators += 1
                operators += 1
        else:
            if (kind == tokenize.NAME and text in _NESTING_KEYWORDS) or (
                    kind in _STRING_STARTS and previous in _STRING_ENDS):  # 'a' 'b' nests like 'a' + 'b'
                group.operators += 1
                operators += 1
            if kind == tokenize.STRING and "{" in text:
                # Before Python 3.12 an f-string is one token, its fields hidden inside.
                group.inner = max(group.inner, formatted_depth(text) + 1)
        previous = kind
        depth = blocks + operators + len(stack) - 1 + stack[-1].inner
        if depth > limits.max_nesting:
            raise UnreadableSource(f"too deeply nested to analyse (more than {limits.max_nesting} levels; "
                                   f"limit max-nesting = {limits.max_nesting})", token.start[0])


# -- the same verdict, cheaper -------------------------------------------------------

# What `_scan` counts, by characters: a bracket nests twice (its group and the operator
# it applies), each character of an operator, each quote (adjacent strings, f-strings)
# and each word that ends like a nesting keyword once. Commas, colons and semicolons
# never nest; whatever strings and comments hold is counted too (an overestimate).
_UNWEIGHTED = r"[^\n(\[{\-+*/%@&|^~<>!.=\"']+"
# Before Python 3.12 `formatted_depth` counts a keyword once more for each f-string around
# it inside an f-string token, so a statement with two f-string openings is left to `_scan`.
_FORMAT_OPENING = r"|\b[fFrR][fFrR]?['\"]" if sys.version_info < (3, 12) else ""
_KEYWORD_OR_LINE = r"\n|(?:and|or|not|if|else|lambda|await|for|in|is|yield)(?!\w)" + _FORMAT_OPENING


def _within_limits(source: str, limits: Limits) -> bool:
    """True only when `_scan` would accept `source`, proved without Python's tokenize module.

    `_scan`'s depth at a token is the blocks around its logical line plus at
    most the weights (above) of the logical line's tokens before it. Python's
    parser (C, several times faster than tokenize) gives each statement's
    lines and block depth (an `elif` counts as a block, as in `_scan`), so
    when no statement's or clause header's lines weigh more than the limit
    at their depth, nothing does. When that cannot be shown (a long literal
    that only `_scan`'s per-element count admits, a syntax error, a lone CR,
    more characters than `max-tokens` allows), `_scan` decides.
    """
    if "\r" in source:
        if source.count("\r") != source.count("\r\n"):
            return False  # a lone CR ends a line for Python's parser, not for tokenize
        source = source.replace("\r\n", "\n")
    # Each token but the layout ones holds a character that is no blank; a line adds at most
    # NEWLINE or NL, an INDENT and a DEDENT.
    if len(source) - source.count(" ") - source.count("\t") + 2 * source.count("\n") + 4 > limits.max_tokens:
        return False
    try:
        tree = parse_quietly(source)
    except Exception:  # noqa: BLE001 - whatever Python's parser refuses, `_scan` judges
        return False
    weights, formats = _line_weights(source)
    prefix, opened = [0], [0]  # running sums of weights and of f-string openings, by line
    for weight, count in zip(weights, formats):
        prefix.append(prefix[-1] + weight)
        opened.append(opened[-1] + count)
    sums = (prefix, opened)
    lines = source.split("\n")
    depths = [0] * (len(weights) + 1)  # per line: the block depth of the innermost statement over it
    limit = limits.max_nesting
    bodies: list[tuple[list[ast.stmt], int]] = [(tree.body, 0)]
    while bodies:
        body, depth = bodies.pop()
        for statement in body:
            first, last = statement.lineno, statement.end_lineno or statement.lineno
            depths[first:last + 1] = [depth] * (last + 1 - first)  # its nested statements paint over it
            headers: list[tuple[int, int, int]] = []  # (first line, last line, extra weight)
            inner = getattr(statement, "body", None)
            if isinstance(statement, ast.Match):
                headers.append((first, statement.cases[0].pattern.lineno, 0))
                for case in statement.cases:
                    if not _fits(sums, case.pattern.lineno, case.body[0].lineno, depth + 1, limit):
                        return False
                    bodies.append((case.body, depth + 2))
            elif isinstance(inner, list) and inner:  # a compound statement: its header's lines
                headers.append((first, inner[0].lineno, 0))
                headers.extend((d.lineno, d.end_lineno or d.lineno, 1)  # the `@` may sit on a line before
                               for d in getattr(statement, "decorator_list", ()))
                for handler in getattr(statement, "handlers", ()):
                    headers.append((handler.lineno, handler.body[0].lineno, 0))
                    bodies.append((handler.body, depth + 1))
                bodies.append((inner, depth + 1))
                clauses = (getattr(statement, "orelse", None), getattr(statement, "finalbody", None))
                bodies.extend((clause, depth + 1) for clause in clauses if clause)
            elif _fits(sums, first, last, depth, limit) or _scans_within(lines, statement, depth, limits):
                depths[first:last + 1] = [-limit] * (last + 1 - first)  # its lines are all accounted for
            else:
                return False
            if any(not _fits(sums, start, end, depth + extra, limit) for start, end, extra in headers):
                return False
    # What is left of a compound statement's lines (`else:`, `try:`, `finally:`) counts alone.
    return all(depth + weight <= limit for depth, weight in zip(depths[1:], weights))


def _line_weights(source: str) -> tuple[list[int], list[int]]:
    """The weight and the f-string openings (before 3.12) of each line of `source` (LF ends lines)."""
    kept = re.sub(_UNWEIGHTED, "", source).split("\n")
    weights = [len(line) + line.count("(") + line.count("[") + line.count("{") for line in kept]
    formats = [0] * len(weights)
    index = 0
    for found in re.findall(_KEYWORD_OR_LINE, source):
        if found == "\n":
            index += 1
        elif found[-1] in "'\"":
            formats[index] += 1  # a prefix with an r or f: more than the f-strings
        else:
            weights[index] += 1
    return weights, formats


def _fits(sums: tuple[list[int], list[int]], first: int, last: int, depth: int, limit: int) -> bool:
    """Lines `first`..`last` at block `depth` weigh at most `limit` (and hold at most one f-string opening)."""
    prefix, opened = sums
    return depth + prefix[last] - prefix[first - 1] <= limit and opened[last] - opened[first - 1] < 2


def _scans_within(lines: list[str], statement: ast.stmt, depth: int, limits: Limits) -> bool:
    """A simple statement too heavy by weight: `_scan` its own lines, when it starts its first line."""
    head = lines[statement.lineno - 1]
    if head.encode("utf-8", "surrogatepass")[:statement.col_offset].strip():
        return False  # another statement before it on its line: the file's own scan decides
    text = "\n".join([head.lstrip(), *lines[statement.lineno:statement.end_lineno or statement.lineno]]) + "\n"
    try:
        _scan(text, Limits(limits.max_file_size, limits.max_tokens, limits.max_nesting - depth))
    except (UnreadableSource, tokenize.TokenError, SyntaxError, ValueError):
        return False
    return True


_FIELD_OPERATORS = frozenset("+-*/%@&|^~<>=!.")
_FIELD_KEYWORDS = r"\b(?:and|or|not|if|else|lambda|await|for|in|is|yield)\b"


def formatted_depth(token: str) -> int:
    """How deeply the replacement fields of an f-string token nest, by the same measure as `_scan`.

    Inner strings are skipped, except inner f-strings, whose fields count too.
    """
    quote_at = min(i for i in (token.find("'"), token.find('"')) if i >= 0)
    prefix = token[:quote_at]
    quotes = 3 if token.startswith(token[quote_at] * 3, quote_at) and len(token) >= quote_at + 6 else 1
    if "f" not in prefix.lower():
        return 0
    body = token[quote_at + quotes:len(token) - quotes]
    deepest = 0
    index, end = 0, len(body)
    while index < end:
        if body[index] != "{":
            index += 1
            continue
        if body.startswith("{{", index):
            index += 2
            continue
        level, depth, operators, start = 0, 0, 0, index
        while index < end:  # one replacement field, with its format spec
            char = body[index]
            if char in "([{":
                level += 1
                depth = max(depth, level)
            elif char in ")]}":
                level -= 1
                if level == 0:
                    break
            elif char in "'\"":
                inner = _inner_string(body, index)
                operators += formatted_depth(body[_prefix_start(body, index):inner])
                index = inner
                continue
            elif char in _FIELD_OPERATORS:
                operators += 1
            index += 1
        operators += len(re.compile(_FIELD_KEYWORDS).findall(body, start, index))
        deepest = max(deepest, 2 * depth + operators)
        index += 1
    return deepest


def _inner_string(body: str, start: int) -> int:
    """The index just past the string literal that starts with the quote at `start` (or the end)."""
    quote = body[start] * 3 if body.startswith(body[start] * 3, start) else body[start]
    index = start + len(quote)
    while index < len(body):
        if body[index] == "\\":
            index += 2
        elif body.startswith(quote, index):
            return index + len(quote)
        else:
            index += 1
    return len(body)


def _prefix_start(body: str, quote: int) -> int:
    start = quote
    while start > 0 and body[start - 1] in "rRbBfFuU":
        start -= 1
    return start


# -- what Python's parser may be given -------------------------------------------------

# A token is at least a word, one punctuation character or a line break, so
# counting those bounds the number of tokens from above, at C speed.
_TOKEN_LIKE = r"\w+|[^\w\s]|\n"


def python_syntax_problem(source: str, limits: Limits) -> UnreadableSource | None:
    """The syntax error Python's parser finds in `source` (None when it parses).

    Python's parser guards itself against deep nesting (it raises
    RecursionError, MemoryError or "too many nested parentheses"), so only
    the amount of input needs bounding: its memory grows with the tokens,
    up to a kilobyte each, so at most ten times `max-tokens` are parsed.
    """
    budget = SYNTAX_CHECK_TOKENS * limits.max_tokens
    if len(source) > budget and re.subn(_TOKEN_LIKE, "", source)[1] > budget and _token_count(source, budget) > budget:
        return UnreadableSource(f"too large to analyse (more than {budget} tokens; "
                                f"limit {SYNTAX_CHECK_TOKENS} x max-tokens = {budget})")
    try:
        parse_quietly(source)
    except SyntaxError as exc:
        return UnreadableSource(f"syntax error: {exc.msg}", exc.lineno or 1, max((exc.offset or 1) - 1, 0))
    except (RecursionError, MemoryError):
        return UnreadableSource(f"too deeply nested to analyse (Python's parser gave up; "
                                f"limit max-nesting = {limits.max_nesting})")
    except (ValueError, OverflowError) as exc:
        return UnreadableSource(f"syntax error: {one_line(str(exc))}")
    return None


def parse_quietly(source: str | bytes) -> ast.Module:
    """`ast.parse(source)` without its warnings (invalid escape sequences and the like are not errors,
    and Python 3.12 would print them into flake8's output); its exceptions as they are."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)


def _token_count(source: str, stop: int) -> int:
    count = 0
    try:
        for _ in tokenize.generate_tokens(io.StringIO(source).readline):
            count += 1
            if count > stop:
                break
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass  # Python's parser will name the error
    return count


def one_line(text: str, limit: int = 200) -> str:
    """`text` on one line, shortened to `limit` characters, for messages."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- what a YAML document may expand to -------------------------------------------------

def check_yaml_nodes(root: Any, limits: Limits) -> None:
    """Raise UnreadableSource when a composed YAML document is unsafe to construct.

    PyYAML's composer shares the node of an anchor among its aliases, so a
    small file can describe an enormous document (billion laughs) that
    building strings from it would expand, or one that contains itself.
    One walk over the node graph (iterative: documents nest deeply) bounds
    the expanded size of every node by twice `max-file-size` (characters
    of scalars plus one per node, counted once per alias use) and its depth
    by `max-nesting`.
    """
    if root.id == "scalar":
        return
    budget = 2 * limits.max_file_size
    done: dict[Any, tuple[int, int]] = {}  # collection node -> (expanded size, depth)
    open_nodes: set[Any] = set()  # expanded, not finished: the path from the root
    stack = [root]
    while stack:
        node = stack[-1]
        if node in done:
            stack.pop()
            continue
        children = [item for pair in node.value for item in pair] if node.id == "mapping" else node.value
        if node not in open_nodes:
            open_nodes.add(node)
            for child in children:
                if child.id != "scalar" and child not in done:
                    if child in open_nodes:
                        raise UnreadableSource("an alias refers to a node that contains it", _yaml_line(child))
                    stack.append(child)
            continue
        stack.pop()
        open_nodes.discard(node)
        size, depth = 1, 1
        for child in children:
            if child.id == "scalar":
                size += 1 + len(child.value)
            else:
                inner_size, inner_depth = done[child]
                size += inner_size
                depth = max(depth, inner_depth + 1)
        if size > budget:
            raise UnreadableSource(f"aliases expand it beyond {budget} characters (limit twice max-file-size)",
                                   _yaml_line(node))
        if depth > limits.max_nesting:
            raise UnreadableSource(f"nested too deeply to analyse (more than {limits.max_nesting} levels; "
                                   f"limit max-nesting = {limits.max_nesting})", _yaml_line(node))
        done[node] = (size, depth)


def _yaml_line(node: Any) -> int:
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else 1


def describe_error(error: BaseException) -> str:
    """`KeyError: 'x'`: an exception's type and message on one short line."""
    try:
        text = str(error)
    except Exception:  # an exception whose __str__ fails (LibCST has some)
        text = "<no message>"
    return f"{type(error).__name__}: {one_line(text, 160)}" if text else type(error).__name__
