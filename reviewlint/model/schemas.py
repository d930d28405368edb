"""Static evaluation of JSON-schema constants, without importing them.

Schema modules build their dicts with literals, `copy.deepcopy(OTHER)`, names
of other schema dicts (in this or an imported module) and later item
assignments (`S['properties']['x'] = ...`). This module replays those
module-level statements over a small value model so a rule can walk the
schema a handler really validates against. What cannot be resolved becomes
`UNKNOWN`, and rules say nothing about it.

Bounded like Python, and tighter: `copy.deepcopy` copies a shared object
once and keeps cycles (a memo, no recursion), and the statements of one
module (or one expression asked from elsewhere) build at most `MAX_NODES`
dicts and lists; past that, what they would have built is `UNKNOWN`; a
value imported through more than `MAX_MODULE_DEPTH` modules is `UNKNOWN`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Union

import libcst as cst

from reviewlint.model.module import ModuleInfo, Place, string_value
from reviewlint.core.microversion import bounded_number

if TYPE_CHECKING:
    from reviewlint.model.project import Project


# Strings built by `+` and `%` stay this short, whatever the module says.
MAX_STRING = 10_000
# Keys that make a dict a JSON Schema (what a reader sees at once).
SCHEMA_KEYS = frozenset({"$schema", "$ref", "type", "properties", "patternProperties", "additionalProperties",
                         "items", "required", "enum", "oneOf", "anyOf", "allOf", "minProperties"})
JSON_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})
_WIDE_FORMAT = re.compile(r"%[^a-zA-Z%]*(?:\*|\d{3})")
# The dicts and lists one module's statements, or one expression asked from
# elsewhere, may build (literals, comprehensions, copies); the rest is UNKNOWN.
# Placement's largest schema module builds a few hundred.
MAX_NODES = 100_000
# Modules whose values are being built at once (A's constant is B's, which is C's...): past this, a name
# imported from a further module is UNKNOWN, so a long chain of modules never runs the stack out.
MAX_MODULE_DEPTH = 32


class Unknown:
    """A value the evaluator cannot know."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Const:
    """A literal scalar: string, number, bool or None."""

    value: object


@dataclass(eq=False)
class DictValue:
    """A dict, remembering the literal it was built from (copies keep it)."""

    origin: Place
    entries: dict[str, "Value"] = field(default_factory=dict)

    def copy(self, deep: bool) -> "DictValue":
        """A copy, deep or shallow, keeping the origin (unbounded: see `SchemaEvaluator.copy`)."""
        copied = _copy(self, deep, None)
        assert isinstance(copied, DictValue)
        return copied


@dataclass(eq=False)
class ListValue:
    """A list or tuple."""

    items: list["Value"] = field(default_factory=list)


Value = Union[DictValue, ListValue, Const, Unknown]


def string_operation(operator: cst.BaseBinaryOp, left: Value, right: Value) -> Value:
    """`'a' + 'b'` and `'%s_%d' % ('a', 1)` on constants (schema keys and patterns are built so)."""
    if not (isinstance(left, Const) and isinstance(left.value, str)):
        return UNKNOWN
    if isinstance(operator, cst.Add) and isinstance(right, Const) and isinstance(right.value, str):
        joined = left.value + right.value if len(left.value) + len(right.value) <= MAX_STRING else None
        return Const(joined) if joined is not None else UNKNOWN
    if isinstance(operator, cst.Modulo) and not _WIDE_FORMAT.search(left.value):
        parts = right.items if isinstance(right, ListValue) else [right]
        values = tuple(p.value for p in parts if isinstance(p, Const) and isinstance(p.value, (str, int)))
        if len(values) == len(parts) and sum(len(str(v)) for v in values) + len(left.value) <= MAX_STRING:
            try:
                return Const(left.value % values)
            except (TypeError, ValueError, OverflowError):
                return UNKNOWN
    return UNKNOWN


