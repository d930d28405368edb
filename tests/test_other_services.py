"""Services in Placement's style under their own names: zero config beyond Placement's own names.

The harbor fixture (reviewlint/fixtures/services/harbor) renamed what
Placement names: its handlers are wrapped by a subclass of a subclass of
`webob.dec.wsgify`, its routes are a list of `(template, {METHOD: handler})`
pairs, it authorizes with `@policy.authorize(...)` and validates bodies with
`@validation.schema(...)` on the functions its handlers pass them to. The
small projects below vary one of those at a time.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, Command, expected_of, findings_of
from harness import cli, lint_findings, lint_lines, lint_tree
from test_cache import lint

HARBOR = FIXTURES / "services" / "harbor"
EXPECTED = expected_of(REPO / "tests" / "expected" / "harbor.txt")


# -- the harbor service ---------------------------------------------------------------------------

def test_zero_config_reports_exactly_the_seeded_mistakes() -> None:
    assert lint_tree(HARBOR) == EXPECTED


def test_the_cli_reports_the_same(command: Command) -> None:
    result = command(cwd=HARBOR)
    assert result.stderr == ""
    assert result.returncode == 1
    assert sorted(findings_of(result.stdout)) == EXPECTED


def test_flake8_reports_the_same(flake8: Command) -> None:
    result = flake8("--select", "RVL", ".", cwd=HARBOR)
    assert result.stderr == ""
    assert sorted(findings_of(result.stdout)) == EXPECTED


def test_each_file_alone_reports_what_the_whole_run_does() -> None:
    # Editors and pre-commit name one file: the routes module and the schema
    # module must pass the prefilter on their own.
    for path in sorted({row[0] for row in EXPECTED}):
        assert lint_tree(HARBOR, path) == [row for row in EXPECTED if row[0] == path], path


def test_show_project_names_the_table_its_shape_and_what_resolves() -> None:
    lines = cli(HARBOR, "--show-project").stdout.splitlines()
    assert lines[1] == ("routes: harbor/api/router.py (harbor.api.router), API_ROUTES (a sequence of "
                        "(template, {method: handler}) pairs), 14 routes, 13 resolve to handlers")
    assert lines[3:7] == ["handler modules (3):", "  harbor/api/handlers/berths.py", "  harbor/api/handlers/boats.py",
                          "  harbor/api/handlers/root.py"]


def test_messages_use_the_renamed_decorators_and_the_routes() -> None:
    lines = lint_lines(HARBOR)
    assert ("harbor/api/handlers/berths.py:51:1: RVL102 @require_content on handler berths.moor_boat "
            "(POST /berths/{uuid}/boats) must sit below @HarborRequestHandler") in lines
    assert ("harbor/api/schemas/boat.py:18:12: RVL203 schema PUT_BOAT: object at $ accepts keys other than its "
            "properties, with any value (no \"additionalProperties\"); in force for handler boats.update_boat "
            "(PUT /boats/{uuid}) at 1.0..1.1") in lines  # seen through fleet.update_boat's decorator
    assert ("harbor/api/handlers/boats.py:26:8: RVL401 microversion gate >= 1.1 is untested in its range: "
            "no functional test of GET /boats/{uuid} at 1.1") in lines


def _console_output(readme: str, command: str) -> list[str]:
    section = readme.split("## On services other than Placement\n", 1)[1].split("\n## ", 1)[0]
    block = section.split(f"$ {command}\n", 1)[1].split("```", 1)[0]
    return block.split("\n$ ", 1)[0].splitlines()


def _shown_in(shown: str, actual: list[str]) -> bool:
    """A README line is an output line, or that line with parts trimmed to `…`."""
    pattern = ".*".join(re.escape(part) for part in shown.split("…"))
    return any(re.fullmatch(pattern, line) for line in actual)


def test_the_readme_section_shows_what_harbor_gives() -> None:
    readme = (REPO / "README.md").read_text()
    for command in ("reviewlint --show-project", "reviewlint"):
        actual = cli(HARBOR, *command.split()[1:]).stdout.splitlines()
        shown = [line for line in _console_output(readme, command) if not line.startswith("root: ")]
        assert shown and all(_shown_in(line, actual) for line in shown), command
    assert len(_console_output(readme, "reviewlint")) == len(EXPECTED)


EDITS: dict[str, tuple[str, str, str]] = {
    # kind: (file, old text, new text): each changes what is reported.
    "wsgify subclass": ("harbor/api/wsgi.py", "class ApiWsgify(webob.dec.wsgify):", "class ApiWsgify(object):"),
    "pair-sequence route": ("harbor/api/router.py", "{'GET': boats.list_crew}", "{'GET': boats.show_boat}"),
    "validating decorator": ("harbor/api/validation.py", "jsonschema.validate(kwargs['body'],",
                             "jsonschema.validate(args[2],"),
    "decorated function": ("harbor/fleet.py", "@validation.schema(boat_schema.PUT_BOAT)\n", ""),
    "policy decorator": ("harbor/api/handlers/berths.py", "@policy.authorize('harbor:berth:create')\n", ""),
    "alias": ("harbor/api/handlers/boats.py", "CONF = conf.CONF", "CONF = 'harbor.conf'"),
}


@pytest.mark.slow  # four runs of harbor per kind; test_cache.py keeps one kind of edit in the fast loop
@pytest.mark.parametrize("kind", EDITS)
def test_after_each_kind_of_edit_warm_equals_cold(tmp_path: Path, kind: str) -> None:
    root = shutil.copytree(HARBOR, tmp_path / "harbor")
    cache = tmp_path / "cache"
    before = lint(root, cache)
    assert lint(root, None) == before
    file, old, new = EDITS[kind]
    text = (root / file).read_text()
    assert text.count(old) == 1, f"{old!r} not in {file} once"
    (root / file).write_text(text.replace(old, new))
    warm = lint(root, cache)
    assert warm == lint(root, None)
    assert warm != before  # the edit mattered: a stale cache would have shown


# -- one thing at a time ---------------------------------------------------------------------------

WSGI = '''
    import webob.dec


    class ServiceWsgify(webob.dec.wsgify):
        """JSON errors."""
'''
UTIL = '''
    def require_content(content_type):
        """Refuse other content types."""
        return lambda handler: handler


    def extract_json(body, schema=None):
        """Decode, and validate when there is a schema."""
        return body
'''


def make(tmp_path: Path, files: dict[str, str], config: str = "") -> Path:
    """A project under `tmp_path` with these files (dedented) and a setup.cfg with `config` in [reviewlint]."""
    root = tmp_path / "project"
    (root / "svc").mkdir(parents=True)
    (root / "setup.cfg").write_text(f"[reviewlint]\n{config}\n" if config else "[metadata]\nname = svc\n")
    for name, text in {"svc/__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.parent != root and not (path.parent / "__init__.py").exists():
            (path.parent / "__init__.py").write_text("")
        path.write_text(textwrap.dedent(text).lstrip())
    return root


def rows(root: Path, *paths: str) -> list[tuple[str, int, str]]:
    """(path, line, code) of `reviewlint PATHS` run from `root`, in the order it prints them."""
    return [(f.path, f.line, f.code) for f in lint_findings(root, *paths)]


def test_a_subclass_of_a_subclass_in_another_module_is_a_wsgify_decorator(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "svc/wsgi.py": WSGI,
        "svc/request.py": '''
            from svc import wsgi


            class Handler(
                    wsgi.ServiceWsgify):
                """Request ids too."""
        ''',
        "svc/handlers/thing.py": '''
            from svc import request


            @request.Handler
            def list_things(req):
                """GET /things."""
                return req.response
        ''',
        "svc/tests/fakes.py": '''
            import webob.dec


            class FakeWsgify(webob.dec.wsgify):
                """Only tests use it."""
        ''',
        "svc/other.py": '''
            from svc.tests import fakes


            @fakes.FakeWsgify
            def fake(req):
                return req
        ''',
    })
    # list_things is a handler (it never checks policy); fake is not: a test package's class is no decorator.
    assert rows(root) == [("svc/handlers/thing.py", 5, "RVL501")]
    shown = cli(root, "--show-project").stdout
    assert "handler modules (1):\n  svc/handlers/thing.py\n" in shown


def test_a_module_whose_handlers_lose_their_decorator_is_read_again(tmp_path: Path) -> None:
    # Still a handler module (by webob's wsgify) after the edit: its cached facts must not survive it.
    root = make(tmp_path, {
        "svc/wsgi.py": WSGI,
        "svc/handlers/thing.py": '''
            import webob.dec

            from svc import wsgi


            @webob.dec.wsgify
            def list_things(req):
                """GET /things."""
                return req.response


            @wsgi.ServiceWsgify
            def show_thing(req):
                """GET /things/{id}."""
                return req.response
        ''',
    })
    cache = tmp_path / "cache"
    before = lint(root, cache)
    assert [(path, line, code) for path, line, code, _ in before] == [
        ("svc/handlers/thing.py", 7, "RVL501"), ("svc/handlers/thing.py", 13, "RVL501")]
    wsgi = root / "svc/wsgi.py"
    wsgi.write_text(wsgi.read_text().replace("(webob.dec.wsgify)", "(object)"))
    warm = lint(root, cache)
    assert warm == lint(root, None) == before[:1]


def test_config_still_adds_wsgify_names(tmp_path: Path) -> None:
    files = {"svc/handlers/thing.py": '''
        from svc import deco


        @deco.Wrapped
        def list_things(req):
            """GET /things."""
            return req.response
    '''}
    assert rows(make(tmp_path / "a", files)) == []
    assert rows(make(tmp_path / "b", files, "wsgify-decorators = Wrapped")) == [("svc/handlers/thing.py", 5, "RVL501")]


ROUTED = {
    "svc/handlers/thing.py": '''
        def list_things(req):
            """GET /things: a routed handler, no decorator."""
            return req.response


        def show_thing(req):
            """GET /things/{id}."""
            req.environ['svc.context'].can('svc:thing:show')
            return req.response
    ''',
}


@pytest.mark.parametrize("table", [
    "ROUTES = [('/things', {'GET': thing.list_things}), ('/things/{id}', {'GET': thing.show_thing})]",
    "urls = (\n    ('/things', dict(GET=thing.list_things)),\n    ('/things/{id}', {'GET': thing.show_thing}),\n)",
    "ROUTES: list = [['/things', {'get': thing.list_things}], ['/things/{id}', {'GET': thing.show_thing}]]",
])
def test_a_sequence_of_route_pairs_under_any_name_is_the_route_table(flake8: Command, tmp_path: Path,
                                                                     table: str) -> None:
    root = make(tmp_path, {**ROUTED, "svc/api.py": f"from svc.handlers import thing\n\n{table}\n"})
    assert rows(root) == [("svc/handlers/thing.py", 1, "RVL501")]
    # The routed module has no decorator and no trace of a finding: the prefilter lets it through on its own.
    assert rows(root, "svc/handlers/thing.py") == [("svc/handlers/thing.py", 1, "RVL501")]
    assert flake8("--select", "RVL", "svc/handlers/thing.py", cwd=root).stdout.startswith(
        "svc/handlers/thing.py:1:1: RVL501 ")
    assert "2 routes, 2 resolve to handlers" in cli(root, "--show-project").stdout


@pytest.mark.parametrize("table", [
    # nova's compute ROUTE_LIST: a redirection and [controller, action] lists, no project functions.
    "ROUTES = (\n    ('', '/'),\n    ('/things', {'GET': [controller, 'index']}),\n)\ncontroller = None",
    # pairs whose values are not project functions
    "CHOICES = [('/a', {'GET': str}), ('/b', {'POST': int})]",
    # not templates
    "PAIRS = [('things', {'GET': thing.list_things})]",
    # not HTTP methods
    "FIELDS = [('/things', {'name': thing.list_things})]",
])
def test_other_sequences_of_pairs_are_not_route_tables(tmp_path: Path, table: str) -> None:
    root = make(tmp_path, {**ROUTED, "svc/api.py": f"from svc.handlers import thing\n\n{table}\n"})
    assert rows(root) == []
    assert "routes: none" in cli(root, "--show-project").stdout


def test_a_table_in_a_test_package_is_not_the_service_s(tmp_path: Path) -> None:
    root = make(tmp_path, {**ROUTED, "svc/tests/routes.py": (
        "from svc.handlers import thing\n\nROUTES = [('/things', {'GET': thing.list_things})]\n")})
    assert rows(root) == []


@pytest.mark.parametrize("configured", ["svc/api.py", "svc.api"])
def test_the_routes_key_names_a_module_holding_route_pairs(tmp_path: Path, configured: str) -> None:
    # The pairs quote no method, so only the configuration finds them.
    table = "ROUTES = [('/things', {GET: thing.list_things}), ('/things/{id}', {GET: thing.gone})]\n"
    files = {**ROUTED, "svc/methods.py": "GET = 'G' 'ET'\n",
             "svc/api.py": f"from svc.handlers import thing\nfrom svc.methods import GET\n\n{table}"}
    assert rows(make(tmp_path / "zero", files)) == []
    root = make(tmp_path / "configured", files, f"routes = {configured}")
    expected = [("svc/api.py", 4, "RVL405"), ("svc/handlers/thing.py", 1, "RVL501")]
    assert rows(root) == expected
    assert rows(root, "svc/api.py") == expected[:1]
    assert "ROUTES (a sequence of (template, {method: handler}) pairs), 2 routes, 1 resolve to handlers" in cli(
        root, "--show-project").stdout


HANDLER = '''
    from oslo_serialization import jsonutils

    from svc import ops
    from svc import util
    from svc import wsgi


    @wsgi.ServiceWsgify
    @util.require_content('application/json')
    def create_thing(req):
        """POST /things."""
        req.environ['svc.context'].can('svc:thing:create')
        data = jsonutils.loads(req.body)
        return ops.create_thing(req.environ['svc.context'], {call})
'''
SCHEMA = "{'type': 'object', 'properties': {'name': {'type': 'string'}}}"


def validated(tmp_path: Path, decorator: str, call: str, params: str = "context, body", config: str = "",
              import_line: str = "from svc import validation", name: str = "schema") -> list[tuple[str, int, str]]:
    """The findings when a handler decodes its body and passes it to ops.create_thing as `call`."""
    root = make(tmp_path, {
        "svc/wsgi.py": WSGI, "svc/util.py": UTIL,
        "svc/validation.py": decorator,
        "svc/ops.py": f'''
            {import_line}

            SCHEMA = {SCHEMA}


            @validation.{name}(SCHEMA)
            def create_thing({params}):
                """Create a thing."""
                return body
        ''',
        "svc/handlers/thing.py": HANDLER.replace("{call}", call),
    }, config)
    return rows(root)


KEYWORD_DECORATOR = '''
    import functools

    import jsonschema


    def schema(request_body_schema):
        """Validate kwargs['body']."""
        def add_validator(func):
            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                body = kwargs.get('body')
                jsonschema.validate(body, request_body_schema)
                return func(*args, **kwargs)
            return wrapper
        return add_validator
'''
POSITIONAL_DECORATOR = KEYWORD_DECORATOR.replace("kwargs.get('body')", "args[1]")
# The factory checks the schema it is given: its own parameters are never the body.
CHECKING_DECORATOR = KEYWORD_DECORATOR.replace(
    "        def add_validator(func):", "        jsonschema.validators.validator_for(request_body_schema)\n"
    "        def add_validator(func):")
DECODE = ("svc/handlers/thing.py", 13, "RVL201")
OPEN_SCHEMA = ("svc/ops.py", 3, "RVL203")


@pytest.mark.parametrize("decorator, call, reported", [
    (KEYWORD_DECORATOR, "body=data", [OPEN_SCHEMA]),
    (KEYWORD_DECORATOR, "data", [DECODE]),  # kwargs.get('body') is None: nothing is validated
    (POSITIONAL_DECORATOR, "data", [OPEN_SCHEMA]),
    (POSITIONAL_DECORATOR, "body=data", [DECODE]),
    (CHECKING_DECORATOR, "body=data", [OPEN_SCHEMA]),
])
def test_a_validation_decorator_validates_the_body_the_way_its_code_takes_it(
        tmp_path: Path, decorator: str, call: str, reported: list) -> None:
    assert validated(tmp_path, decorator, call) == reported


@pytest.mark.parametrize("call", ["data", "body=data"])
def test_a_decorator_the_project_does_not_define_validates_the_parameter_named_body(
        tmp_path: Path, call: str) -> None:
    assert validated(tmp_path, "", call, import_line="from othersvc.api import validation") == [OPEN_SCHEMA]
    assert validated(tmp_path / "data", "", call, params="context, data",
                     import_line="from othersvc.api import validation") == [DECODE]


def test_a_decorator_given_no_json_schema_is_not_validation(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "svc/wsgi.py": WSGI, "svc/util.py": UTIL, "svc/validation.py": KEYWORD_DECORATOR,
        "svc/ops.py": '''
            from svc import validation


            @validation.schema(object)
            def create_thing(context, body):
                """Create a thing."""
                return body
        ''',
        "svc/handlers/thing.py": HANDLER.replace("{call}", "body=data"),
    })
    assert rows(root) == [DECODE]


def test_validation_decorators_are_configurable(tmp_path: Path) -> None:
    decorator = KEYWORD_DECORATOR.replace("def schema(", "def check_body(")
    assert validated(tmp_path / "a", decorator, "body=data", name="check_body") == [DECODE]
    assert validated(tmp_path / "b", decorator, "body=data", name="check_body",
                     config="validation-decorators = check_body") == [OPEN_SCHEMA]


def test_a_body_decoded_inside_the_call_that_validates_it_is_validated(tmp_path: Path) -> None:
    handler = HANDLER.replace("        data = jsonutils.loads(req.body)\n", "").replace(
        "{call}", "body=jsonutils.loads(req.body)")
    root = make(tmp_path, {
        "svc/wsgi.py": WSGI, "svc/util.py": UTIL, "svc/validation.py": KEYWORD_DECORATOR,
        "svc/ops.py": f'''
            from svc import validation


            @validation.schema({SCHEMA.replace("}}}", "}}, 'additionalProperties': False}")})
            def create_thing(context, body):
                """Create a thing."""
                return body
        ''',
        "svc/handlers/thing.py": handler,
    })
    assert rows(root) == []


def test_extract_json_without_a_schema_is_fine_when_a_decorator_validates_what_it_decodes(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "svc/wsgi.py": WSGI, "svc/util.py": UTIL, "svc/validation.py": KEYWORD_DECORATOR,
        "svc/ops.py": f'''
            from svc import validation


            def keep(context, body):
                """Validates nothing."""
                return body


            @validation.schema({SCHEMA.replace("}}}", "}}, 'additionalProperties': False}")})
            def create_thing(context, body):
                """Create a thing."""
                return keep(context, body)
        ''',
        "svc/helpers.py": '''
            from svc import ops
            from svc import util


            def decoded(req):
                """The body, decoded with no schema."""
                return util.extract_json(req.body)


            def created(req):
                """Decode and create."""
                data = util.extract_json(req.body)
                return ops.create_thing(None, body=data)


            def kept(req):
                """Decode and keep."""
                data = util.extract_json(req.body)
                return ops.keep(None, data)
        ''',
        "svc/handlers/thing.py": '''
            from svc import helpers
            from svc import ops
            from svc import util
            from svc import wsgi


            @wsgi.ServiceWsgify
            @util.require_content('application/json')
            def create_thing(req):
                """POST /things: validated by the decorator."""
                req.environ['svc.context'].can('svc:thing:create')
                data = util.extract_json(req.body)
                return ops.create_thing(None, body=data)


            @wsgi.ServiceWsgify
            @util.require_content('application/json')
            def keep_thing(req):
                """POST /kept: validated by nobody."""
                req.environ['svc.context'].can('svc:thing:keep')
                data = util.extract_json(req.body, None)
                return ops.keep(None, body=data)


            @wsgi.ServiceWsgify
            @util.require_content('application/json')
            def create_through_a_helper(req):
                """POST /other: a helper decodes and creates."""
                req.environ['svc.context'].can('svc:thing:create')
                helpers.created(req)
                return helpers.kept(req)
        ''',
    })
    # helpers.decoded is reached by no handler: its call is reported as written.
    assert rows(root) == [("svc/handlers/thing.py", 21, "RVL202"), ("svc/helpers.py", 7, "RVL202"),
                          ("svc/helpers.py", 18, "RVL202")]


POLICY = '''
    import functools


    def {name}(rule):
        """Check `rule` before the handler runs."""
        def decorator(handler):
            @functools.wraps(handler)
            def checked(req):
                req.environ['svc.context'].can(rule)
                return handler(req)
            return checked
        return decorator
'''


def authorized(tmp_path: Path, name: str, config: str = "") -> list[tuple[str, int, str]]:
    root = make(tmp_path, {
        "svc/wsgi.py": WSGI, "svc/util.py": UTIL, "svc/policy.py": POLICY.replace("{name}", name),
        "svc/handlers/thing.py": f'''
            from oslo_serialization import jsonutils

            from svc import policy
            from svc import util
            from svc import wsgi


            @wsgi.ServiceWsgify
            @policy.{name}('svc:thing:list')
            def list_things(req):
                """GET /things."""
                return req.response


            @wsgi.ServiceWsgify
            @util.require_content('application/json')
            @policy.{name}('svc:thing:create')
            def create_thing(req):
                """POST /things: authorized before the body is read."""
                data = util.extract_json(req.body, {SCHEMA.replace("}}}", "}}, 'additionalProperties': False}")})
                return data
        ''',
    }, config)
    return rows(root)


def test_a_policy_decorator_on_a_helper_checks_for_the_handler(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "svc/wsgi.py": WSGI, "svc/util.py": UTIL, "svc/policy.py": POLICY.replace("{name}", "authorize"),
        "svc/helpers.py": '''
            from svc import policy


            @policy.authorize('svc:thing:update')
            def update(req, data):
                """Update a thing, if the caller may."""
                return data
        ''',
        "svc/handlers/thing.py": f'''
            from svc import helpers
            from svc import util
            from svc import wsgi


            @wsgi.ServiceWsgify
            @util.require_content('application/json')
            def update_thing(req):
                """PUT /things/{{id}}: the helper checks policy after the body is read."""
                data = util.extract_json(req.body, {SCHEMA.replace("}}}", "}}, 'additionalProperties': False}")})
                return helpers.update(req, data)
        ''',
    })
    assert rows(root) == [("svc/handlers/thing.py", 10, "RVL502")]


def test_a_policy_decorator_is_the_handler_s_policy_check(tmp_path: Path) -> None:
    assert authorized(tmp_path / "default", "authorize") == []
    unknown = [("svc/handlers/thing.py", 10, "RVL501"), ("svc/handlers/thing.py", 18, "RVL501")]
    assert authorized(tmp_path / "unknown", "enforce") == unknown
    assert authorized(tmp_path / "configured", "enforce", "policy-checks = can, enforce") == []


ALIASES = {
    "svc/wsgi.py": WSGI,
    "svc/conf.py": "#: The options.\nCONF = object()\n",
    "svc/limits.py": "#: The most things.\nMAX_THINGS = 10\n",
    "svc/handlers/thing.py": '''
        from svc import conf
        from svc.limits import MAX_THINGS
        from svc import wsgi

        CONF = conf.CONF
        MOST = MAX_THINGS
        LIMIT = MOST
        FIELDS = ('name',)


        @wsgi.ServiceWsgify
        def list_things(req):
            """GET /things."""
            req.environ['svc.context'].can('svc:thing:list')
            return req.response
    ''',
    "svc/report.py": '''
        from svc.handlers import thing

        print(thing.CONF, thing.MOST, thing.LIMIT, thing.FIELDS)
    ''',
}


def test_an_alias_of_another_module_s_object_is_not_a_constant(tmp_path: Path) -> None:
    # CONF and MOST name other modules' objects; LIMIT is this module's own value, FIELDS a literal.
    assert rows(make(tmp_path, ALIASES)) == [
        ("svc/handlers/thing.py", 7, "RVL301"), ("svc/handlers/thing.py", 8, "RVL301"),
        ("svc/report.py", 3, "RVL302"), ("svc/report.py", 3, "RVL302")]
