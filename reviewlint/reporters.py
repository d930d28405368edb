"""Turning findings into text: flake8 lines, JSON, SARIF 2.1.0, GitHub annotations."""

from __future__ import annotations

import json
from collections import Counter
from typing import Callable, Sequence

from reviewlint import __version__
from reviewlint.findings import Finding


def text(findings: Sequence[Finding]) -> str:
    """`path:line:col: CODE message`, one per line."""
    return "".join(f.to_text() + "\n" for f in findings)


def as_json(findings: Sequence[Finding]) -> str:
    """A JSON list of objects with path, line, column (1-based), code and message."""
    rows = [{"path": f.path, "line": f.line, "column": f.col + 1, "code": f.code, "message": f.message}
            for f in findings]
    return json.dumps(rows, indent=2) + "\n"


def sarif(findings: Sequence[Finding]) -> str:
    """A SARIF 2.1.0 log for code-scanning tools."""
    from reviewlint.rules import rule_classes

    rules = [{"id": r.code, "shortDescription": {"text": r.summary()},
              "fullDescription": {"text": r.rationale() or r.summary()}} for r in rule_classes()]
    results = [{
        "ruleId": f.code,
        "level": "error" if f.code.startswith("RVL9") else "warning",
        "message": {"text": f.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": f.path.replace("\\", "/")},
            "region": {"startLine": f.line, "startColumn": f.col + 1},
        }}],
    } for f in findings]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "reviewlint", "version": __version__, "rules": rules}},
                  "results": results}],
    }
    return json.dumps(log, indent=2) + "\n"


def escape_data(value: str) -> str:
    """A workflow command's message, escaped as the Actions toolkit does (`%`, CR, LF)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A workflow command property (`file=`, `title=`), escaped as the Actions toolkit does.

    Also `:` and `,`, so that a file named `x,line=1::...` or holding a
    newline cannot end the property and write its own command.
    """
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands (`::warning file=...`)."""
    return "".join(
        f"::warning file={escape_property(f.path)},line={f.line},col={f.col + 1},title={escape_property(f.code)}"
        f"::{escape_data(f.code + ' ' + f.message)}\n"
        for f in findings
    )


def statistics(findings: Sequence[Finding]) -> str:
    """flake8-style `--statistics`: count, code and the first message, per code."""
    counts = Counter(f.code for f in findings)
    first: dict[str, str] = {}
    for f in findings:
        first.setdefault(f.code, f.message)
    return "".join(f"{counts[code]:<5} {code} {first[code]}\n" for code in sorted(counts))


REPORTERS: dict[str, Callable[[Sequence[Finding]], str]] = {
    "text": text, "json": as_json, "sarif": sarif, "github": github,
}