def _copy(value: Value, deep: bool, budget: list[int] | None) -> Value:
    """`copy.copy` or `copy.deepcopy` of `value`, as Python does them, taking its dicts and lists from `budget`.

    A deep copy keeps a memo, as Python's does: an object reached twice is
    copied once, and a cycle becomes the same cycle. It walks with a stack
    of its own, so neither depth nor cycles recurse. UNKNOWN when the copy
    would build more than `budget[0]` dicts and lists.
    """
    if not isinstance(value, (DictValue, ListValue)):
        return value
    memo: dict[int, DictValue | ListValue] = {}
    pending: list[tuple[DictValue | ListValue, DictValue | ListValue]] = []

    def shell(original: DictValue | ListValue) -> DictValue | ListValue:
        copied: DictValue | ListValue = DictValue(original.origin) if isinstance(original, DictValue) else ListValue()
        memo[id(original)] = copied
        pending.append((original, copied))
        return copied

    def child(item: Value) -> Value:
        if not deep or not isinstance(item, (DictValue, ListValue)):
            return item
        return memo.get(id(item)) or shell(item)

    top = shell(value)
    while pending:
        if budget is not None:
            budget[0] -= 1
            if budget[0] < 0:
                return UNKNOWN
        original, copied = pending.pop()
        if isinstance(original, DictValue) and isinstance(copied, DictValue):
            copied.entries = {key: child(item) for key, item in original.entries.items()}
        elif isinstance(original, ListValue) and isinstance(copied, ListValue):
            copied.items = [child(item) for item in original.items]
    return top


class _Scope(Mapping[str, Value]):
    """The names of a comprehension's body: its loop variable over the names around it (not a copy of them)."""

    def __init__(self, name: str, value: Value, outer: Mapping[str, Value]) -> None:
        self.name, self.value, self.outer = name, value, outer

    def __getitem__(self, key: str) -> Value:
        return self.value if key == self.name else self.outer[key]

    def __contains__(self, key: object) -> bool:
        return key == self.name or key in self.outer

    def __iter__(self) -> Iterator[str]:
        yield self.name
        yield from (key for key in self.outer if key != self.name)

    def __len__(self) -> int:
        return len(self.outer) + (self.name not in self.outer)


