"""The rule registry: every rule family, one module each.

Importing a family imports LibCST, so the registry loads families only
when asked (`rule_classes`), never at `import reviewlint.rules`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reviewlint.rules.base import Rule

# Each family module defines RULES (its rule classes) and may define
# `places(project, scope)` (the files besides handler modules where it may report,
# as found among the handlers of `scope` (analysis.summary.Scope): every handler for
# a run that asks about many files, those that may reach one file for an editor's
# first save; the prefilter lets them through), `file_results(project, path)` (computes the
# results one file's findings rest on elsewhere, so the engine can ask for them
# before the file's cached findings) and `lint_yaml(project, path)` (findings
# for a YAML input, such as RVL901 for a malformed gabbi file, or at the gates
# a gabbi file tests; named by absolute path), and, for a family whose findings
# sit in other non-Python files (the API reference, whose files the engine
# discovers): `lint_reference(project, path)` (the findings located in that
# file) and `lint_related(project, paths)` (its findings again when Python
# inputs it reads changed), named by absolute path.
FAMILIES = (
    "reviewlint.rules.content_type",
    "reviewlint.rules.validation",
    "reviewlint.rules.constants",
    "reviewlint.rules.microversions",
    "reviewlint.rules.tested_changes",
    "reviewlint.rules.authorization",
    "reviewlint.rules.apiref",
    "reviewlint.rules.linter",
)


def rule_classes() -> list[type["Rule"]]:
    """Every rule class, sorted by code."""
    classes: list[type[Rule]] = []
    for family in FAMILIES:
        classes.extend(importlib.import_module(family).RULES)
    return sorted(classes, key=lambda rule: rule.code)


def rule_by_code(code: str) -> type["Rule"] | None:
    """The rule class for `code` (case-insensitive), if there is one."""
    return next((rule for rule in rule_classes() if rule.code == code.upper()), None)


def family_hooks(name: str) -> list:
    """Every rule family's hook called `name` (see FAMILIES above)."""
    hooks = (getattr(importlib.import_module(family), name, None) for family in FAMILIES)
    return [hook for hook in hooks if hook is not None]
