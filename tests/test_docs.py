"""Documentation stays true to the code: rule docs, README rule table, --help."""

from __future__ import annotations

import re

from conftest import REPO, Command
from reviewlint.app.ruledocs import render
from reviewlint.rules import rule_classes


def test_rules_page_is_generated_from_the_rule_classes() -> None:
    assert (REPO / "docs" / "rules.md").read_text() == render(), \
        "run: python -m reviewlint.app.ruledocs > docs/rules.md"


def test_every_rule_documents_itself() -> None:
    for rule in rule_classes():
        assert re.fullmatch(r"RVL\d{3}", rule.code)
        assert rule.summary() and rule.message
        assert rule.rationale(), rule.code  # the examples are tests/test_examples.py's


def test_readme_rule_table_lists_every_code() -> None:
    readme = (REPO / "README.md").read_text()
    for rule in rule_classes():
        assert f"[{rule.code}](docs/rules.md#{rule.code.lower()})" in readme, rule.code


def test_readme_options_exist_in_help(command: Command) -> None:
    help_text = command("--help").stdout
    readme = (REPO / "README.md").read_text()
    for option in set(re.findall(r"reviewlint [^`\n]*?(--[a-z-]+)", readme)):
        assert option in help_text, option


def test_readme_example_output_is_what_the_example_gives(command: Command) -> None:
    readme = (REPO / "README.md").read_text()
    block = readme.split("$ reviewlint reviewlint/fixtures/example\n", 1)[1].split("```", 1)[0]
    shown = [line for line in block.splitlines() if line != "..."]
    actual = command("reviewlint/fixtures/example", cwd=REPO).stdout.splitlines()
    assert shown and set(shown) <= set(actual)


def test_readme_rule_table_gives_each_codes_severity() -> None:
    readme = (REPO / "README.md").read_text()
    for rule in rule_classes():
        assert f"[{rule.code}](docs/rules.md#{rule.code.lower()}) | {rule.severity} |" in readme, rule.code
