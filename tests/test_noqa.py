"""`# noqa` semantics, the bare-noqa relocation of header findings, and code selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewlint.core.config import _parse_per_file_ignores
from reviewlint.app.engine import Selection
from reviewlint.core.findings import Finding
from reviewlint.core.noqa import apply_noqa, noqa_codes

SOURCE = """\
@wsgi_wrapper.PlacementWsgify
@microversion.version_handler('1.2')
def handler(req):  # noqa
    pass
"""


def header(line: int = 3, code: str = "RVL101") -> Finding:
    return Finding("x.py", line, 0, code, "m", fallback_lines=(1, 2))


def test_noqa_comment_forms() -> None:
    assert noqa_codes("x = 1") is None
    assert noqa_codes("x = 1  # noqa") == ()
    assert noqa_codes("x = 1  # NOQA:RVL101,E501") == ("RVL101", "E501")
    # As flake8: codes are taken as written, so a lower-case one hides nothing.
    assert noqa_codes("x = 1  # noqa: rvl1 F811") == ("rvl1", "F811")
    assert len(apply_noqa([header()], SOURCE.replace("# noqa", "# noqa: rvl101"))) == 1


def test_a_multi_line_string_shares_the_noqa_at_its_end_as_in_flake8() -> None:
    source = 'X = """\nabc\n"""  # noqa: RVL301\nY = 1\n'
    assert apply_noqa([Finding("x.py", 1, 0, "RVL301", "m")], source) == []
    assert len(apply_noqa([Finding("x.py", 4, 0, "RVL301", "m")], source)) == 1


def test_bare_noqa_on_def_moves_header_finding_to_first_unmarked_decorator() -> None:
    assert apply_noqa([header()], SOURCE) == [Finding("x.py", 1, 0, "RVL101", "m")]


def test_decorator_lines_with_noqa_are_skipped() -> None:
    source = SOURCE.replace("PlacementWsgify", "PlacementWsgify  # noqa: E501")
    assert [f.line for f in apply_noqa([header()], source)] == [2]


def test_noqa_naming_other_codes_leaves_finding_on_def_line() -> None:
    source = SOURCE.replace("# noqa", "# noqa: F811")
    assert [f.line for f in apply_noqa([header()], source)] == [3]


def test_noqa_naming_rvl_codes_is_honoured() -> None:
    assert apply_noqa([header()], SOURCE.replace("# noqa", "# noqa: RVL101")) == []
    assert apply_noqa([header()], SOURCE.replace("# noqa", "# noqa:RVL1")) == []
    assert len(apply_noqa([header(code="RVL104")], SOURCE.replace("# noqa", "# noqa: RVL101"))) == 1


def test_bare_noqa_still_hides_non_header_findings() -> None:
    assert apply_noqa([Finding("x.py", 3, 0, "RVL201", "m")], SOURCE) == []


def test_file_level_flake8_noqa() -> None:
    assert apply_noqa([header()], "# flake8: noqa\n" + SOURCE) == []


def test_selection_longest_prefix_wins() -> None:
    selection = Selection(select=("RVL",), ignore=("RVL2",))
    assert selection.wants("RVL101") and not selection.wants("RVL203")
    selection = Selection(select=("RVL203",), ignore=("RVL2",))
    assert selection.wants("RVL203") and not selection.wants("RVL201")
    assert not Selection(select=("RVL1",)).wants("RVL203")


def test_per_file_ignores_match_as_in_flake8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    where = str(tmp_path / "setup.cfg")
    selection = Selection(per_file_ignores=_parse_per_file_ignores(
        "svc/handlers/*.py: RVL101\ntests/*: RVL\ntrait.py inventory.py: RVL5,RVL3", where))
    assert not selection.wants("RVL101", "svc/handlers/a.py")
    assert selection.wants("RVL101", "svc/other.py")
    assert not selection.wants("RVL203", "tests/unit/test_x.py")
    # Several patterns before one colon (before: one glob "trait.py inventory.py" that matched nothing).
    assert not selection.wants("RVL501", "svc/trait.py")
    assert not selection.wants("RVL301", "svc/inventory.py")
    # A directory pattern matches no file below it, as in flake8.
    assert Selection(per_file_ignores=_parse_per_file_ignores("tests/: RVL", where)).wants("RVL101", "tests/x.py")


def test_per_file_ignores_longest_matching_pattern_wins_as_in_flake8(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    selection = Selection(per_file_ignores=_parse_per_file_ignores(
        "*.py: RVL1\nsvc/handlers.py: RVL2", str(tmp_path / "setup.cfg")))
    assert selection.wants("RVL101", "svc/handlers.py") and not selection.wants("RVL201", "svc/handlers.py")
    assert not selection.wants("RVL101", "svc/other.py") and selection.wants("RVL201", "svc/other.py")