class SchemaEvaluator:
    """Evaluates module-level constants of project modules, module by module, lazily."""

    def __init__(self, project: "Project") -> None:
        self.project = project
        self._envs: dict[str, dict[str, Value]] = {}
        self._budgets: list[list[int]] = []  # [dicts and lists left to build]: per env built, per expression asked

    def _spend(self) -> bool:
        """Take one dict or list from the current budget: False when there is none left."""
        budget = self._budgets[-1]
        budget[0] -= 1
        return budget[0] >= 0

    def env(self, module: ModuleInfo) -> dict[str, Value]:
        """The values of `module`'s module-level names after all its statements ran."""
        if module.name in self._envs:  # being built: an import cycle sees a partial env
            return self._envs[module.name]
        if len(self._envs) >= MAX_MODULE_DEPTH:
            return {}
        return self.project.memo(f"env:{module.path}", lambda: self._build_env(module))

    def _build_env(self, module: ModuleInfo) -> dict[str, Value]:
        self.project.module_at(module.path)  # what uses the env depends on the module's file
        env: dict[str, Value] = {}
        self._envs[module.name] = env
        self._budgets.append([MAX_NODES])
        try:
            for statement in module.tree.body:
                if isinstance(statement, cst.SimpleStatementLine):
                    for small in statement.body:
                        self._statement(module, env, small)
        finally:
            del self._envs[module.name]
            self._budgets.pop()
        return env

    def _statement(self, module: ModuleInfo, env: dict[str, Value], small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Assign):
            value = self.evaluate(module, small.value, env)
            for target in small.targets:
                self._assign(module, env, target.target, value)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self._assign(module, env, small.target, self.evaluate(module, small.value, env))
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            call = small.value
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "update" and call.args:
                updated = self.evaluate(module, func.value, env)
                update = self.evaluate(module, call.args[0].value, env)
                if isinstance(updated, DictValue) and isinstance(update, DictValue):
                    updated.entries.update(update.entries)
            elif isinstance(func, cst.Attribute) and func.attr.value == "pop" and call.args:
                self._delete(module, env, func.value, call.args[0].value)
            elif isinstance(func, cst.Attribute):
                self._list_method(module, env, func, call)
        elif isinstance(small, cst.Del) and isinstance(small.target, cst.Subscript) and len(small.target.slice) == 1:
            index = small.target.slice[0].slice
            if isinstance(index, cst.Index):  # `del S['properties']['x']`
                self._delete(module, env, small.target.value, index.value)

    def _list_method(self, module: ModuleInfo, env: Mapping[str, Value], func: cst.Attribute, call: cst.Call) -> None:
        """`S['required'].append('x')`, `.extend([...])`: the list grows; any other call on it leaves it unknown."""
        found = self.evaluate(module, func.value, env)
        if not isinstance(found, ListValue):
            return
        method = func.attr.value
        argument = self.evaluate(module, call.args[0].value, env) if len(call.args) == 1 else UNKNOWN
        if method == "append":
            found.items.append(argument)
        elif method == "extend" and isinstance(argument, ListValue):
            found.items.extend(argument.items)
        elif method not in ("sort", "reverse", "index", "count", "copy"):
            found.items[:] = [UNKNOWN]

    def _delete(self, module: ModuleInfo, env: Mapping[str, Value], container: cst.BaseExpression,
                key: cst.BaseExpression) -> None:
        found = self.evaluate(module, container, env)
        name = self.key(module, key, env)
        if isinstance(found, DictValue) and name is not None:
            found.entries.pop(name, None)

    def _assign(self, module: ModuleInfo, env: dict[str, Value], target: cst.BaseExpression, value: Value) -> None:
        if isinstance(target, cst.Name):
            env[target.value] = value
        elif isinstance(target, cst.Subscript) and len(target.slice) == 1:
            container = self.evaluate(module, target.value, env)
            index = target.slice[0].slice
            if isinstance(container, DictValue) and isinstance(index, cst.Index):
                key = self.key(module, index.value, env)
                if key is not None:
                    container.entries[key] = value

    def key(self, module: ModuleInfo, expr: cst.BaseExpression, env: Mapping[str, Value]) -> str | None:
        """A dict key as a string: the literal, or a string constant it names."""
        literal = string_value(expr)
        if literal is not None:
            return literal
        value = self.evaluate(module, expr, env)
        if isinstance(value, Const) and isinstance(value.value, str):
            return value.value
        return None

    def evaluate(self, module: ModuleInfo, expr: cst.BaseExpression, env: Mapping[str, Value] | None = None) -> Value:
        """The value of `expr` in `module` (module-level names from `env` or the module's own)."""
        if env is None:
            env = self.env(module)
        if not self._budgets:  # asked from elsewhere: a budget of its own
            self._budgets.append([MAX_NODES])
            try:
                return self.evaluate(module, expr, env)
            finally:
                self._budgets.pop()
        literal = string_value(expr)
        if literal is not None:
            return Const(literal)
        if isinstance(expr, cst.Integer):
            # Decimal literals only; a huge one is BEYOND any version, never handed to int().
            return Const(bounded_number(expr.value)) if expr.value.isdigit() else UNKNOWN
        if isinstance(expr, cst.Float):
            return Const(float(expr.value))
        if isinstance(expr, cst.Name):
            if expr.value in ("True", "False", "None"):
                return Const({"True": True, "False": False, "None": None}[expr.value])
            if expr.value in env:
                return env[expr.value]
            return self._imported(module, expr)
        if isinstance(expr, cst.Attribute):
            return self._imported(module, expr)
        if isinstance(expr, cst.Dict):
            return self._dict(module, expr, env)
        if isinstance(expr, (cst.List, cst.Tuple)):
            if not self._spend():
                return UNKNOWN
            return ListValue([self.evaluate(module, e.value, env) for e in expr.elements
                              if isinstance(e, cst.Element)])
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            container = self.evaluate(module, expr.value, env)
            index = expr.slice[0].slice
            if isinstance(container, DictValue) and isinstance(index, cst.Index):
                key = self.key(module, index.value, env)
                return container.entries.get(key, UNKNOWN) if key is not None else UNKNOWN
            return UNKNOWN
        if isinstance(expr, cst.Call):
            name = module.resolve(expr.func) or ""
            if name in ("copy.deepcopy", "copy.copy") and expr.args:
                return _copy(self.evaluate(module, expr.args[0].value, env), name.endswith("deepcopy"),
                             self._budgets[-1])
        if isinstance(expr, cst.BinaryOperation):
            return string_operation(expr.operator, self.evaluate(module, expr.left, env),
                                    self.evaluate(module, expr.right, env))
        if isinstance(expr, cst.DictComp):
            return self._dict_comprehension(module, expr, env)
        return UNKNOWN

    def _dict_comprehension(self, module: ModuleInfo, expr: cst.DictComp, env: Mapping[str, Value]) -> Value:
        """`{FMT % t: {...} for t in ('a', 'b')}`: one loop over a constant sequence, no condition."""
        loop = expr.for_in
        items = self.evaluate(module, loop.iter, env)
        if (loop.inner_for_in is not None or loop.ifs or not isinstance(loop.target, cst.Name)
                or not isinstance(items, ListValue) or len(items.items) > 64):
            return UNKNOWN
        if not self._spend():
            return UNKNOWN
        result = DictValue(Place(module, expr))
        for item in items.items:
            scope = _Scope(loop.target.value, item, env)
            key = self.evaluate(module, expr.key, scope)
            if not (isinstance(key, Const) and isinstance(key.value, str)):
                return UNKNOWN
            result.entries[key.value] = self.evaluate(module, expr.value, scope)
        return result

    def _dict(self, module: ModuleInfo, expr: cst.Dict, env: Mapping[str, Value]) -> Value:
        if not self._spend():
            return UNKNOWN
        result = DictValue(Place(module, expr))
        for element in expr.elements:
            if isinstance(element, cst.DictElement):
                key = self.key(module, element.key, env)
                result.entries[key if key is not None else f"<{module.tree.code_for_node(element.key)}>"] = (
                    self.evaluate(module, element.value, env))
            elif isinstance(element, cst.StarredDictElement):
                spread = self.evaluate(module, element.value, env)
                if isinstance(spread, DictValue):
                    result.entries.update(spread.entries)
        return result

    def _imported(self, module: ModuleInfo, expr: cst.BaseExpression) -> Value:
        target = self.imported_constant(module, expr)
        return self.constant(*target) if target is not None else UNKNOWN

    def imported_constant(self, module: ModuleInfo, expr: cst.BaseExpression) -> tuple[Path, str] | None:
        """(file, name) of the module-level name of another project module `expr` names, found without parsing it."""
        name = module.resolve(expr)
        if name is None or name.startswith(module.name + "."):
            return None
        found = self.project.split_path(name)
        if found is None or "." in found[2] or found[1] == module.path:
            return None
        return found[1], found[2]

    def constant(self, path: Path, name: str) -> Value:
        """The value of the module-level `name` of the project module at `path`."""
        other = self.project.module_at(path)
        return self.env(other).get(name, UNKNOWN) if other is not None else UNKNOWN

    def constant_name(self, module: ModuleInfo, expr: cst.BaseExpression) -> str:
        """How a message names a schema expression: its constant, else its source text."""
        name = module.resolve(expr)
        if name is not None:
            return name.rsplit(".", 1)[-1]
        return module.tree.code_for_node(expr)


