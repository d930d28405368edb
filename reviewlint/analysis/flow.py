"""What a handler does with its request, followed through its helpers.

For one function and the roles its parameters play (the request itself, the
body, a value derived from the request, a decoded JSON value), a
FunctionFlow records the body reads, JSON decodes, validations, schema
expressions and policy checks, in source order, including what helpers do
on its behalf. Helpers are followed through the project's import
resolution to a bounded depth; nothing is imported.

Decorators count too: a policy-check decorator (`@policy.authorize(...)`)
checks before the body runs, and a validation decorator
(`@validation.schema(S)`) validates the parameter that receives the body,
the way its own code takes it (by keyword, by position) when the project
defines it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import libcst as cst

from reviewlint.analysis.request_terms import BODY_ATTRS, JSON_ATTRS
from reviewlint.analysis.calls import MAX_DEPTH, argument, bind
from reviewlint.analysis.decorators import KEYWORD, POSITION, validation_of
from reviewlint.analysis.resolver import Unresolved, resolver_for
from reviewlint.model.module import Function, ModuleInfo, Place, Site, child_nodes
from reviewlint.model.project import Codec
from reviewlint.model.facts import resolve_function

if TYPE_CHECKING:
    from reviewlint.model.facts import FunctionRef
    from reviewlint.model.project import Project

JSON_MODULES = frozenset({"json", "jsonutils", "simplejson", "ujson", "orjson"})
JSON_DECODERS = frozenset({"loads", "load"})


class Role(enum.IntEnum):
    """What a value is, relative to the request (higher is more specific)."""

    NONE = 0
    DERIVED = 1  # computed from the request (environ, context, version...)
    BODY = 2  # the body or a value computed from it
    DECODED = 3  # the body decoded as JSON, not yet known to be validated
    REQUEST = 4  # the request object itself


@dataclass
class Decode:
    """A JSON decode of the body and whether its value reaches a validation."""

    place: Place
    validated: bool = False


@dataclass(frozen=True)
class SchemaUse:
    """An expression used as a request-body schema, in the module that holds it."""

    module: ModuleInfo
    expr: cst.BaseExpression


@dataclass
class FunctionFlow:
    """What one function does for a handler, helpers included."""

    function: Function
    # Body reads and policy checks in *this* function, in visit order; a
    # helper's are represented by the call that leads to them.
    body_reads: list[Place] = field(default_factory=list)
    policy_checks: list[Place] = field(default_factory=list)
    decodes_json: bool = False
    # It passed the request (or what came of it) to a helper that cannot be
    # resolved (a relative import of a file whose package is unknown): what
    # that helper does is unknown, so rules resting on an absence say nothing.
    unknown: bool = False
    decodes: list[Decode] = field(default_factory=list)
    # `extract_json` calls with no schema (RVL202), and whether what they
    # decoded reaches a validation after all.
    extracts: list[Decode] = field(default_factory=list)
    schemas: list[SchemaUse] = field(default_factory=list)
    # Parameters whose value reaches a validation, and those used as schemas.
    validated_params: set[str] = field(default_factory=set)
    schema_params: set[str] = field(default_factory=set)
    # (KEYWORD or POSITION, parameter, schema): what a validation decorator
    # checks only when the caller passes the parameter that way.
    guarded: list[tuple[str, str, Site]] = field(default_factory=list)
    # What the helpers it calls decoded (and whether it was validated) and
    # used as schemas, as data: helpers' flows come from the cache.
    helper_decodes: list[tuple[Site, bool]] = field(default_factory=list)
    helper_extracts: list[tuple[Site, bool]] = field(default_factory=list)
    helper_schemas: list[Site] = field(default_factory=list)

    def first_body_read(self) -> Place | None:
        """Where the body is first read, if it is."""
        return min(self.body_reads, key=lambda p: p.key) if self.body_reads else None

    def first_policy_check(self) -> Place | None:
        """Where policy is first checked, if it is."""
        return min(self.policy_checks, key=lambda p: p.key) if self.policy_checks else None

    def all_decodes(self) -> list[tuple[Site, bool]]:
        """(site, validated) of every decode, its own and its helpers'."""
        return [(decode.place.site, decode.validated) for decode in self.decodes] + self.helper_decodes

    def all_extracts(self) -> list[tuple[Site, bool]]:
        """(site, validated) of every `extract_json` without a schema, its own and its helpers'."""
        return [(extract.place.site, extract.validated) for extract in self.extracts] + self.helper_extracts

    def all_schemas(self) -> list[Site]:
        """Every expression used as a request-body schema, its own and its helpers'."""
        return [Site(use.module.path, use.module.ordinal(use.expr)) for use in self.schemas] + self.helper_schemas


