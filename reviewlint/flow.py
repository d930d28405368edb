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
from typing import TYPE_CHECKING, Iterator

import libcst as cst

from reviewlint.module import Function, ModuleInfo, child_nodes

if TYPE_CHECKING:
    from reviewlint.project import Project

BODY_ATTRS = frozenset({"body", "body_file", "text", "json", "json_body", "POST"})
JSON_ATTRS = frozenset({"json", "json_body"})
JSON_MODULES = frozenset({"json", "jsonutils", "simplejson", "ujson", "orjson"})
JSON_DECODERS = frozenset({"loads", "load"})
MAX_DEPTH = 4


class Role(enum.IntEnum):
    """What a value is, relative to the request (higher is more specific)."""

    NONE = 0
    DERIVED = 1  # computed from the request (environ, context, version...)
    BODY = 2  # the body or a value computed from it
    DECODED = 3  # the body decoded as JSON, not yet known to be validated
    REQUEST = 4  # the request object itself


@dataclass(frozen=True)
class Site:
    """A place in a module: path, 1-based line, 0-based column."""

    path: Path
    line: int
    col: int


@dataclass(frozen=True)
class Place:
    """A node in a module; its position is computed only when a finding needs it."""

    module: ModuleInfo = field(compare=False)
    node: cst.CSTNode
    order: int = field(default=0, compare=False)  # visit order inside its function
    # For a helper call: the rank of what it stands for inside the helper, so
    # a body read and a policy check made by one helper call keep their order.
    rank: tuple[int, ...] = field(default=(), compare=False)

    @property
    def key(self) -> tuple[int, ...]:
        """Where this place comes in its function's order (helpers' insides included)."""
        return (self.order, *self.rank)

    @property
    def site(self) -> Site:
        """Path, line and column of the node."""
        line, col = self.module.position(self.node)
        return Site(self.module.path, line, col)


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
    helpers: list[Function] = field(default_factory=list)

    def first_body_read(self) -> Place | None:
        """Where the body is first read, if it is."""
        return min(self.body_reads, key=lambda p: p.key) if self.body_reads else None

    def first_policy_check(self) -> Place | None:
        """Where policy is first checked, if it is."""
        return min(self.policy_checks, key=lambda p: p.key) if self.policy_checks else None


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
        function = self.analyzer.project.function(name)
        if function is not None and function.node is not self.flow.function.node:
            self._helper_call(node, function)

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
        body = _argument(node, 0, "body")
        schema = _argument(node, 1, "schema")
        self.flow.decodes_json = True
        if body is not None and self.role_of(body) >= Role.BODY:
            self._schema(schema)

    def _validate(self, node: cst.Call, name: str) -> bool:
        if name.endswith("jsonschema.validate") or name == "validate":
            instance = _argument(node, 0, "instance")
            if instance is not None and self._mark_validated(instance):
                self._schema(_argument(node, 1, "schema"))
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
        instance = _argument(node, 0, "instance")
        if instance is not None and self._mark_validated(instance) and isinstance(receiver, cst.Call):
            self._schema(_argument(receiver, 0, "schema"))
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

    def _helper_call(self, node: cst.Call, function: Function) -> None:
        arg_roles: dict[str, Role] = {}
        bound = _bind_arguments(node, function)
        for param, expr in bound.items():
            role = self.role_of(expr)
            if role:
                arg_roles[param] = role
        if self.depth >= MAX_DEPTH:
            return
        self.flow.helpers.append(function)
        if not arg_roles:
            return
        helper = self.analyzer.flow(function, arg_roles, self.depth + 1)
        read, check = helper.first_body_read(), helper.first_policy_check()
        if read is not None:
            self.flow.body_reads.append(Place(self.module, node, self.visited, read.key))
        if check is not None:
            self.flow.policy_checks.append(Place(self.module, node, self.visited, check.key))
        self.flow.decodes_json = self.flow.decodes_json or helper.decodes_json
        for param in helper.validated_params:
            argument = bound.get(param)
            if argument is not None:
                self._mark_validated(argument)
        for param in helper.schema_params:
            self._schema(bound.get(param))
        self.flow.schemas.extend(helper.schemas)
        self.flow.helpers.extend(helper.helpers)


def _argument(call: cst.Call, index: int, keyword: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[index].value if index < len(positional) else None


def _bind_arguments(call: cst.Call, function: Function) -> dict[str, cst.BaseExpression]:
    bound: dict[str, cst.BaseExpression] = {}
    params = function.params
    position = 0
    for arg in call.args:
        if arg.star:
            continue
        if arg.keyword is not None:
            bound[arg.keyword.value] = arg.value
        elif position < len(params):
            bound[params[position]] = arg.value
            position += 1
    return bound


def _is_validator_construction(module: ModuleInfo, expr: cst.BaseExpression) -> bool:
    if not isinstance(expr, cst.Call):
        return False
    name = module.resolve(expr.func) or ""
    return name.rsplit(".", 1)[-1].endswith("Validator")


class FlowAnalyzer:
    """Computes and caches FunctionFlows for a project."""

    def __init__(self, project: "Project") -> None:
        self.project = project
        self._flows: dict[tuple[str, int, tuple[tuple[str, Role], ...]], FunctionFlow] = {}

    def flow(self, function: Function, roles: dict[str, Role], depth: int = 0) -> FunctionFlow:
        """The flow of `function` when its parameters play `roles`."""
        key = (function.qualname, function.index, tuple(sorted(roles.items())))
        if key in self._flows:
            return self._flows[key]
        flow = FunctionFlow(function)
        self._flows[key] = flow  # recursion sees an empty flow, not a loop
        module = self.project.module(function.module)
        if module is None:
            return flow
        _Scanner(self, module, flow, roles, depth).run(function.node.body)
        return flow

    def flows(self) -> list[FunctionFlow]:
        """Every flow computed so far (handlers and the helpers they reached)."""
        return list(self._flows.values())

    def handler_flow(self, handler: Function) -> FunctionFlow:
        """The flow of a handler: its first parameter is the request."""
        roles = {handler.params[0]: Role.REQUEST} if handler.params else {}
        return self.flow(handler, roles)


def analyzer_for(project: "Project") -> FlowAnalyzer:
    """The project's one FlowAnalyzer."""
    return project.analysis("flow", FlowAnalyzer)  # type: ignore[no-any-return]
