"""Every rule's documented examples are tests (Fixit's VALID/INVALID, hacking's `Okay:` lines).

The `bad` example gives exactly its rule's code on its marked lines, the
`good` one (written over `bad`) gives nothing; neither is malformed (RVL9xx).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness import lint_snippet
from reviewlint.app.ruledocs import rule_markdown
from reviewlint.rules import rule_by_code, rule_classes
from reviewlint.rules.base import (EXAMPLE_MARK, Rule, example_files, example_language, example_marks,
                                   marked_lines_note)

RULES = rule_classes()


def rule_of(code: str) -> type[Rule]:
    rule = rule_by_code(code)
    assert rule is not None
    return rule


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_bad_example_gives_the_rule_on_the_marked_lines(tmp_path: Path, rule: type[Rule]) -> None:
    marks = example_marks(rule.bad)
    assert marks, f"{rule.code}: the bad example marks no line with '# <-'"
    rows = lint_snippet(tmp_path, example_files(rule.bad), select=[rule.code, "RVL9"])
    assert rows == [(path, line, rule.code) for path, line in marks]


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_good_example_gives_nothing(tmp_path: Path, rule: type[Rule]) -> None:
    assert rule.good, f"{rule.code} has no good example"
    assert not example_marks(rule.good)
    files = {**example_files(rule.bad), **example_files(rule.good)}
    assert lint_snippet(tmp_path, files, select=[rule.code, "RVL9"]) == []


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_explain_and_the_rules_page_show_each_file_under_its_name(rule: type[Rule]) -> None:
    text, markdown = rule.explain(), rule_markdown(rule)
    assert EXAMPLE_MARK not in text and EXAMPLE_MARK not in markdown
    for example in (rule.bad, rule.good):
        for path, body in example_files(example).items():
            where = marked_lines_note(rule, path) if example is rule.bad else ""
            indented = "".join(f"        {line}\n" if line else "\n" for line in body.splitlines())
            assert f"\n    {path}{where}:\n\n{indented}" in text
            assert f"\n`{path}`{where}:\n\n```{example_language(path)}\n{body}```\n" in markdown


def test_explain_shows_a_python_example() -> None:
    assert rule_of("RVL102").explain().split("\nBad:\n", 1)[1] == '''
    svc/handlers/reshaper.py (RVL102 on line 1):

        @util.require_content('application/json')
        @wsgi_wrapper.PlacementWsgify
        @microversion.version_handler('1.2')
        def reshape(req):
            data = util.extract_json(req.body, schema.POST_RESHAPER)

Good:

    svc/handlers/reshaper.py:

        @wsgi_wrapper.PlacementWsgify
        @microversion.version_handler('1.2')
        @util.require_content('application/json')
        def reshape(req):
            data = util.extract_json(req.body, schema.POST_RESHAPER)
'''


def test_the_rules_page_fences_reference_files_as_rst_and_yaml() -> None:
    markdown = rule_markdown(rule_of("RVL603"))
    assert "\n`api-ref/source/widgets.inc` (RVL603 on line 12):\n\n```rst\nUpdate widget\n" in markdown
    assert "\n`api-ref/source/parameters.yaml`:\n\n```yaml\nwidget_colour:\n" in markdown
    assert "\n**Use instead:** (the other files as in the example)\n\n`api-ref/source/widgets.inc`:\n" in markdown
    assert re.findall(r"```(\w+)\n", markdown) == [
        "python", "python", "python", "rst", "yaml", "rst"]
