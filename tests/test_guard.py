"""The guard's cheap verdict (`_within_limits`) never admits what its tokenizer scan (`_scan`) refuses.

`check_for_libcst` first tries to prove, from Python's parser and character
weights, that a module is within `max-tokens` and `max-nesting`; only when it
cannot does the tokenizer scan decide. The proof must be sound: whatever the
cheap path admits, the scan admits too, or LibCST could be handed a module
that overflows its stack. Generated programs sit at and around small limits
so every construct the scan counts (brackets, operators, keywords, adjacent
strings, f-strings, blocks, `elif` chains, decorators) decides some verdicts.
"""

from __future__ import annotations

import ast

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import real_tree
from reviewlint.core.guard import DEFAULT_LIMITS, Limits, UnreadableSource, _scan, _within_limits, check_for_libcst


def scan_admits(source: str, nesting: int) -> bool:
    try:
        _scan(source, Limits(max_nesting=nesting))
    except UnreadableSource:
        return False
    return True


def cheap_admits(source: str, nesting: int) -> bool:
    return _within_limits(source, Limits(max_nesting=nesting))


# -- generated programs -------------------------------------------------------------------

NAMES = st.sampled_from(["x", "req", "data", "a1", "_"])
OPERATORS = st.sampled_from(["+", "-", "*", "**", "and", "or", "==", "is not", "in", "|", "<<", "@", "//"])
ATOMS = st.one_of(NAMES, st.sampled_from(["1", "2.5", "'s'", '"t"', "b'b'", "None", "...", "'{x}'"]))


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, OPERATORS, inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"not {e}"),
        inner.map(lambda e: f"-{e}"),
        st.lists(inner, min_size=1, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.lists(inner, min_size=1, max_size=3).map(lambda items: "[\n" + ",\n".join(items) + "\n]"),
        st.tuples(inner, inner).map(lambda t: f"{{{t[0]}: {t[1]}}}"),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} if {t[1]} else {t[2]}"),
        inner.map(lambda e: f"lambda: {e}"),
        inner.map(lambda e: f"[{e} for x in y if x]"),
        st.tuples(inner, NAMES).map(lambda t: f"({t[0]}).{t[1]}"),
        st.tuples(NAMES, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(NAMES, inner, inner).map(lambda t: f"{t[0]}({t[1]}, key={t[2]})"),
        inner.map(lambda e: f"'a' 'b' {e}"),
        inner.filter(lambda e: '"' not in e and "\\" not in e).map(lambda e: f'f"{{{e}}}"'),
        inner.filter(lambda e: "'" not in e and '"' not in e).map(lambda e: f"f\"{{f'{{{e}}}'}}\""),
        inner.map(lambda e: f"{e} \\\n + 1"),
    )


EXPRESSIONS = st.recursive(ATOMS, _compound, max_leaves=10)


def _indent(block: str) -> str:
    return "".join("    " + line if line.strip() else line for line in block.splitlines(True))


def _statements(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(EXPRESSIONS, inner).map(lambda t: f"if {t[0]}:\n{_indent(t[1])}"),
        st.tuples(EXPRESSIONS, inner, st.lists(st.tuples(EXPRESSIONS, inner), max_size=4), inner).map(
            lambda t: f"if {t[0]}:\n{_indent(t[1])}" + "".join(f"elif {c}:\n{_indent(b)}" for c, b in t[2])
            + f"else:\n{_indent(t[3])}"),
        st.tuples(EXPRESSIONS, inner).map(lambda t: f"for x in {t[0]}:\n{_indent(t[1])}"),
        st.tuples(inner, EXPRESSIONS, inner, inner).map(
            lambda t: f"try:\n{_indent(t[0])}except {t[1]}:\n{_indent(t[2])}finally:\n{_indent(t[3])}"),
        st.tuples(EXPRESSIONS, inner).map(lambda t: f"@{t[0]}\ndef f(a=1, *b, **c):\n{_indent(t[1])}"),
        st.tuples(EXPRESSIONS, inner).map(lambda t: f"@ \\\n  deco({t[0]})\nclass C(B):\n{_indent(t[1])}"),
        st.tuples(EXPRESSIONS, inner).map(lambda t: f"with {t[0]} as w:\n{_indent(t[1])}"),
        st.tuples(EXPRESSIONS, inner).map(lambda t: f"match {t[0]}:\n    case [1, x] if x:\n{_indent(_indent(t[1]))}"),
        st.tuples(inner, inner).map(lambda t: t[0] + t[1]),
    )


