"""Fuzzing the engine: generated programs and mutated real handlers never crash it.

hypothesmith writes programs from Python's grammar; each one is placed in a
handler position of a small Placement-style project (the body of a handler,
or the module around one) and linted in-process through `lint_source`, as
the CLI and the flake8 plugin do. Real placement 16.0.0 handler modules are
mutated (lines deleted or duplicated, decorators swapped, tokens inserted,
huge literals) and linted in their own tree. No exception may escape, and
every file is done within a time bound. The default run is a few hundred
examples; `pytest -m fuzz` runs 10,000 and more for the bench. Every crash
the fuzzing found is a regression case below.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import real_tree
from reviewlint.app import engine
from reviewlint.core.findings import Finding
from reviewlint.model.project import forget_projects

TIME_LIMIT = 30.0  # seconds for one file, generously: a loaded CI machine

SKELETON = {
    "setup.cfg": "[metadata]\nname = svc\n",
    "svc/__init__.py": "",
    "svc/handlers/__init__.py": "",
    "svc/tests/__init__.py": "",
    "svc/tests/functional/__init__.py": "",
    "svc/microversion.py": '''"""Microversions of the fuzzing skeleton."""

MICROVERSION_ENVIRON = 'svc.microversion'
# The versions the service speaks.
VERSIONS = ['1.0', '1.1', '1.2']


def version_handler(min_ver, max_ver=None):
    """Pick a definition by microversion."""
    def decorator(func):
        return func
    return decorator
''',
    "svc/wsgi_wrapper.py": ('"""The wsgify decorator."""\n\n\n'
                            'class PlacementWsgify(object):\n    """Wrap a handler."""\n'),
    "svc/util.py": '''"""Helpers."""


def require_content(content_type):
    """Refuse other media types."""
    def decorator(func):
        return func
    return decorator


def extract_json(body, schema):
    """Decode and validate."""
    return body
''',
    "svc/schemas.py": ('"""Schemas."""\n\n'
                       "ITEM = {'type': 'object', 'properties': {'name': {'type': 'string'}}}\n"),
    "svc/handler.py": '''"""Routes."""

from svc.handlers import fuzz

ROUTE_DECLARATIONS = {
    '/items': {'GET': fuzz.list_items, 'POST': fuzz.create_item},
}
''',
    "svc/tests/functional/gabbits/items.yaml": '''tests:
- name: list
  GET: /items
- name: create
  POST: /items
  request_headers:
    openstack-api-version: svc 1.2
''',
    "svc/rest_api_version_history.rst": "History\n=======\n\n1.1 - one\n---------\n\n1.2 - two\n---------\n",
}
HANDLERS_HEADER = '''from svc import microversion
from svc import schemas
from svc import util
from svc import wsgi_wrapper


'''
HANDLERS = '''@wsgi_wrapper.PlacementWsgify
@microversion.version_handler('1.1')
def list_items(req):
    want = req.environ[microversion.MICROVERSION_ENVIRON]
    if want.matches((1, 2)):
        return 1
    return req.body


@wsgi_wrapper.PlacementWsgify
@util.require_content('application/json')
def create_item(req):
    req.environ['svc.context'].can('x')
    return util.extract_json(req.body, schemas.ITEM)
'''


@pytest.fixture(scope="module")
def skeleton(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("skeleton")
    for relative, text in SKELETON.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    (root / "svc/handlers/fuzz.py").write_text(HANDLERS_HEADER + HANDLERS)
    return root


def in_handler_body(program: str) -> str:
    body = "".join("    " + line if line.strip() else line for line in program.splitlines(True)) or "    pass\n"
    return HANDLERS_HEADER + "@wsgi_wrapper.PlacementWsgify\ndef fuzzed(req):\n" + body + "\n\n" + HANDLERS


def around_handlers(program: str) -> str:
    return HANDLERS_HEADER + program + "\n\n" + HANDLERS


def lint(root: Path, relative: str, text: str, cache_dir: Path | None = None) -> list[Finding]:
    """One file through the engine in-process, as a fresh run would see it; fails past the time bound."""
    forget_projects()
    path = root / relative
    start = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings of generated code, from Python's parser
        run = engine.start_run(path, None, {}, cache_dir=cache_dir)
        findings = engine.lint_source(run.project, path, relative, text, run.selection, check_syntax=True)
    elapsed = time.monotonic() - start
    forget_projects()
    assert elapsed < TIME_LIMIT, f"{elapsed:.1f} s for one file"
    return findings


POSITIONS = {"body": in_handler_body, "module": around_handlers}


def _generated(root: Path, program: str, position: str) -> None:
    lint(root, "svc/handlers/fuzz.py", POSITIONS[position](program))


FUZZ_SETTINGS = dict(deadline=None, database=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))


def _programs() -> st.SearchStrategy[str]:
    """Programs from Python's grammar; hypothesmith builds its parsers (seconds) only when a test draws one."""
    import hypothesmith

    return hypothesmith.from_grammar()