@dataclass(frozen=True)
class HelperFlow:
    """What a helper does for the caller that passed it request-derived values: plain data."""

    read_key: tuple[int, ...] | None  # where it first reads the body (its order), if it does
    check_key: tuple[int, ...] | None  # where it first checks policy, if it does
    decodes_json: bool
    validated_params: frozenset[str]
    schema_params: frozenset[str]
    decodes: tuple[tuple[Site, bool], ...]
    schemas: tuple[Site, ...]
    guarded: tuple[tuple[str, str, Site], ...] = ()
    extracts: tuple[tuple[Site, bool], ...] = ()
    unknown: bool = False  # it called a helper that cannot be resolved (see FunctionFlow.unknown)

    @classmethod
    def of(cls, flow: FunctionFlow) -> "HelperFlow":
        """The data of a computed flow."""
        read, check = flow.first_body_read(), flow.first_policy_check()
        return cls(read.key if read is not None else None, check.key if check is not None else None,
                   flow.decodes_json, frozenset(flow.validated_params), frozenset(flow.schema_params),
                   tuple(flow.all_decodes()), tuple(flow.all_schemas()), tuple(flow.guarded),
                   tuple(flow.all_extracts()), flow.unknown)


EMPTY_HELPER = HelperFlow(None, None, False, frozenset(), frozenset(), (), ())


def _sites(pairs: Any) -> tuple[tuple[Site, bool], ...]:
    return tuple((Site(Path(path), int(ordinal)), bool(ok)) for path, ordinal, ok in pairs)


def _encode_helper(flow: HelperFlow) -> Any:
    return [list(flow.read_key) if flow.read_key is not None else None,
            list(flow.check_key) if flow.check_key is not None else None,
            flow.decodes_json, sorted(flow.validated_params), sorted(flow.schema_params),
            [[str(site.path), site.ordinal, validated] for site, validated in flow.decodes],
            [[str(site.path), site.ordinal] for site in flow.schemas],
            [[how, param, str(site.path), site.ordinal] for how, param, site in flow.guarded],
            [[str(site.path), site.ordinal, validated] for site, validated in flow.extracts], flow.unknown]


def _decode_helper(data: Any) -> HelperFlow:
    read, check, decodes_json, validated, schema_params, decodes, schemas, guarded, extracts, unknown = data
    return HelperFlow(tuple(int(i) for i in read) if read is not None else None,
                      tuple(int(i) for i in check) if check is not None else None,
                      bool(decodes_json), frozenset(str(p) for p in validated),
                      frozenset(str(p) for p in schema_params), _sites(decodes),
                      tuple(Site(Path(path), int(ordinal)) for path, ordinal in schemas),
                      tuple((str(how), str(param), Site(Path(path), int(ordinal)))
                            for how, param, path, ordinal in guarded), _sites(extracts), bool(unknown))


HELPER_FLOW = Codec(_encode_helper, _decode_helper)