@dataclass(frozen=True)
class OpenObject:
    """An object schema declaring properties without forbidding others."""

    dict_value: DictValue
    path: str


def open_objects(value: Value) -> Iterator[OpenObject]:
    """Every open object schema inside `value`, with its JSON path from the root."""
    seen: set[int] = set()
    stack: list[tuple[Value, str]] = [(value, "$")]
    while stack:
        current, path = stack.pop()
        if isinstance(current, DictValue):
            if id(current) in seen:
                continue
            seen.add(id(current))
            declares = "properties" in current.entries or "patternProperties" in current.entries
            closed = current.entries.get("additionalProperties")
            if declares and not (isinstance(closed, Const) and closed.value is False):
                yield OpenObject(current, path)
            for key, child in reversed(list(current.entries.items())):
                stack.append((child, _join(path, key)))
        elif isinstance(current, ListValue):
            if id(current) in seen:  # a list reached twice (or a cycle) is walked once, as a dict is
                continue
            seen.add(id(current))
            for index, child in reversed(list(enumerate(current.items))):
                stack.append((child, f"{path}[{index}]"))


def _join(path: str, key: str) -> str:
    if key.startswith("<") and key.endswith(">"):
        return f"{path}[{key[1:-1]}]"
    if key.isidentifier():
        return f"{path}.{key}"
    return f"{path}[{key!r}]"


def evaluator_for(project: "Project") -> SchemaEvaluator:
    """The project's one SchemaEvaluator."""
    return project.analysis(SchemaEvaluator)


def is_json_schema(value: Value) -> bool:
    """True for a dict that reads as a JSON Schema: a JSON `type`, or the keywords of one."""
    if not isinstance(value, DictValue):
        return False
    kind = value.entries.get("type")
    if kind is not None:
        return isinstance(kind, Const) and kind.value in JSON_TYPES
    return bool(set(value.entries) & (SCHEMA_KEYS - {"type", "required", "enum"}))
