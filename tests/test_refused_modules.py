"""A module reviewlint needs and cannot analyse is unknown, not absent (issue 27 item 2, issue 28 item 6).

It is one RVL900 where it is, with the real reason (Python's own message
when it does not compile), and nothing is guessed from its absence: no
RVL405 for the routes into it, no RVL400 "no routes module", no RVL501
where the routes would have said which handlers are public.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLE, REPO, Command, expected_of, findings_of

EXPECTED = expected_of(REPO / "tests" / "expected" / "example.txt")
# Past max-tokens (50,000) but valid Python; past max-nesting (150).
TOO_MANY_TOKENS = "BIG = [" + ", ".join(["1"] * 30000) + "]\n"
TOO_DEEP = "DEEP = " + "(" * 160 + "1" + ")" * 160 + "\n"


def _example(tmp_path: Path, broken: str, tail: str) -> Path:
    root = Path(shutil.copytree(EXAMPLE, tmp_path / "example"))
    with open(root / broken, "a") as stream:
        stream.write(tail)
    return root


def _lines(root: Path, name: str) -> int:
    return len((root / name).read_text().splitlines())


@pytest.mark.parametrize("tail", [TOO_MANY_TOKENS, TOO_DEEP], ids=["tokens", "nesting"])
def test_a_refused_schema_module_is_one_rvl900_where_it_is(command: Command, tmp_path: Path, tail: str) -> None:
    # Before: no finding at all there (its RVL203 and RVL601 just vanished), in every mode.
    root = _example(tmp_path, "depot/schemas/crate.py", tail)
    line = 1 if tail is TOO_MANY_TOKENS else _lines(root, "depot/schemas/crate.py")
    refused = ("depot/schemas/crate.py", line, "RVL900")
    lost = {("depot/schemas/crate.py", 22, "RVL203"), ("api-ref/source/parameters.yaml", 20, "RVL601")}
    tree = command("--no-cache", ".", cwd=root)
    assert findings_of(tree.stdout) == sorted([row for row in EXPECTED if row not in lost] + [refused])
    named = command("--no-cache", "depot/schemas/crate.py", cwd=root)
    assert findings_of(named.stdout) == [refused]  # what it would change is unknown: no reference finding
    reason = "too large to analyse (more than 50000 tokens" if tail is TOO_MANY_TOKENS else "too deeply nested"
    assert f"RVL900 cannot check this file: {reason}" in named.stdout


def test_a_refused_schema_module_under_flake8(flake8: Command, tmp_path: Path) -> None:
    root = _example(tmp_path, "depot/schemas/crate.py", TOO_MANY_TOKENS)
    result = flake8("--select", "RVL", "depot/schemas/crate.py", cwd=root)
    assert findings_of(result.stdout) == [("depot/schemas/crate.py", 1, "RVL900")]


def test_a_refused_routes_module_leaves_the_routes_unknown(command: Command, flake8: Command,
                                                           tmp_path: Path) -> None:
    # Before: no RVL900, but `RVL400 ... no routes module (ROUTE_DECLARATIONS)` and an RVL501 on
    # root.home, which only the routes say is version discovery.
    root = _example(tmp_path, "depot/handler.py", TOO_MANY_TOKENS)
    rows = findings_of(command("--no-cache", ".", cwd=root).stdout)
    assert ("depot/handler.py", 1, "RVL900") in rows
    codes = {code for _, _, code in rows}
    assert not codes & {"RVL400", "RVL405", "RVL501", "RVL401", "RVL404"}
    assert [row for row in rows if row[0] == "depot/handlers/root.py"] == []
    # What does not rest on the routes stays.
    assert {("depot/handlers/shelf.py", 27, "RVL101"), ("depot/handlers/shelf.py", 84, "RVL502"),
            ("depot/handlers/crate.py", 24, "RVL403")} <= set(rows)
    assert findings_of(flake8("--select", "RVL", "depot/handler.py", "depot/handlers/root.py", cwd=root).stdout) \
        == [("depot/handler.py", 1, "RVL900")]


def test_a_refused_versions_module_is_not_a_missing_versions_list(command: Command, tmp_path: Path) -> None:
    # Before: no RVL900, and `RVL400 cannot check microversion coverage: no VERSIONS list`.
    root = _example(tmp_path, "depot/microversion.py", TOO_DEEP)
    rows = findings_of(command("--no-cache", ".", cwd=root).stdout)
    assert ("depot/microversion.py", _lines(root, "depot/microversion.py"), "RVL900") in rows
    assert not {code for _, _, code in rows} & {"RVL400", "RVL401", "RVL402", "RVL403", "RVL404"}


def test_a_refused_handler_module_leaves_its_routes_unknown_not_dead(command: Command, tmp_path: Path) -> None:
    # Before: five error-level RVL405 "route GET /crates names depot.handlers.crate.list_crates,
    # which the project does not define".
    root = _example(tmp_path, "depot/handlers/crate.py", TOO_DEEP)
    rows = findings_of(command("--no-cache", ".", cwd=root).stdout)
    assert [row for row in rows if row[2] in ("RVL405", "RVL900")] == [
        ("depot/handler.py", 41, "RVL405"),  # audit_shelf, which nobody wrote: still dead
        ("depot/handlers/crate.py", _lines(root, "depot/handlers/crate.py"), "RVL900"),
    ]


def _unclosed_handler_module() -> str:
    lines = ['"""Widgets."""', "", "from svc import wsgi_wrapper", "", "LIMIT = max(1, 2 ("]
    for n in range(60):
        lines += ["", "", "@wsgi_wrapper.PlacementWsgify", f"def handler_{n}(req):",
                  "    context = req.environ['svc.context']", f"    context.can('svc:{n}')",
                  "    return req.body.decode('utf-8') + 'x' + 'y'"]
    return "\n".join(lines) + "\n"


ROUTES = '''\
from svc import handlers

ROUTE_DECLARATIONS = {
    '/widgets': {
        'GET': handlers.handler_0,
    },
}
'''


def test_an_unclosed_bracket_is_named_as_python_names_it(command: Command, flake8: Command,
                                                         tmp_path: Path) -> None:
    # Before: `svc/handlers.py:93:1: RVL900 cannot check this file: too deeply nested to analyse
    # (more than 150 levels; ...)` and `RVL405 route GET /widgets names svc.handlers.handler_0,
    # which the project does not define`, where flake8 says `5:19: E999 SyntaxError: '(' was never closed`.
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = svc\n")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc/__init__.py").write_text("")
    (tmp_path / "svc/handlers.py").write_text(_unclosed_handler_module())
    (tmp_path / "svc/routes.py").write_text(ROUTES)
    result = command("--no-cache", ".", cwd=tmp_path)
    assert result.stdout == "svc/handlers.py:5:18: RVL900 cannot check this file: syntax error: '(' was never closed\n"
    under_flake8 = flake8("--select", "RVL,E9", "svc", cwd=tmp_path)
    assert findings_of(under_flake8.stdout) == [("svc/handlers.py", 5, "E999")]  # flake8 runs no plugin there
    # A file that is really too deep still says so.
    (tmp_path / "svc/handlers.py").write_text(_unclosed_handler_module().replace("2 (", "2 " + "(" * 160 + ")" * 161))
    assert "too deeply nested to analyse" in command("--no-cache", "svc/handlers.py", cwd=tmp_path).stdout


def test_a_warm_run_agrees(command: Command, tmp_path: Path) -> None:
    root = _example(tmp_path, "depot/handler.py", TOO_MANY_TOKENS)
    cache = str(tmp_path / "cache")
    cold = command("--cache-dir", cache, ".", cwd=root).stdout
    assert command("--cache-dir", cache, ".", cwd=root).stdout == cold
    assert command("--cache-dir", cache, "depot/handler.py", cwd=root).stdout == \
        "".join(line + "\n" for line in cold.splitlines() if line.startswith("depot/handler.py:"))


def test_a_malformed_test_file_leaves_what_it_may_test_unknown(command: Command, tmp_path: Path) -> None:
    # Before: its RVL901, and ten RVL401/RVL404 on every crate gate, as if crates had no test at all.
    root = _example(tmp_path, "depot/tests/functional/gabbits/crates.yaml", "  - [unclosed\n")
    rows = findings_of(command("--no-cache", ".", cwd=root).stdout)
    assert rows == sorted(EXPECTED + [("depot/tests/functional/gabbits/crates.yaml", 68, "RVL901")])
    # The shelves' gates stay judged: the broken file names no shelf route.
    assert ("depot/handlers/shelf.py", 70, "RVL401") in rows


def test_the_paths_of_a_malformed_test_file_are_found_in_linear_time(command: Command, tmp_path: Path) -> None:
    import time

    root = _example(tmp_path, "depot/tests/functional/gabbits/crates.yaml",
                    "  - [unclosed /" + "$A[" * 300_000 + " /" + "a/" * 300_000 + "\n")
    started = time.monotonic()
    rows = findings_of(command("--no-cache", "--select", "RVL4,RVL9", ".", cwd=root).stdout)
    assert time.monotonic() - started < 20
    assert ("depot/tests/functional/gabbits/crates.yaml", 68, "RVL901") in rows
