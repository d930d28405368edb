"""Generate docs/rules.md from the rule classes (`python -m reviewlint.app.ruledocs > docs/rules.md`).

The rule classes are the single source: `--explain`, this page and the
tests read the same text, so they cannot drift apart.
"""

from __future__ import annotations

from reviewlint import REPOSITORY_URL
from reviewlint.rules import rule_classes
from reviewlint.rules.base import (Rule, example_files, example_language, good_keeps_bad_files,
                                   marked_lines_note)

# The rule pages as the repository serves them (SARIF `helpUri`, the JSON `url`).
RULES_PAGE = f"{REPOSITORY_URL}/blob/main/docs/rules.md"

FAMILY_TITLES = {
    "RVL1": "RVL1xx — content type of request bodies",
    "RVL2": "RVL2xx — validation of JSON bodies",
    "RVL3": "RVL3xx — documentation of constants and shared functions",
    "RVL4": "RVL4xx — microversions and their tests",
    "RVL5": "RVL5xx — authorization",
    "RVL6": "RVL6xx — the API reference agrees with the code",
    "RVL9": "RVL9xx — the linter itself",
}


def anchor(code: str) -> str:
    """The Markdown anchor of a rule's section."""
    return code.lower()


def render() -> str:
    """The whole rules page as Markdown."""
    rules = rule_classes()
    out = ["# reviewlint rules", "",
           "Generated from the rule classes by `python -m reviewlint.app.ruledocs`; do not edit by hand.", "",
           "Each example is a few files of a small Placement-style service, `svc`, whose other files are",
           "`setup.cfg`, `svc/microversion.py` (`VERSIONS` 1.0 to 1.2, `version_handler`), `svc/util.py`",
           "(`require_content`, `extract_json`) and `svc/wsgi_wrapper.py` (`PlacementWsgify`). The tests",
           "lint every example (tests/test_examples.py): the **Example** gives the rule exactly on the lines",
           "named beside its files, and the **Use instead**, whose files replace or add to the Example's,",
           "gives nothing.", "",
           "| code | summary |", "|---|---|"]
    out += [f"| [{r.code}](#{anchor(r.code)}) | {r.summary()} |" for r in rules]
    family = ""
    for rule in rules:
        if rule.code[:4] != family:
            family = rule.code[:4]
            out += ["", f"## {FAMILY_TITLES.get(family, family)}"]
        out += ["", f"### {rule.code}", "", rule_markdown(rule)]
    return "\n".join(out).rstrip() + "\n"


def rule_markdown(rule: type[Rule]) -> str:
    """One rule's section body: what, why, where, severity, bad and good code (also SARIF's `help`)."""
    out = [f"**What it does:** {rule.summary()}", ""]
    if rule.rationale():
        out += [f"**Why is this bad?** {' '.join(rule.rationale().split())}", ""]
    out += [f"**Reported at:** {rule.location}.", "", f"**Severity:** {rule.severity}.", ""]
    for title, files in (("**Example:**", rule.bad), ("**Use instead:**", rule.good)):
        if files:
            keeps = title == "**Use instead:**" and good_keeps_bad_files(rule)
            out += [title + (" (the other files as in the example)" if keeps else ""), ""]
            for path, text in example_files(files).items():
                where = marked_lines_note(rule, path) if title == "**Example:**" else ""
                out += [f"`{path}`{where}:", "", f"```{example_language(path)}", text.rstrip("\n"), "```", ""]
    return "\n".join(out).rstrip() + "\n"


def rule_url(code: str) -> str:
    """Where a rule's documentation is read on the web: its section of docs/rules.md."""
    return f"{RULES_PAGE}#{anchor(code)}"


if __name__ == "__main__":
    print(render(), end="")
