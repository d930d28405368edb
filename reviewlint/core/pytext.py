"""Python source read as bytes, without a parser: traces, import statements, module-level defs.

What the prefilter, the routes search and the reach of handlers ask of a
module's text before (or instead of) LibCST parses it. Cheap substring
searches first, and patterns that start with a word.
"""

from __future__ import annotations

import re

# What a finding outside a handler module needs in the file's text:
# RVL201 a JSON decode (`json.loads`, `req.json_body`, `extract_json`), RVL203
# a schema object (`properties`, `patternProperties`), RVL4xx a gate (a
# `version_handler`, a `.matches(` or a comparison), the routes or versions
# module (`ROUTE_DECLARATIONS` or a quoted HTTP method, `VERSIONS`).
_TRACES = (b"load", b"json", b"roperties", b"version_handler", b"matches", b"<", b">", b"==",
           b"ROUTE_DECLARATIONS", b"VERSIONS")
# An HTTP method quoted as a dict key: the trace a table of (template, {METHOD: handler}) pairs
# leaves in the text (the pair itself, `(template, {`, is looked for next: routes.may_hold_pairs).
# The opening quote is left out: a pattern that starts with a word is searched much faster, and
# `'TARGET':` passing too only costs a closer look.
METHOD_KEY = re.compile(rb"""(?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)['"]\s*:""")
WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
ROUTES_TABLE = re.compile(rb"^[ \t]*ROUTE_DECLARATIONS\b.*?(?:^[})]|\Z)", re.M | re.S)
TARGET_HEAD = re.compile(rb"\b([A-Za-z_][A-Za-z0-9_]*)\s*\.")
ALIAS = re.compile(rb"\b([A-Za-z_][A-Za-z0-9_]*)[ \t]+as[ \t]+([A-Za-z_][A-Za-z0-9_]*)")
# `import` as a word, matched from the character before it.
_IMPORT_WORD = re.compile(rb"(?:^|[^\w.])import(?![\w])")
FROM_IMPORT = re.compile(rb"from[ \t]+(\.*)([\w.]*)[ \t]+import\b(.*)", re.S)
DOTTED_NAME = re.compile(rb"[A-Za-z_][\w.]*")
# The line starts Python's tokenizer accepts: CR and CRLF end lines, a form feed may open one.
_ODD_LINES = (b"\r", b"\f")


def lines_as_python_reads_them(data: bytes) -> bytes:
    if any(odd in data for odd in _ODD_LINES):
        return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\f", b"")
    return data


def has_trace(data: bytes) -> bool:
    """True when the text holds something a finding outside a handler module needs.

    Plain substring tests, then a quoted HTTP method as a dict key (a table
    of route pairs under any name).
    """
    return any(trace in data for trace in _TRACES) or METHOD_KEY.search(data) is not None


def import_statements(data: bytes) -> list[bytes]:
    """The import statements of a module's text, parenthesised or continued ones whole.

    Found from each `import` word (a fast substring search), not by trying
    every line start, which costs seconds on a large tree.
    """
    data = lines_as_python_reads_them(data)
    statements = []
    end = 0
    word = data.find(b"import")
    while word >= 0:
        after = word + len(b"import")
        is_word = word == 0 or _IMPORT_WORD.match(data, word - 1) is not None
        if word >= end and is_word:
            start = data.rfind(b"\n", 0, word) + 1
            head = data[start:word].lstrip(b" \t")
            if head.startswith(b"from") and FROM_IMPORT.match(head + b"import"):
                if data.startswith(b"(", _skip_blanks(data, after)):
                    close = data.find(b")", after)
                    end = len(data) if close < 0 else close + 1
                else:
                    end = _line_end(data, after)
                statements.append(data[start:end])
            elif head == b"":
                end = _line_end(data, after)
                statements.append(data[start:end])
        word = data.find(b"import", after)
    return statements


def _skip_blanks(data: bytes, index: int) -> int:
    while index < len(data) and data[index] in b" \t":
        index += 1
    return index


def _line_end(data: bytes, index: int) -> int:
    """The end of the logical line at `index` (backslash continuations followed)."""
    while True:
        end = data.find(b"\n", index)
        if end < 0:
            return len(data)
        last = end - 1
        while last >= index and data[last] in b" \t\r":
            last -= 1
        if last < index or data[last] != ord("\\"):
            return end
        index = end + 1


def defines_module_functions(data: bytes) -> bool:
    """A module-level `def` (at a line start), or a top-level `if`/`try` whose block may hold one."""
    data = lines_as_python_reads_them(data)
    return (data.startswith((b"def ", b"async ", b"if ", b"if(", b"try:", b"try "))
            or any(start in data for start in (b"\ndef ", b"\nasync ", b"\nif ", b"\nif(", b"\ntry:", b"\ntry ")))