SIMPLE = st.one_of(
    EXPRESSIONS.map(lambda e: f"x = {e}\n"),
    EXPRESSIONS.map(lambda e: f"x = 1; y = {e}\n"),
    EXPRESSIONS.map(lambda e: f"return {e}\n"),
    st.just("pass\n"),
)
PROGRAMS = st.recursive(SIMPLE, _statements, max_leaves=5)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(PROGRAMS, st.integers(min_value=1, max_value=40))
def test_the_cheap_verdict_admits_nothing_the_scan_refuses(source: str, nesting: int) -> None:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        assume(False)
    if cheap_admits(source, nesting):
        assert scan_admits(source, nesting), source


@pytest.mark.parametrize("source", [
    "x = " + "(" * 12 + "1" + ")" * 12 + "\n",
    "x = " + " + ".join(["a"] * 12) + "\n",
    "x = " + "not " * 12 + "a\n",
    "x = 'a' " * 1 + "'b' " * 12 + "\n",
    "x = f\"{f'{" + "a if b else " * 5 + "c}'}\"\n",
    "if a:\n    pass\n" + "elif b:\n    pass\n" * 12 + "else:\n    x = [a.b.c]\n",
    "@ \\\n  " + "d(" * 6 + ")" * 6 + "\ndef f():\n    pass\n",
    "def f():\n" + "".join("    " * i + "if a:\n" for i in range(1, 13)) + "    " * 13 + "pass\n",
    "try:\n    pass\nexcept (" + "(" * 10 + "E" + ")" * 10 + "):\n    pass\n",
    "x = [\n" + "    [a + b + c + d],\n" * 40 + "]\n",
    "x = 1\r\ny = [\r\n" + "    a.b.c.d,\r\n" * 30 + "]\r\n",
])
def test_the_cheap_verdict_agrees_on_each_construct(source: str) -> None:
    """At every limit from 1 to 30: admitted cheaply only where the scan admits, and admitted somewhere."""
    verdicts = [(cheap_admits(source, n), scan_admits(source, n)) for n in range(1, 31)]
    assert all(scan for cheap, scan in verdicts if cheap), verdicts
    assert any(cheap for cheap, _ in verdicts)  # the cheap path decides some of them itself


def test_heavy_literals_are_scanned_statement_by_statement() -> None:
    """A long literal weighs more than the limit, but only its own lines are scanned."""
    literal = "SCHEMA = {\n" + "    'k%d': {'type': 'string', 'minLength': 1},\n" * 200 + "}\n"
    source = "import x\n\n\n" + literal + "\n\ndef f(a):\n    return a.b(c)\n"
    assert cheap_admits(source, DEFAULT_LIMITS.max_nesting)
    assert not cheap_admits("x = 1; " + literal, DEFAULT_LIMITS.max_nesting)  # not on a line of its own
    assert scan_admits("x = 1; " + literal, DEFAULT_LIMITS.max_nesting)


@pytest.mark.parametrize("source", [
    "x = 1\ry = 2\r",  # a lone CR: Python's parser and tokenize disagree on the lines
    "x = (\n",  # no Python at all
    "x = [" + "1, " * 30_000 + "]\n",  # more characters than max-tokens allows
])
def test_the_scan_decides_what_the_cheap_verdict_cannot_show(source: str) -> None:
    assert not cheap_admits(source, DEFAULT_LIMITS.max_nesting)


def test_refusals_are_the_scans_own() -> None:
    deep = "x = " + "(" * 200 + "1" + ")" * 200 + "\n"
    with pytest.raises(UnreadableSource, match="too deeply nested to analyse"):
        check_for_libcst(deep, DEFAULT_LIMITS)
    assert not cheap_admits(deep, DEFAULT_LIMITS.max_nesting)


@pytest.mark.realtree
def test_real_modules_take_the_cheap_path_and_it_is_sound() -> None:
    root = real_tree("openstack-placement", "16.0.0")
    modules = [path for path in sorted((root / "placement").rglob("*.py")) if "tests" not in path.parts]
    cheap = [path for path in modules if cheap_admits(path.read_text(), DEFAULT_LIMITS.max_nesting)]
    assert all(scan_admits(path.read_text(), DEFAULT_LIMITS.max_nesting) for path in cheap)
    assert len(cheap) == len(modules), sorted(set(map(str, modules)) - set(map(str, cheap)))
    # At a tight limit, verdicts differ across modules and the cheap ones still hold.
    for path in modules:
        text = path.read_text()
        if cheap_admits(text, 25):
            assert scan_admits(text, 25), path


def test_nested_f_strings_go_to_the_statements_scan() -> None:
    """Before 3.12 a keyword inside nested f-strings weighs once per f-string around it in `_scan`:
    a statement with two f-string openings is scanned, so the verdict is exactly the scan's."""
    source = "x = f\"{f'{" + "a if b else " * 6 + "c}'}\"\n"
    limit = next(n for n in range(1, 60) if scan_admits(source, n))
    assert not cheap_admits(source, limit - 1)
    assert cheap_admits(source, limit)
