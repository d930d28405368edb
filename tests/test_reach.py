"""A file's findings need only the handlers that may reach it (reach.py), and lose nothing for it.

Two checks on the example and on real trees, in-process and cold:
- soundness of the over-approximation itself: every project file a
  handler's summary read (the cache's own record of its inputs) has that
  handler among the handlers reaching it;
- equality of what the rules use: for every file, the per-file gates and
  their RVL401-RVL404 judgement, the open schema objects (RVL203) and the
  schemaless `extract_json` calls validated later (RVL202) are the
  project-wide results filtered to the file;
- equality of which handlers there are, asked file by file (which reads
  only the facts of the handler modules asked about) and project-wide.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLE, real_tree
from reviewlint.core.config import load_config, resolve_path
from reviewlint.app.engine import Selection, lint_source
from reviewlint.model.facts import FunctionRef, file_facts, ref_of
from reviewlint.service.handlers import (first_handler_path, handler_candidates, handler_module_candidates,
                                         handler_module_path, handler_paths, handler_refs, handler_refs_in, routed_keys,
                                         shared_names)
from reviewlint.analysis.summary import project_gates
from reviewlint.app.prefilter import _files_asked, interesting, reports_in_alone, uses_shared_names
from reviewlint.model.project import WSGIFY_KEY, Project
from reviewlint.analysis.reach import handlers_reaching, module_edges
from reviewlint.service.routes import route_table
from reviewlint.rules import microversions, tested_changes, validation
from reviewlint.analysis.summary import handler_summary, project_summaries, summaries_reaching, summary_key


def _files_read(project: Project, key: str, seen: set[str]) -> set[str]:
    """The files a memo read, through the memos it used (the project's decorator names aside:
    a text scan of every module that only decides which functions are handlers; and the declared
    versions: every handler is interpreted at them, and an edit that changes them changes that
    entry's digest, and so every summary, whichever file it is in)."""
    if key in seen or key in (WSGIFY_KEY, "versions"):
        return set()
    seen.add(key)
    known = project._memo.get(key)
    if known is None:
        return set()
    _, deps = known
    files = set(deps.files)
    for other in deps.entries:
        files |= _files_read(project, other, seen)
    return files


def check_tree(root: Path) -> int:
    project = Project(root, load_config(root))
    refs = handler_refs(project)
    assert refs
    for ref in refs:
        handler_summary(project, ref)
    modules = {str(path) for path in project.python_files}
    checked = 0
    for ref in refs:
        for read in _files_read(project, summary_key(project, ref), set()) & modules:
            reaching = handlers_reaching(project, resolve_path(read))
            assert reaching is None or ref in reaching, (ref.qualname, read)
            checked += 1
    summaries = project_summaries(project)
    everything = microversions._results(project)
    open_objects = validation.open_schema_objects(project)
    # Where some project-wide result lies, and the handler modules: a subset of the
    # handlers can only find less, so elsewhere both are empty.
    places = {*handler_paths(project), *everything, *(r.site.path for r in open_objects),
              *(site.path for summary in summaries for site, _ in summary.extracts)}
    changes = tested_changes.judge(project).findings
    for path in sorted(map(resolve_path, places | {found.site.path for found in changes})):
        # One file's RVL406/RVL407 findings, from the routes reaching it alone, are the project's there.
        assert (tested_changes.judge(project, path).findings
                == tuple(found for found in changes if found.site.path == path)), path
        assert microversions._results_in(project, path) == everything.get(path, []), path
        assert validation._open_objects_in(project, path) == [r for r in open_objects if r.site.path == path], path
        assert (validation.validated_extracts(summaries_reaching(project, path), path)
                == validation.validated_extracts(summaries, path)), path
    check_handlers_by_file(root)
    return checked


def _handlers_as_defined(project: Project) -> tuple[list[FunctionRef], list[FunctionRef]]:
    """(every handler, the routed ones) by RULES.md's definition, over the whole project at once:
    wsgify-decorated functions of the modules that may hold handlers, then every definition of a
    function the routes name, by file in the tree's order."""
    wsgify = [ref_of(facts, f) for path in handler_candidates(project)
              if (facts := file_facts(project, path)) is not None for f in facts.functions if f.wsgify]
    table = route_table(project)
    routed = [ref_of(facts, f) for target in (table.targets if table is not None else ())
              if (found := project.split_path(target)) is not None and "." not in found[2]
              and (facts := file_facts(project, found[1])) is not None for f in facts.named(found[2])]
    order = {resolve_path(path): index for index, path in enumerate(project.python_files)}
    refs = sorted(wsgify + [ref for ref in routed if ref not in set(wsgify)],
                  key=lambda ref: order.get(ref.path, len(order)))
    return refs, routed


def check_handlers_by_file(root: Path) -> None:
    everywhere = Project(root, load_config(root))
    defined, routed_refs = _handlers_as_defined(everywhere)
    refs = handler_refs(everywhere)
    assert list(refs) == defined
    paths = handler_paths(everywhere)
    modules = {ref.module: ref.path for ref in refs}
    routed = {(ref.qualname, ref.index) for ref in routed_refs}
    project = Project(root, load_config(root))  # asked file by file from nothing
    assert first_handler_path(project) == (paths[0] if paths else None)
    candidates = handler_module_candidates(project)
    assert set(paths) <= set(candidates)
    assert tuple(ref for path in candidates for ref in handler_refs_in(project, path)) == refs
    keys: set[tuple[str, int]] = set()
    for path in map(resolve_path, project.python_files):
        assert handler_refs_in(project, path) == tuple(ref for ref in refs if ref.path == path), path
        name = project.module_name(path)
        assert handler_module_path(project, name) == modules.get(name), path
        keys |= routed_keys(project, path)
    assert keys == routed
    check_prefilter_by_file(root, everywhere)


def check_prefilter_by_file(root: Path, everywhere: Project) -> None:
    """The prefilter's model questions, asked of each file alone, answer as the whole project does."""
    summaries = project_summaries(everywhere)
    table = route_table(everywhere)
    places = {*handler_paths(everywhere), *(gate.path for gate in project_gates(everywhere)),
              *(site.path for summary in summaries for site, _ in summary.decodes + summary.extracts),
              *(report.site.path for report in validation.open_schema_objects(everywhere)),
              *(found.site.path for found in tested_changes.judge(everywhere).findings),
              *([table.path] if table is not None else [])} if handler_paths(everywhere) else set()
    offered = []
    for name in sorted({ref.module for ref in handler_refs(everywhere)}):
        names = shared_names(everywhere, name)
        if names:
            offered.append((name.rsplit(".", 1)[-1], sorted((*names.constants, *names.functions))))
    project = Project(root, load_config(root))
    many = Project(root, load_config(root))  # a run asking about more than one file
    many.analysis(_files_asked).update({root / "a.py", root / "b.py"})
    assert interesting(everywhere) == frozenset(places)
    for path in map(resolve_path, project.python_files):
        assert reports_in_alone(project, path) == (path in places), path
        source = project.source(path)
        uses = any(re.search(rf"\b{re.escape(short)}\b", source)
                   and re.search(rf"\b(?:{'|'.join(map(re.escape, names))})\b", source) for short, names in offered)
        assert uses_shared_names(project, source) == uses_shared_names(many, source) == uses, path
    assert places - set(handler_paths(everywhere))


def test_the_example(tmp_path: Path) -> None:
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    assert check_tree(root) > 0


def test_a_handler_module_is_reached_only_by_the_handlers_that_can(tmp_path: Path) -> None:
    """The point of it: another handler module's handlers are left out when nothing leads to the file."""
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    project = Project(root, load_config(root))
    modules = sorted({ref.path for ref in handler_refs(project)})
    assert len(modules) > 1
    some = [path for path in modules if {r.path for r in handlers_reaching(project, path) or ()} == {path}]
    assert some, "every handler module reaches every other one"


@pytest.mark.realtree
@pytest.mark.parametrize("dist,version", [("openstack-placement", "16.0.0"), ("nova", "18.0.2")])
def test_real_trees(dist: str, version: str) -> None:
    root = real_tree(dist, version)
    assert check_tree(root) > 0


@pytest.mark.realtree
def test_on_placement_a_handler_module_is_reached_by_its_own_handlers_alone() -> None:
    """What the editor gains: a cold save of trait.py summarises trait.py's handlers, not all 42."""
    root = real_tree("openstack-placement", "16.0.0")
    project = Project(root, load_config(root))
    reaching = {path.stem: sorted(ref.path.stem for ref in handlers_reaching(project, path) or ())
                for path in handler_paths(project)}
    # The reshaper's handlers call allocation's and inventory's helpers.
    assert {name: sorted(set(found)) for name, found in reaching.items()} == {
        name: sorted({name, "reshaper"}) if name in ("allocation", "inventory") else [name] for name in reaching}


# trait.py's handlers reach util, objects (trait, resource_provider) and schemas (trait, common);
# the routes module and the versions module are read for the routes and the versions.
_TRAIT_HANDLERS_READ = ("handlers/trait", "handler", "util", "objects/trait", "objects/resource_provider",
                        "schemas/trait", "schemas/common")


@pytest.mark.realtree
@pytest.mark.parametrize("name,parsed", [
    # aggregate.py, the first handler module, is parsed to know that trait.py is not the first (RVL400).
    ("handlers/trait", (*_TRAIT_HANDLERS_READ, "handlers/aggregate", "microversion")),
    # Only trait.py's handlers reach the trait schemas: whether a rule may report there asks them alone
    # (RVL406/RVL407 build the contracts of their routes, which read the versions module too).
    ("schemas/trait", (*_TRAIT_HANDLERS_READ, "handlers/aggregate", "microversion")),
])
def test_on_placement_a_cold_save_parses_what_the_handlers_reaching_the_file_read(
        name: str, parsed: tuple[str, ...]) -> None:
    """What the editor gains: the other handler modules are not parsed to learn which handlers there
    are, nor summarised to learn whether a rule may report in the file."""
    root = real_tree("openstack-placement", "16.0.0")
    project = Project(root, load_config(root))
    path = root / "placement" / f"{name}.py"
    lint_source(project, path, str(path), path.read_text(), Selection())
    found = sorted(str(p.relative_to(root)) for p, module in project._by_path.items() if module is not None)
    assert found == sorted(f"placement/{module}.py" for module in parsed)


def test_hostile_texts_reach_every_module_without_hanging(tmp_path: Path) -> None:
    """A text made to be slow to resolve, or too big for Python's parser, reaches everything (None)."""
    root = shutil.copytree(EXAMPLE, tmp_path / "example")
    slow = root / "depot" / "slow.py"
    # Distinct long chains of a module's last name: each prefix is resolved, each costs its length.
    slow.write_text("".join(f"x{i} = " + ".".join(["util"] * 300) + f".n{i}\n" for i in range(200)))
    huge = root / "depot" / "huge.py"
    huge.write_text("import os; import sys\n" + "x = 1\n" * 100_000)  # 600 kB: more than the parser gets
    project = Project(root, load_config(root))
    assert module_edges(project, resolve_path(slow)) is None
    assert module_edges(project, resolve_path(huge)) is None
    assert module_edges(project, resolve_path(root / "depot" / "handlers" / "crate.py"))