def _names(expr: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node below `expr`, skipping attribute names (`x.attr` yields x only)."""
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, cst.Attribute):
            stack.append(node.value)
        else:
            stack.extend(child_nodes(node))


class _Scanner:
    """One pass over a function body, in source order."""

    def __init__(self, analyzer: "FlowAnalyzer", module: ModuleInfo, flow: FunctionFlow,
                 roles: dict[str, Role], depth: int) -> None:
        self.analyzer = analyzer
        self.module = module
        self.flow = flow
        self.roles = dict(roles)
        self.depth = depth
        self.decoded: dict[str, Decode] = {}
        self.decode_nodes: dict[cst.CSTNode, Decode] = {}
        self.local_values: dict[str, list[cst.BaseExpression]] = {}
        self.params = set(flow.function.params)
        self.validators: set[str] = set()
        self.visited = 0
        self.pending_schemas: list[cst.BaseExpression] = []
        # Expressions validated before the walk reached them (`validate(json.loads(req.body), S)`).
        self.validated_nodes: set[cst.CSTNode] = set()

    def run(self, node: cst.CSTNode) -> None:
        """Visit `node` and everything below it, then resolve the schemas seen."""
        stack: list[tuple[cst.CSTNode, bool]] = [(node, False)]
        while stack:
            current, leaving = stack.pop()
            if leaving:
                self.leave_Assign(current)  # type: ignore[arg-type]
                continue
            self.visited += 1
            kind = type(current)
            if kind is cst.Attribute:
                self.visit_Attribute(current)  # type: ignore[arg-type]
            elif kind is cst.Call:
                self.visit_Call(current)  # type: ignore[arg-type]
            elif kind is cst.Assign:
                stack.append((current, True))
            stack.extend((child, False) for child in reversed(list(child_nodes(current))))
        for expr in self.pending_schemas:
            self._resolve_schema(expr, frozenset())

    # -- classification -----------------------------------------------------------
    def role_of(self, expr: cst.CSTNode) -> Role:
        """The strongest role of anything `expr` mentions."""
        if isinstance(expr, cst.Name):
            if expr.value in self.decoded:
                return Role.DECODED
            own = self.roles.get(expr.value, Role.NONE)
            if own in (Role.REQUEST, Role.DECODED):
                return own
        best = Role.NONE
        for node in _names(expr):
            if isinstance(node, cst.Attribute) and self._is_body_read(node):
                best = max(best, Role.BODY)
            elif isinstance(node, cst.Name):
                role = self.roles.get(node.value, Role.NONE)
                if role == Role.REQUEST or role == Role.DECODED:
                    role = Role.DERIVED if role == Role.REQUEST else Role.BODY
                best = max(best, role)
            elif node in self.decode_nodes:
                best = max(best, Role.BODY)
        return best

    def _is_body_read(self, node: cst.Attribute) -> bool:
        return (isinstance(node.value, cst.Name) and self.roles.get(node.value.value) == Role.REQUEST
                and node.attr.value in BODY_ATTRS)

    def _place(self, node: cst.CSTNode) -> Place:
        return Place(self.module, node, self.visited)

    # -- visiting -------------------------------------------------------------------
    def visit_Attribute(self, node: cst.Attribute) -> None:
        if self._is_body_read(node):
            self.flow.body_reads.append(self._place(node))
            if node.attr.value in JSON_ATTRS:
                self._add_decode(node)

    def _add_decode(self, node: cst.CSTNode, extract: bool = False) -> Decode:
        decode = Decode(self._place(node), validated=node in self.validated_nodes)
        self.flow.decodes_json = True
        (self.flow.extracts if extract else self.flow.decodes).append(decode)
        self.decode_nodes[node] = decode
        return decode

    def leave_Assign(self, node: cst.Assign) -> None:
        value = node.value
        for target in node.targets:
            if not isinstance(target.target, cst.Name):
                continue
            name = target.target.value
            self.local_values.setdefault(name, []).append(value)
            if value in self.decode_nodes:
                self.decoded[name] = self.decode_nodes[value]
                self.roles[name] = Role.DECODED
                continue
            role = self.role_of(value)
            if role == Role.REQUEST:
                self.roles[name] = Role.REQUEST
            elif role:
                self.roles[name] = Role.BODY if role >= Role.BODY else Role.DERIVED
            if _is_validator_construction(self.module, value):
                self.validators.add(name)

    def visit_Call(self, node: cst.Call) -> None:
        name = self.module.resolve(node.func) or ""
        short = name.rsplit(".", 1)[-1]
        if self._is_policy_check(node, name):
            self.flow.policy_checks.append(self._place(node))
        if short == "extract_json":
            self._extract_json(node)
            return
        if short in JSON_DECODERS and name.count(".") >= 1 and name.rsplit(".", 2)[-2] in JSON_MODULES:
            if node.args and self.role_of(node.args[0].value) >= Role.BODY:
                self._add_decode(node)
            return
        if short == "validate" and self._validate(node, name):
            return
        fixed = self.analyzer.resolver.fixed(self.module, self.flow.function, node.func)
        if not any(self.role_of(arg.value) for arg in (*fixed, *node.args)):
            return  # only helpers that receive the request or what came of it act for the handler
        callee = self.analyzer.resolver.target(self.module, self.flow.function, node.func)
        if isinstance(callee, Unresolved):
            self._unknown_call(node)
        elif callee is not None:
            self._helper_call(node, callee.ref, callee.fixed)

    def _unknown_call(self, node: cst.Call) -> None:
        """A call into a helper that cannot be found: it may read, check or validate anything."""
        self.flow.unknown = True
        for arg in node.args:
            if self.role_of(arg.value) >= Role.BODY:
                self._mark_validated(arg.value)

    def _is_policy_check(self, node: cst.Call, name: str) -> bool:
        return is_policy_check(self.module.config.policy_checks, node.func, name)

    def _extract_json(self, node: cst.Call) -> None:
        body = argument(node, 0, "body")
        schema = argument(node, 1, "schema")
        self.flow.decodes_json = True
        if body is not None and self.role_of(body) >= Role.BODY:
            self._schema(schema)
            if missing_schema(node) is not None:
                self._add_decode(node, extract=True)  # RVL202's, unless what it decodes is validated later

    def _validate(self, node: cst.Call, name: str) -> bool:
        if name.endswith("jsonschema.validate") or name == "validate":
            instance = argument(node, 0, "instance")
            if instance is not None and self._mark_validated(instance):
                self._schema(argument(node, 1, "schema"))
            return True
        receiver = node.func.value if isinstance(node.func, cst.Attribute) else None
        if receiver is None:
            return False
        is_validator = (
            (isinstance(receiver, cst.Name) and (receiver.value in self.validators
                                                 or "validator" in receiver.value.lower()))
            or _is_validator_construction(self.module, receiver)
        )
        if not is_validator:
            return False
        instance = argument(node, 0, "instance")
        if instance is not None and self._mark_validated(instance) and isinstance(receiver, cst.Call):
            self._schema(argument(receiver, 0, "schema"))
        return True

    def _mark_validated(self, instance: cst.BaseExpression) -> bool:
        self.validated_nodes.add(instance)
        decode = None
        if isinstance(instance, cst.Name):
            decode = self.decoded.get(instance.value)
            if instance.value in self.params and self.roles.get(instance.value) == Role.DECODED:
                self.flow.validated_params.add(instance.value)
                return True
        decode = decode or self.decode_nodes.get(instance)
        if decode is not None:
            decode.validated = True
            return True
        return self.role_of(instance) >= Role.BODY

    def _schema(self, expr: cst.BaseExpression | None) -> None:
        """Note a schema expression; names are resolved once every local assignment is known."""
        if expr is not None:
            self.pending_schemas.append(expr)

    def _resolve_schema(self, expr: cst.BaseExpression, seen: frozenset[str]) -> None:
        if isinstance(expr, cst.Name) and expr.value not in seen:
            if expr.value in self.params:
                self.flow.schema_params.add(expr.value)
                return
            if expr.value in self.local_values:
                for value in self.local_values[expr.value]:
                    self._resolve_schema(value, seen | {expr.value})
                return
        self.flow.schemas.append(SchemaUse(self.module, expr))

    def _helper_call(self, node: cst.Call, callee: "FunctionRef", fixed: tuple[cst.Arg, ...] = ()) -> None:
        arg_roles: dict[str, Role] = {}
        bound = dict(bind(node, callee.params, fixed))
        for param, expr in bound.items():
            role = self.role_of(expr)
            if role:
                arg_roles[param] = role
        if self.depth >= MAX_DEPTH or not arg_roles:
            return
        helper = self.analyzer.helper(callee, arg_roles, self.depth + 1)
        if helper.read_key is not None:
            self.flow.body_reads.append(Place(self.module, node, self.visited, helper.read_key))
        if helper.check_key is not None:
            self.flow.policy_checks.append(Place(self.module, node, self.visited, helper.check_key))
        self.flow.decodes_json = self.flow.decodes_json or helper.decodes_json
        self.flow.unknown = self.flow.unknown or helper.unknown
        keywords = {arg.keyword.value for arg in (*fixed, *node.args) if arg.keyword is not None}
        validated = set(helper.validated_params)
        for how, param, schema in helper.guarded:
            if param in bound and (param in keywords) == (how == KEYWORD):
                validated.add(param)  # passed the way the decorator takes it
                self.flow.helper_schemas.append(schema)
        for param in validated:
            argument_expr = bound.get(param)
            if argument_expr is not None:
                self._mark_validated(argument_expr)
        for param in helper.schema_params:
            self._schema(bound.get(param))
        self.flow.helper_decodes.extend(helper.decodes)
        self.flow.helper_extracts.extend(helper.extracts)
        self.flow.helper_schemas.extend(helper.schemas)


def is_policy_check(checks: tuple[str, ...], func: cst.BaseExpression, name: str) -> bool:
    """True when a call of `func` (resolved as `name`), or a decorator, is one of the `policy-checks`.

    A dotted check matches the resolved name; a plain one the last name
    of `func` (`context.can`, `@policy.authorize`).
    """
    for check in checks:
        if "." in check:
            if name == check or name.endswith("." + check):
                return True
        elif isinstance(func, cst.Attribute) and func.attr.value == check:
            return True
        elif isinstance(func, cst.Name) and func.value == check:
            return True
    return False


def missing_schema(call: cst.Call) -> str | None:
    """What is wrong with the schema of an `extract_json` call (RVL202): "no schema", "schema None"...

    None when it has one, or when `*args` may carry it (say nothing).
    """
    positional = [a for a in call.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    if "schema" in keywords:
        schema: cst.BaseExpression | None = keywords["schema"]
    elif len(positional) > 1:
        schema = positional[1].value
    elif any(a.star for a in call.args):
        return None
    else:
        schema = None
    if schema is None:
        return "no schema"
    if isinstance(schema, cst.Name) and schema.value == "None":
        return "schema None"
    if isinstance(schema, cst.Dict) and not schema.elements:
        return "an empty schema {}"
    return None


def _is_validator_construction(module: ModuleInfo, expr: cst.BaseExpression) -> bool:
    if not isinstance(expr, cst.Call):
        return False
    name = module.resolve(expr.func) or ""
    return name.rsplit(".", 1)[-1].endswith("Validator")


class FlowAnalyzer:
    """Computes flows: a handler's for this run, a helper's as cached data."""

    def __init__(self, project: "Project") -> None:
        self.project = project
        self.resolver = resolver_for(project)

    def _scan(self, function: Function, roles: dict[str, Role], depth: int) -> FunctionFlow:
        flow = FunctionFlow(function)
        module = self.project.module_at(function.owner.path)
        if module is not None:
            self._decorators(module, function, flow, roles)
            _Scanner(self, module, flow, roles, depth).run(function.node.body)
        return flow

    def _decorators(self, module: ModuleInfo, function: Function, flow: FunctionFlow,
                    roles: dict[str, Role]) -> None:
        """Policy checks and body validations that `function`'s decorators do before its body runs."""
        config = module.config
        for decorator in function.decorators:
            expr = decorator.node.decorator
            if is_policy_check(config.policy_checks, expr.func if isinstance(expr, cst.Call) else expr,
                               decorator.name):
                flow.policy_checks.append(Place(module, decorator.node, 0))
            if decorator.short in config.validation_decorators and decorator.call is not None:
                self._validation(module, function, flow, roles, decorator.name, decorator.call)

    def _validation(self, module: ModuleInfo, function: Function, flow: FunctionFlow, roles: dict[str, Role],
                    name: str, call: cst.Call) -> None:
        found = validation_of(self.project, module, function, name, call)
        if found is None or roles.get(found.param, Role.NONE) < Role.BODY:
            return
        if found.how in (KEYWORD, POSITION):
            flow.guarded.append((found.how, found.param, Site(module.path, module.ordinal(found.schema))))
        else:
            flow.schemas.append(SchemaUse(module, found.schema))
            flow.validated_params.add(found.param)

    def helper(self, callee: "FunctionRef", roles: dict[str, Role], depth: int) -> HelperFlow:
        """What `callee` does when its parameters play `roles`, at `depth` below a handler."""
        def compute() -> HelperFlow:
            function = resolve_function(self.project, callee)
            return HelperFlow.of(self._scan(function, roles, depth)) if function is not None else EMPTY_HELPER

        signature = ",".join(f"{name}={role.value}" for name, role in sorted(roles.items()))
        return self.project.memo(f"flow:{callee.key}:{signature}:{depth}", compute, HELPER_FLOW)

    def handler_flow(self, handler: Function) -> FunctionFlow:
        """The flow of a handler: its first parameter is the request."""
        roles = {handler.params[0]: Role.REQUEST} if handler.params else {}
        key = f"handler_flow:{handler.owner.path}:{handler.name}:{handler.index}"
        return self.project.memo(key, lambda: self._scan(handler, roles, 0))


def analyzer_for(project: "Project") -> FlowAnalyzer:
    """The project's one FlowAnalyzer."""
    return project.analysis(FlowAnalyzer)