PROGRAMS = st.deferred(_programs)


@settings(max_examples=150, **FUZZ_SETTINGS)  # type: ignore[arg-type]
@given(program=PROGRAMS, position=st.sampled_from(sorted(POSITIONS)))
def _few_generated(skeleton: Path, program: str, position: str) -> None:
    _generated(skeleton, program, position)


@settings(max_examples=10_000, **FUZZ_SETTINGS)  # type: ignore[arg-type]
@given(program=PROGRAMS, position=st.sampled_from(sorted(POSITIONS)))
def _many_generated(skeleton: Path, program: str, position: str) -> None:
    _generated(skeleton, program, position)


@pytest.mark.slow  # 150 generated programs, each linted: about 10 s
@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles what it generates
def test_generated_programs_in_handler_positions(skeleton: Path) -> None:
    _few_generated(skeleton)


@pytest.mark.fuzz
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
def test_generated_programs_in_handler_positions_at_scale(skeleton: Path) -> None:
    _many_generated(skeleton)


# -- mutations of real handlers ---------------------------------------------------------------------

TOKENS = ("(", ")", "[", "]", "{", "}", ":", ",", ".", "lambda", "not", "yield", "await", "@", "\\", "'", '"""',
          "\t", "\f", "\r", "\n", " if ", " else ", "**", "req", "req.body", "context.can", "# noqa", "\x00", "\u00e9")
HUGE = ("version", "integer", "string", "parentheses", "sum")
HUGE_LINES = {
    "string": "HUGE = '" + "x" * 300_000 + "'\n",
    "parentheses": "HUGE = " + "(" * 3000 + "1" + ")" * 3000 + "\n",
    "sum": "HUGE = 1" + "+1" * 3000 + "\n",
}


def mutate(source: str, data: st.DataObject) -> str:
    lines = source.splitlines(True)
    kind = data.draw(st.sampled_from(["delete", "duplicate", "swap decorators", "insert token", "huge literal",
                                      "add decorator", "indent"]))
    index = data.draw(st.integers(0, len(lines) - 1))
    if kind == "delete":
        del lines[index]
    elif kind == "duplicate":
        lines.insert(index, lines[index])
    elif kind == "swap decorators":
        decorators = [i for i, line in enumerate(lines) if line.lstrip().startswith("@")]
        if decorators:
            first = data.draw(st.sampled_from(decorators))
            second = min(first + 1, len(lines) - 1)
            lines[first], lines[second] = lines[second], lines[first]
    elif kind == "insert token":
        line = lines[index]
        column = data.draw(st.integers(0, len(line)))
        lines[index] = line[:column] + data.draw(st.sampled_from(TOKENS)) + line[column:]
    elif kind == "huge literal":
        huge = data.draw(st.sampled_from(HUGE))
        if huge == "version" and "'1." in lines[index]:
            lines[index] = lines[index].replace("'1.", "'1." + "9" * 5000, 1)
        else:
            lines.insert(index, HUGE_LINES.get(huge, "HUGE = " + "9" * 5000 + "\n"))
    elif kind == "add decorator":
        decorator = data.draw(st.sampled_from(["@wsgi_wrapper.PlacementWsgify", "@util.require_content('x')",
                                               "@microversion.version_handler('1.99999999999999999999')"]))
        lines.insert(index, decorator + "\n")
    else:
        lines[index] = data.draw(st.sampled_from(["    ", "\t", "\f", ""])) + lines[index].lstrip(" ")
    return "".join(lines)


@pytest.fixture(scope="module")
def placement() -> tuple[Path, Path, list[str]]:
    """placement 16.0.0, a persistent cache already warm for it, and its handler modules."""
    root = real_tree("openstack-placement", "16.0.0")
    cache_dir = Path(tempfile.mkdtemp(prefix="reviewlint-fuzz-cache-"))
    handlers = sorted(str(p.relative_to(root)) for p in (root / "placement/handlers").glob("*.py")
                      if p.name not in ("__init__.py", "util.py"))
    forget_projects()
    run = engine.start_run(root, None, {}, cache_dir=cache_dir)
    engine.lint_paths(run, [root / "placement/handlers"])  # warm: a mutation recomputes only what it touches
    forget_projects()
    return root, cache_dir, handlers


