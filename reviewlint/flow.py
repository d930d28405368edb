"""What a handler does with its request, followed through its helpers.

For one function and the roles its parameters play (the request itself, the
body, a value derived from the request, a decoded JSON value), a
FunctionFlow records the body reads, JSON decodes, validations, schema
expressions and policy checks, in source order, including what helpers do
on its behalf. Helpers are followed through the project's import
resolution to a bounded depth; nothing is imported.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import libcst as cst

from reviewlint.calls import MAX_DEPTH, argument, bind
from reviewlint.module import Function, ModuleInfo, Place, Site, child_nodes
from reviewlint.project import Codec

if TYPE_CHECKING:
    from reviewlint.facts import FunctionRef
    from reviewlint.project import Project

BODY_ATTRS = frozenset({"body", "body_file", "text", "json", "json_body", "POST"})
JSON_ATTRS = frozenset({"json", "json_body"})
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
    decodes: list[Decode] = field(default_factory=list)
    schemas: list[SchemaUse] = field(default_factory=list)
    # Parameters whose value reaches a validation, and those used as schemas.
    validated_params: set[str] = field(default_factory=set)
    schema_params: set[str] = field(default_factory=set)
    # What the helpers it calls decoded (and whether it was validated) and
    # used as schemas, as data: helpers' flows come from the cache.
    helper_decodes: list[tuple[Site, bool]] = field(default_factory=list)
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

    @classmethod
    def of(cls, flow: FunctionFlow) -> "HelperFlow":
        """The data of a computed flow."""
        read, check = flow.first_body_read(), flow.first_policy_check()
        return cls(read.key if read is not None else None, check.key if check is not None else None,
                   flow.decodes_json, frozenset(flow.validated_params), frozenset(flow.schema_params),
                   tuple(flow.all_decodes()), tuple(flow.all_schemas()))


EMPTY_HELPER = HelperFlow(None, None, False, frozenset(), frozenset(), (), ())


def _encode_helper(flow: HelperFlow) -> Any:
    return [list(flow.read_key) if flow.read_key is not None else None,
            list(flow.check_key) if flow.check_key is not None else None,
            flow.decodes_json, sorted(flow.validated_params), sorted(flow.schema_params),
            [[str(site.path), site.ordinal, validated] for site, validated in flow.decodes],
            [[str(site.path), site.ordinal] for site in flow.schemas]]


def _decode_helper(data: Any) -> HelperFlow:
    read, check, decodes_json, validated, schema_params, decodes, schemas = data
    return HelperFlow(tuple(int(i) for i in read) if read is not None else None,
                      tuple(int(i) for i in check) if check is not None else None,
                      bool(decodes_json), frozenset(str(p) for p in validated),
                      frozenset(str(p) for p in schema_params),
                      tuple((Site(Path(path), int(ordinal)), bool(ok)) for path, ordinal, ok in decodes),
                      tuple(Site(Path(path), int(ordinal)) for path, ordinal in schemas))


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

    def _add_decode(self, node: cst.CSTNode) -> Decode:
        decode = Decode(self._place(node))
        self.flow.decodes_json = True
        self.flow.decodes.append(decode)
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
        if "." not in name or not any(self.role_of(arg.value) for arg in node.args):
            return  # only helpers that receive the request or what came of it act for the handler
        callee = self.analyzer.project.function_ref(name)
        here = self.flow.function
        if callee is not None and (callee.path, callee.name, callee.index) != (here.owner.path, here.name, here.index):
            self._helper_call(node, callee)

    def _is_policy_check(self, node: cst.Call, name: str) -> bool:
        for check in self.module.config.policy_checks:
            if "." in check:
                if name == check or name.endswith("." + check):
                    return True
            elif isinstance(node.func, cst.Attribute) and node.func.attr.value == check:
                return True
            elif isinstance(node.func, cst.Name) and node.func.value == check:
                return True
        return False

    def _extract_json(self, node: cst.Call) -> None:
        body = argument(node, 0, "body")
        schema = argument(node, 1, "schema")
        self.flow.decodes_json = True
        if body is not None and self.role_of(body) >= Role.BODY:
            self._schema(schema)

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

    def _helper_call(self, node: cst.Call, callee: "FunctionRef") -> None:
        arg_roles: dict[str, Role] = {}
        bound = dict(bind(node, callee.params))
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
        for param in helper.validated_params:
            argument_expr = bound.get(param)
            if argument_expr is not None:
                self._mark_validated(argument_expr)
        for param in helper.schema_params:
            self._schema(bound.get(param))
        self.flow.helper_decodes.extend(helper.decodes)
        self.flow.helper_schemas.extend(helper.schemas)


def _is_validator_construction(module: ModuleInfo, expr: cst.BaseExpression) -> bool:
    if not isinstance(expr, cst.Call):
        return False
    name = module.resolve(expr.func) or ""
    return name.rsplit(".", 1)[-1].endswith("Validator")


class FlowAnalyzer:
    """Computes flows: a handler's for this run, a helper's as cached data."""

    def __init__(self, project: "Project") -> None:
        self.project = project

    def _scan(self, function: Function, roles: dict[str, Role], depth: int) -> FunctionFlow:
        flow = FunctionFlow(function)
        module = self.project.module_at(function.owner.path)
        if module is not None:
            _Scanner(self, module, flow, roles, depth).run(function.node.body)
        return flow

    def helper(self, callee: "FunctionRef", roles: dict[str, Role], depth: int) -> HelperFlow:
        """What `callee` does when its parameters play `roles`, at `depth` below a handler."""
        def compute() -> HelperFlow:
            function = self.project.resolve_function(callee)
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
