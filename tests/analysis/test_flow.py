"""What handlers do with their request, as the one interpreter records it (inline expectations).

Each line of reviewlint/fixtures/analysis/flow ending in `# $ TAGS` states what the handler
facts hold there, as CodeQL's library tests do: `read` and `check` (a body read or a policy
check, at the handler's own line, a helper's at its call), `decode=validated|unvalidated` and
`extract=...` (a JSON decode of the body, an `extract_json` without a schema, and whether a
validation reaches it), `schema` (an expression used as a request-body schema); on a handler's
`def` line, `first=read|check` (which comes first) and `unknown` (the request went to a call
that cannot be resolved). Lines without a comment hold none of these. RVL1xx, RVL2xx and
RVL5xx read these facts and nothing else of a handler body.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import FIXTURES
from reviewlint.analysis.summary import handler_summary
from reviewlint.core.config import load_config
from reviewlint.model.project import Project
from reviewlint.service.handlers import handler_refs

FLOW = FIXTURES / "analysis" / "flow"
TAG = re.compile(r"#\s*\$\s*(.*)$")


def _stated(root: Path) -> set[tuple[str, int, str]]:
    found = set()
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = TAG.search(line)
            if match:
                found.update((path.relative_to(root).as_posix(), number, tag) for tag in match.group(1).split())
    return found


def _found(root: Path) -> set[tuple[str, int, str]]:
    project = Project(root, load_config(root))
    found = set()

    def add(site, tag: str) -> None:
        found.add((site.path.relative_to(root).as_posix(), project.position(site)[0], tag))

    for ref in handler_refs(project):
        flow = handler_summary(project, ref).flow
        where = (ref.path.relative_to(root).as_posix(), project.module_at(ref.path).functions_named(ref.name)[
            ref.index].line if project.module_at(ref.path) else 0)
        for _, site in flow.reads:
            add(site, "read")
        for _, site in flow.checks:
            add(site, "check")
        for site, ok in flow.decodes:
            add(site, "decode=" + ("validated" if ok else "unvalidated"))
        for site, ok in flow.extracts:
            add(site, "extract=" + ("validated" if ok else "unvalidated"))
        for site in flow.schemas:
            add(site, "schema")
        read, check = flow.first_body_read(), flow.first_policy_check()
        if read is not None and check is not None:
            found.add((*where, "first=" + ("read" if read[0] < check[0] else "check")))
        if flow.unknown:
            found.add((*where, "unknown"))
    return found


def test_the_fixture_states_what_it_tests() -> None:
    tags = {tag.split("=")[0] for _, _, tag in _stated(FLOW)}
    assert tags == {"read", "check", "decode", "extract", "schema", "first", "unknown"}


def test_the_handler_facts_are_what_the_comments_say() -> None:
    assert sorted(_found(FLOW)) == sorted(_stated(FLOW))


def test_a_helper_followed_for_the_request_alone_that_runs_out_of_steps_is_unknown(tmp_path: Path) -> None:
    from harness import lint_tree

    (tmp_path / "setup.cfg").write_text("[metadata]\nname = svc\n")
    package = tmp_path / "svc"
    (package / "handlers").mkdir(parents=True)
    for init in (package / "__init__.py", package / "handlers" / "__init__.py"):
        init.write_text("")
    statements = "".join(f"    n{i} = {i}\n" for i in range(6000))
    (package / "helpers.py").write_text(f"def audit(context):\n{statements}    context.can('x')\n"
                                        "\n\ndef note(context):\n    return context.user_id\n")
    (package / "handlers" / "thing.py").write_text(
        "from svc import helpers\n\n\n"
        "@wsgi_wrapper.PlacementWsgify\ndef show(req):\n    helpers.audit(req.environ['placement.context'])\n"
        "    return req.response\n\n\n"
        "@wsgi_wrapper.PlacementWsgify\ndef touch(req):\n    helpers.note(req.environ['placement.context'])\n"
        "    return req.response\n")
    # show's helper checks past the budget: not known, so not reported; touch's checks nothing.
    assert lint_tree(tmp_path, select=["RVL501"]) == [("svc/handlers/thing.py", 11, "RVL501")]