def _mutated(placement: tuple[Path, Path, list[str]], data: st.DataObject) -> None:
    root, cache_dir, handlers = placement
    relative = data.draw(st.sampled_from(handlers))
    source = (root / relative).read_text()
    for _ in range(data.draw(st.integers(1, 3))):
        source = mutate(source, data)
    lint(root, relative, source, cache_dir)


@settings(max_examples=30, **FUZZ_SETTINGS)  # type: ignore[arg-type]
@given(data=st.data())
def _few_mutations(placement: tuple[Path, Path, list[str]], data: st.DataObject) -> None:
    _mutated(placement, data)


@settings(max_examples=3_000, **FUZZ_SETTINGS)  # type: ignore[arg-type]
@given(data=st.data())
def _many_mutations(placement: tuple[Path, Path, list[str]], data: st.DataObject) -> None:
    _mutated(placement, data)


@pytest.mark.realtree
def test_mutated_placement_handlers(placement: tuple[Path, Path, list[str]]) -> None:
    _few_mutations(placement)


@pytest.mark.realtree
@pytest.mark.fuzz
def test_mutated_placement_handlers_at_scale(placement: tuple[Path, Path, list[str]]) -> None:
    _many_mutations(placement)


# -- regressions: what the fuzzing found ----------------------------------------------------------

REGRESSIONS = {
    # A version with more digits than int() converts (4,300): ValueError out of the version parser.
    "huge version string": ("@wsgi_wrapper.PlacementWsgify\n@microversion.version_handler('1." + "9" * 4401
                            + "')\ndef huge(req):\n    return 1\n", "RVL402"),
    "huge version tuple": ("@wsgi_wrapper.PlacementWsgify\n@microversion.version_handler((1, " + "9" * 4401
                           + "))\ndef huge(req):\n    return 1\n", "RVL402"),
    # 500 terms: LibCST's position provider recursed away (a KeyError whose str() failed).
    "long sum": ("def helper(req):\n    return " + "+".join(["1"] * 500) + "\n", "RVL900"),
    # 5,000 parentheses inside an f-string field: LibCST's native parser overflowed its stack (SIGSEGV).
    "nesting in an f-string": ('X = f"{' + "(" * 5000 + "1" + ")" * 5000 + '}"\n', "RVL900"),
    # A form feed before the decorator hid the handler from the text prefilter.
    "form feed": ("\f@wsgi_wrapper.PlacementWsgify\ndef sneaky(req):\n    return req.body\n", "RVL101"),
}


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_regressions(skeleton: Path, name: str) -> None:
    program, code = REGRESSIONS[name]
    findings = lint(skeleton, "svc/handlers/fuzz.py", around_handlers(program))
    assert code in {f.code for f in findings}, findings
    assert not [f for f in findings if "internal error" in f.message], findings


# -- gabbi YAML -------------------------------------------------------------------------------------

YAML_ALPHABET = st.sampled_from([*":-[]{},&*!|>'\"#%@`?\n\t.$ abc123", "tests", "defaults", "GET", "url", "name",
                                  "status", "request_headers", "openstack-api-version", "!!int", "!!python/", "<<",
                                  "&a", "*a", "$LAST_URL", "$HISTORY['"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30), st.dates(),
                    st.binary(max_size=10))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.sampled_from(
                                                           ["name", "GET", "POST", "url", "method", "status", "skip",
                                                            "request_headers", "response_headers", "location",
                                                            "openstack-api-version", "x"]), inner, max_size=4)),
                      max_leaves=20)


def _read_yaml(text: str) -> None:
    from reviewlint.service.gabbi import VersionContext, read_test_file

    start = time.monotonic()
    read_test_file(Path("fuzz.yaml"), text, VersionContext("svc", (1, 0), (1, 2)))
    assert time.monotonic() - start < TIME_LIMIT


@pytest.mark.slow  # hundreds of generated documents
@settings(max_examples=300, **FUZZ_SETTINGS)  # type: ignore[arg-type]
@given(text=st.lists(YAML_ALPHABET, max_size=60).map("".join))
def test_yaml_text_never_escapes_the_reader(text: str) -> None:
    _read_yaml(text)


@pytest.mark.slow  # hundreds of generated documents
@settings(max_examples=200, **FUZZ_SETTINGS)  # type: ignore[arg-type]
@given(document=st.dictionaries(st.sampled_from(["tests", "defaults", "x"]), VALUES, max_size=3))
def test_yaml_documents_never_escape_the_reader(document: dict) -> None:
    import yaml

    _read_yaml(yaml.dump(document, Dumper=yaml.Dumper))  # the full dumper: Python tags, binary, dates
