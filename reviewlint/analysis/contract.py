"""What each route accepts and returns, microversion by microversion, read from the code.

For every route of `ROUTE_DECLARATIONS` and every definition of its handler
(versioned redefinitions each serve their own `version_handler` range), a
small abstract interpreter walks the handler and the project helpers it
calls, keeping for every value the set of microversions at which it holds.
A `want_version.matches(...)` or `want_version >= (1, N)` test splits the
versions between the branches of an `if`; a loop over a constant list
(`for maj, min in _GET_SCHEMA_MICROVERSIONS`) is unrolled, so
`getattr(schema, 'GET_SCHEMA_%d_%d' % (maj, min))` names one schema per
version. What comes out, per definition and as version masks:

* the request-body schemas (`extract_json(req.body, S)`, `jsonschema.validate`
  on the decoded body) and the query-string schemas (`jsonschema.validate` on
  `req.GET`, usually through `util.validate_query_params`) in force at each
  version, resolved by the schema evaluator (`copy.deepcopy` chains and later
  item assignments included);
* the query parameters read (`req.GET.get('x')`, `'x' in req.GET`...);
* the keys written into the dicts that reach the response body
  (`response.body = ...dumps(payload)`), through the serializer helpers that
  build them, each with the versions at which it is written: a key set only
  under a gate exists only at the gate's versions, on that route's path;
* the gates met, and what the handler does with its request (flow.py):
  body reads and policy checks in order, JSON decodes of the body and
  whether a validation reaches each (a decode keeps its identity while
  passed by name), body schema expressions, calls that cannot be resolved.
  A helper given only what came of the request (`context`) is followed for
  these alone, with a budget of its own.

Nothing is imported or executed; a value the interpreter cannot follow is
simply not known, and the rules say nothing about it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import libcst as cst

from reviewlint.analysis.contract_calls import CallSteps
from reviewlint.analysis.gates import GateFinder
from reviewlint.analysis.request_terms import BODY_ATTRS, JSON_ATTRS
from reviewlint.analysis.resolver import binds_name
from reviewlint.model.module import Function, ModuleInfo, string_value
from reviewlint.model.module import dotted as dotted_name
from reviewlint.model.schemas import (UNKNOWN, Const, DictValue, ListValue, Unknown, Value, evaluator_for,
                                      string_operation)
from reviewlint.analysis.version_space import VersionSpace
from reviewlint.service.handlers import defines_wsgify_handlers
from reviewlint.analysis.values import (Alts, Carrier, Cond, Constant, Decode, Derived, Facts, Item, KeyWrite,
                                        Literal, ModuleRef, Objects, QueryRead, Schema, Spot, Summary, alts_within,
                                        from_request, kinds_of, merge_alts, one_alt, origins_of, Tracker)

if TYPE_CHECKING:
    from reviewlint.model.project import Project

MAX_UNROLL = 64
QUERY_ATTRS = frozenset({"GET", "params"})
RESPONSE_BODY_ATTRS = frozenset({"body", "json_body", "text", "json"})
# Expressions one handler definition's analysis may evaluate, its helpers'
# included (a helper's summary computed before is free); the rest is unknown.
# Placement's busiest handler evaluates about 700.
MAX_STEPS = 10_000


# -- the interpreter ---------------------------------------------------------------------------

class Interpreter:
    """Walks functions with version masks; summaries are cached per call signature."""

    def __init__(self, project: "Project", space: VersionSpace) -> None:
        self.project = project
        self.space = space
        self.evaluator = evaluator_for(project)
        self.gates = project.analysis(GateFinder)
        self._summaries: dict[tuple[Any, ...], Summary] = {}
        self.constants: dict[tuple[str, str], Item | None] = {}
        self._modules: dict[str, bool] = {}
        self.paths: set[Path] = set()  # the modules walked (their changes change the contracts)
        self._handler_modules: dict[str, bool] = {}
        self._active: set[tuple[str, int]] = set()
        self._reading: list[set[Path]] = []  # the modules each walk in progress read
        self._constant_paths: dict[tuple[str, str], frozenset[Path]] = {}
        self.budget = MAX_STEPS  # what one handler definition (or a helper followed for the request) may evaluate
        self.steps = MAX_STEPS  # what the handler being analysed may still evaluate
        self.cuts = 0  # how many times an analysis stopped short for want of steps
        self.recursions = 0  # how many times a walk met a function already being walked (it adds nothing)

    def handler(self, function: Function, params: dict[str, Alts], live: int) -> tuple[Summary, bool]:
        """`analyze` of a handler definition with a budget of its own: (summary, whether it ran out)."""
        self.steps, cuts = MAX_STEPS, self.cuts
        summary = self.analyze(function, params, live)
        return summary, self.cuts > cuts

    def is_handler_module(self, dotted: str) -> bool:
        """Whether the project module `dotted` defines handlers, asking that module alone (a save
        of one file does not parse every handler module to learn it)."""
        if dotted not in self._handler_modules:
            path = self.project.module_path(dotted)
            self._handler_modules[dotted] = path is not None and defines_wsgify_handlers(self.project, path)
        return self._handler_modules[dotted]

    def is_module(self, dotted: str) -> bool:
        """True when `dotted` names a module of the project (`placement.schemas.allocation`)."""
        if dotted not in self._modules:
            self._modules[dotted] = self.project.module_path(dotted) is not None
        return self._modules[dotted]

    def read(self, path: Path) -> None:
        """The walk in progress read the module at `path`: what it finds depends on it."""
        self.paths.add(path)
        for reading in self._reading:
            reading.add(path)

    def reuse(self, paths: Iterable[Path]) -> None:
        """A result computed earlier in the run is used again: the memo computing now depends on its files."""
        for path in paths:
            self.read(path)
            try:
                self.project.source(path)
            except OSError:  # pragma: no cover - it was read a moment ago
                pass

    def resolve(self, constant: "Constant") -> Item | None:
        """A Constant's value: a Schema for a dict, a Literal for anything else known."""
        if constant.key not in self.constants:
            self._reading.append(set())
            try:
                self.constants[constant.key] = self._resolve(constant)
            finally:
                self._constant_paths[constant.key] = frozenset(self._reading.pop())
        else:
            self.reuse(self._constant_paths.get(constant.key, ()))
        return self.constants[constant.key]

    def _resolve(self, constant: "Constant") -> Item | None:
        module, expr = constant.module, constant.expr
        dotted = module.resolve(expr)
        if dotted is None:
            return None
        found = self.project.split_path(dotted)
        if found is not None and "." not in found[2] and not binds_name(self.project, found[1], found[2]):
            return None  # a class, a function, an exception: not worth parsing its module for
        if found is not None:
            self.read(found[1])
        value = self.evaluator.evaluate(module, expr)
        if isinstance(value, Unknown):
            return None
        if isinstance(value, DictValue):
            return Schema(value, dotted.rsplit(".", 1)[-1], self.schema_site(module, dotted), Spot.of(module, expr))
        return Literal(value)

    def schema_site(self, module: ModuleInfo, dotted: str) -> Spot | None:
        """Where a schema constant is assigned."""
        found = self.project.split_dotted(dotted)
        owner, name = found if found is not None else (module, dotted.rsplit(".", 1)[-1])
        assignments = owner.assignments.get(name)
        return Spot.of(owner, assignments[-1]) if assignments else None

    def analyze(self, function: Function, params: dict[str, Alts], live: int, depth: int = 0) -> Summary:
        """What `function` does at the versions in `live` when its parameters hold `params`."""
        signature = tuple(sorted((name, value) for name, value in params.items()))
        key = (function.qualname, function.index, live, signature)
        if key in self._summaries:
            known = self._summaries[key]
            self.reuse(known.paths)
            return known
        if (function.qualname, function.index) in self._active:
            self.recursions += 1
            return Summary(Facts(), ())
        self._active.add((function.qualname, function.index))
        self._reading.append(set())
        cuts = self.cuts
        try:
            module = function.owner
            self.read(module.path)
            frame = _Frame(self, module, function, dict(params), depth)
            frame.facts.function = f"{module.path}:{function.name}:{function.index}"
            frame.decorator_checks()
            frame.defaults(live)
            frame.block(function.node.body, live, True)
            frame.uncalled(live)
            summary = Summary(frame.facts, merge_alts(frame.returns), frozenset(self._reading[-1]))
        finally:
            self._active.discard((function.qualname, function.index))
            self._reading.pop()
        if self.cuts == cuts:  # a summary cut short is not kept: another handler has steps of its own
            self._summaries[key] = summary
        return summary


class _Frame(CallSteps):
    """One function being walked: its local names and what it found."""

    def __init__(self, interpreter: Interpreter, module: ModuleInfo, function: Function,
                 env: dict[str, Alts], depth: int) -> None:
        self.interpreter = interpreter
        self.space = interpreter.space
        self.module = module
        self.function = function
        self.env = env
        self.depth = depth
        self.track, self.facts = Tracker.start(module, function, env)  # and which statements every path runs
        self.returns: list[tuple[int, Item]] = []
        self.clock = 0  # how many expressions the walk has met: the rank of what it finds (Facts.reads)
        self.validators: dict[str, cst.Call] = {}  # names bound to a validator built here (`Draft4Validator(S)`)
        self.local_defs: dict[str, cst.FunctionDef] = {}  # functions defined in this one
        self.called: set[str] = set()  # those walked

    def defaults(self, live: int) -> None:
        """Bind the literal defaults of parameters the caller left out (`show_label=False`)."""
        parameters = self.function.node.params
        for param in (*parameters.posonly_params, *parameters.params, *parameters.kwonly_params):
            if param.default is not None and param.name.value not in self.env:
                value = tuple(alt for alt in self.eval(param.default, live) if isinstance(alt[1], Literal))
                if value:
                    self.env[param.name.value] = value

    # -- statements ---------------------------------------------------------------------------
    def block(self, node: cst.BaseSuite | Iterable[cst.CSTNode], live: int, definite: bool) -> int:
        """Run the statements of a suite at `live`; the versions still running after it."""
        if isinstance(node, cst.IndentedBlock):
            statements: Iterable[cst.CSTNode] = node.body
        elif isinstance(node, cst.SimpleStatementSuite):
            statements = [node]
        else:
            statements = node  # type: ignore[assignment]
        interpreter = self.interpreter
        for statement in statements:
            if not live:
                break
            interpreter.steps -= 1  # one step of the handler's budget (inline: this is the hot path)
            if interpreter.steps < 0:
                self.out_of_steps(live)
                break
            live = self.statement(self.track.at(statement, definite), live, definite)
        return live

    def out_of_steps(self, live: int) -> None:
        """The handler's budget is spent: what follows is unknown at `live`."""
        self.facts.unknown |= live
        self.interpreter.cuts += 1

    def statement(self, node: cst.CSTNode, live: int, definite: bool) -> int:
        if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in node.body:
                live = self.small(small, live, definite)
                if not live:
                    break
            return live
        if isinstance(node, cst.If):
            return self.if_statement(node, live, definite)
        if isinstance(node, cst.For):
            return self.for_statement(node, live, definite)
        if isinstance(node, cst.While):
            self.condition(node.test, live)
            self.block(node.body, live, False)
            return live
        if isinstance(node, cst.With):
            for item in node.items:
                value = self.eval(item.item, live)
                if item.asname is not None:
                    self.bind(item.asname.name, value, live, definite)
            return self.block(node.body, live, definite)
        if isinstance(node, (cst.Try, cst.TryStar)):
            after = self.block(node.body, live, definite)
            if node.orelse is not None:
                after = self.block(node.orelse.body, after, definite)
            for handler in node.handlers:
                after |= self.block(handler.body, live, False)
            if node.finalbody is not None:
                self.block(node.finalbody.body, live, False)
            return after
        if isinstance(node, cst.FunctionDef):
            self.local_defs[node.name.value] = node  # walked where it is called (`local_call`), or at the end
        return live  # classes: not walked

    def nested(self, node: cst.FunctionDef, live: int) -> Alts:
        """Walk a function defined here, in this frame's names, for what it does with the request (nothing
        else counts: it is no helper of the route contract); what of the request it returns."""
        name = node.name.value
        if name in self.called:
            return ()  # walked once (a recursive or second call adds nothing)
        self.called.add(name)
        env, returns, facts, track = dict(self.env), self.returns, self.facts, self.track
        self.facts = Facts()
        self.track, self.returns = Tracker(self.module, self.facts), []
        try:
            self.block(node.body, live, False)
        finally:
            found, returned = self.facts, self.returns
            self.env, self.returns, self.facts, self.track = env, returns, facts, track
        facts.take_request_facts(found)
        return merge_alts(alt for alt in returned if from_request((alt,)))

    def uncalled(self, live: int) -> None:
        """The functions defined here and never called in the walk may be called elsewhere: walked now."""
        for node in list(self.local_defs.values()):
            self.nested(node, live)

    def small(self, node: cst.BaseSmallStatement, live: int, definite: bool) -> int:
        if isinstance(node, cst.Assign):
            value = self.eval(node.value, live)
            for target in node.targets:
                self.assign(target.target, value, node.value, live, definite)
                self.note_validator(target.target, node.value)
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            self.assign(node.target, self.eval(node.value, live), node.value, live, definite)
        elif isinstance(node, cst.AugAssign):
            value = self.eval(node.value, live)
            if isinstance(node.target, cst.Name):
                self.contain(self.eval(node.target, live), value)
        elif isinstance(node, cst.Expr):
            self.eval(node.value, live)
        elif isinstance(node, cst.Return):
            if node.value is not None:
                self.returns.extend(self.track.exit(self.eval(node.value, live), live))
            return 0
        elif isinstance(node, cst.Raise):
            if node.exc is not None:
                self.eval(node.exc, live)
            return 0
        return live

    def if_statement(self, node: cst.If, live: int, definite: bool) -> int:
        true, false = self.condition(node.test, live)
        split = definite and not (true & false)
        after = self.block(node.body, true, split)
        middle, orelse = self.track.orelse(node), node.orelse
        if isinstance(orelse, cst.If):
            other = self.if_statement(orelse, false, split)
        elif isinstance(orelse, cst.Else):
            other = self.block(orelse.body, false, split)
        else:
            other = false
        return self.track.branches(node, definite, true & false, middle, after, other)

    def for_statement(self, node: cst.For, live: int, definite: bool) -> int:
        iterated = self.values(self.eval(node.iter, live))
        items = [item for _, item in iterated]
        if (len(items) == 1 and isinstance(items[0], Literal) and isinstance(items[0].value, ListValue)
                and len(items[0].value.items) <= MAX_UNROLL and iterated[0][0] == live):
            for element in items[0].value.items:  # a constant list: one pass per element
                if not live:
                    break
                self.unpack(node.target, element, live, definite)
                live = self.block(node.body, live, definite)
            return live
        elements = tuple((mask, item) for mask, item in iterated if isinstance(item, (Objects, Derived)))
        self.assign(node.target, elements, None, live, False)
        self.block(node.body, live, False)
        if node.orelse is not None:
            self.block(node.orelse.body, live, False)
        return live

    def unpack(self, target: cst.BaseExpression, element: Value, live: int, definite: bool) -> None:
        if isinstance(target, cst.Name):
            self.bind(target, one_alt(live, Literal(element)), live, definite)
        elif isinstance(target, (cst.Tuple, cst.List)) and isinstance(element, ListValue):
            names = [e.value for e in target.elements if isinstance(e, cst.Element)]
            if len(names) == len(element.items):
                for name, item in zip(names, element.items):
                    self.unpack(name, item, live, definite)

    # -- names --------------------------------------------------------------------------------
    def bind(self, target: cst.BaseExpression, value: Alts, live: int, definite: bool) -> None:
        if not isinstance(target, cst.Name):
            return
        name = target.value
        old = self.env.get(name, ())
        if definite:
            kept = tuple((mask & ~live, item) for mask, item in old if mask & ~live)
        else:
            kept = old
        self.env[name] = merge_alts(kept + alts_within(value, live))

    def assign(self, target: cst.BaseExpression, value: Alts, source: cst.BaseExpression | None,
               live: int, definite: bool) -> None:
        if isinstance(target, cst.Name):
            self.bind(target, value, live, definite)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements if isinstance(e, cst.Element)]
            if isinstance(source, (cst.Tuple, cst.List)) and len(source.elements) == len(elements):
                for element, expr in zip(elements, source.elements):
                    self.assign(element, self.eval(expr.value, live), expr.value, live, definite)
            else:
                for element in elements:
                    self.assign(element, value, None, live, definite)
        elif isinstance(target, cst.Subscript):
            container = self.eval(target.value, live)
            key = self.key_of(target, live)
            if key is not None:
                self.write(container, key, live, target, definite)
            self.contain(container, value)
        elif isinstance(target, cst.Attribute):
            owner = self.eval(target.value, live)
            if target.attr.value in RESPONSE_BODY_ATTRS:
                mask = 0
                for at, item in owner:
                    if item is Carrier.RESPONSE:
                        mask |= at & live
                origins = origins_of(self.track.exit(value, mask))
                if mask and origins:
                    self.facts.sinks.append((mask, origins))
                    self.facts.tops.extend((mask & at, item.origins) for at, item in value
                                           if isinstance(item, Objects) and mask & at)

    def key_of(self, target: cst.Subscript, live: int) -> str | None:
        if len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
            return None
        return self.literal_string(target.slice[0].slice.value, live)

    def literal_string(self, expr: cst.BaseExpression, live: int) -> str | None:
        found = [item.value.value for _, item in self.values(self.eval(expr, live))
                 if isinstance(item, Literal) and isinstance(item.value, Const) and isinstance(item.value.value, str)]
        return found[0] if len(found) == 1 else None

    def write(self, container: Alts, key: str, live: int, node: cst.CSTNode, definite: bool = False) -> None:
        for mask, item in container:
            if isinstance(item, Objects) and mask & live:
                for origin in item.origins:
                    self.facts.writes.append(self.track.write(origin, key, mask & live, node, definite))

    def contain(self, container: Alts, value: Alts) -> None:
        inner = origins_of(value)
        if inner:
            for origin in origins_of(container):
                self.facts.contains.append((origin, inner))

    # -- conditions ---------------------------------------------------------------------------
    def condition(self, expr: cst.BaseExpression, live: int) -> tuple[int, int]:
        """(versions where it may be true, versions where it may be false), within `live`."""
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
            true, false = self.condition(expr.expression, live)
            return false, true
        if isinstance(expr, cst.BooleanOperation):
            if isinstance(expr.operator, cst.And):
                true_left, false_left = self.condition(expr.left, live)
                true_right, false_right = self.condition(expr.right, true_left)
                return true_right, false_left | false_right
            true_left, false_left = self.condition(expr.left, live)
            true_right, false_right = self.condition(expr.right, false_left)
            return true_left | true_right, false_right
        value = self.eval(expr, live)
        true = false = 0
        known = 0
        for mask, item in value:
            if isinstance(item, Cond):
                true |= mask & item.mask
                false |= mask & ~item.mask
                known |= mask
            elif isinstance(item, Literal) and isinstance(item.value, Const):
                # a flag a caller passed (`show_label=False`): the branch it picks is known
                if item.value.value:
                    true |= mask
                else:
                    false |= mask
                known |= mask
        unknown = live & ~known
        return (true | unknown) & live, (false | unknown) & live

    def cond(self, true: int, node: cst.CSTNode, live: int) -> Alts:
        found = Cond(true & self.space.all, Spot.of(self.module, node))
        self.facts.conds.append(found)
        return one_alt(live, found)

    # -- expressions --------------------------------------------------------------------------
    def eval(self, expr: cst.BaseExpression, live: int) -> Alts:
        """The values `expr` may have at the versions in `live`."""
        if not live:
            return ()
        self.clock += 1
        interpreter = self.interpreter
        interpreter.steps -= 1
        if interpreter.steps < 0:
            self.out_of_steps(live)
            return ()
        literal = string_value(expr)
        if literal is not None:
            return one_alt(live, Literal(Const(literal)))
        if isinstance(expr, cst.Integer):
            return one_alt(live, Literal(Const(int(expr.value, 0)))) if expr.value.isdigit() else ()
        if isinstance(expr, cst.Name):
            return self.name(expr, live)
        if isinstance(expr, cst.Attribute):
            return self.attribute(expr, live)
        if isinstance(expr, cst.Subscript):
            return self.subscript(expr, live)
        if isinstance(expr, cst.Call):
            return self.call(expr, live)
        if isinstance(expr, cst.Comparison):
            return self.comparison(expr, live)
        if isinstance(expr, (cst.BooleanOperation, cst.UnaryOperation)):
            if isinstance(expr, cst.UnaryOperation) and not isinstance(expr.operator, cst.Not):
                return self.eval(expr.expression, live)
            true, false = self.condition(expr, live)
            if true & false == 0 and (true | false) == live:
                return one_alt(live, Cond(true))
            parts = (expr.left, expr.right) if isinstance(expr, cst.BooleanOperation) else ()
            return merge_alts(alt for part in parts for alt in self.eval(part, live)
                              if not isinstance(alt[1], Cond))
        if isinstance(expr, cst.IfExp):
            true, false = self.condition(expr.test, live)
            return merge_alts(self.eval(expr.body, true) + self.eval(expr.orelse, false))
        if isinstance(expr, cst.BinaryOperation):
            return self.binary(expr, live)
        if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            return self.sequence(expr, live)
        if isinstance(expr, cst.Dict):
            return self.dict_literal(expr, live)
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            return self.comprehension(expr, live)
        return ()

    def name(self, expr: cst.Name, live: int) -> Alts:
        if expr.value in self.env:
            return alts_within(self.env[expr.value], live)
        if expr.value in ("True", "False", "None"):
            return one_alt(live, Literal(Const({"True": True, "False": False, "None": None}[expr.value])))
        return self.constant(expr, live)

    def constant(self, expr: cst.BaseExpression, live: int) -> Alts:
        """A module-level name of this or another project module: a module, or a lazy Constant."""
        written = dotted_name(expr)
        if written is None:
            return ()
        head = written.split(".", 1)[0]
        if head not in self.module.imports and head not in self.module.assignments:
            return ()  # a local, a builtin or an attribute of an object: not a constant
        dotted = self.module.resolve(expr)
        if dotted is None:
            return ()
        if self.interpreter.is_module(dotted):
            return one_alt(live, ModuleRef(dotted))
        return one_alt(live, Constant((self.module.name, written), self.module, expr))

    def values(self, alts: Alts) -> Alts:
        """`alts` with every Constant replaced by its value (dropped when it has none we can use)."""
        if not any(isinstance(item, Constant) for _, item in alts):
            return alts
        found: list[tuple[int, Item]] = []
        for mask, item in alts:
            if isinstance(item, Constant):
                value = self.interpreter.resolve(item)
                if value is not None:
                    found.append((mask, value))
            else:
                found.append((mask, item))
        return merge_alts(found)

    def attribute(self, expr: cst.Attribute, live: int) -> Alts:
        rank = self.clock
        owner = self.eval(expr.value, live)
        attr = expr.attr.value
        found: list[tuple[int, Item]] = []
        for mask, item in owner:
            if item is Carrier.REQUEST:
                if attr == "environ":
                    found.append((mask, Carrier.ENVIRON))
                elif attr == "response":
                    found.append((mask, Carrier.RESPONSE))
                elif attr in QUERY_ATTRS:
                    found.append((mask, Carrier.QUERY))
                elif attr in BODY_ATTRS:
                    self.facts.body_reads |= mask
                    self.facts.reads.append((rank, Spot.of(self.module, expr)))
                    if attr in JSON_ATTRS:
                        found.append((mask, self.decode(expr)))
                    else:
                        found.append((mask, Carrier.BODY))
                else:
                    found.append((mask, Derived(frozenset({Carrier.REQUEST}))))
            elif isinstance(item, ModuleRef):
                found.extend(self.constant(expr, mask))
            elif isinstance(item, (Derived, Decode)) or item in (Carrier.BODY, Carrier.QUERY):
                found.append((mask, Derived(kinds_of(((mask, item),)))))
        if not owner:
            found.extend(self.constant(expr, live))
        return merge_alts(found)

    def subscript(self, expr: cst.Subscript, live: int) -> Alts:
        owner = self.values(self.eval(expr.value, live))
        index = expr.slice[0].slice if len(expr.slice) == 1 else None
        index_expr = index.value if isinstance(index, cst.Index) else None
        found: list[tuple[int, Item]] = []
        if not owner and index_expr is not None and self.is_version_key(index_expr):
            return one_alt(live, Carrier.VERSION)  # `environ[MICROVERSION_ENVIRON]` of an environ from elsewhere
        for mask, item in owner:
            if item is Carrier.ENVIRON and index_expr is not None and self.is_version_key(index_expr):
                found.append((mask, Carrier.VERSION))
            elif item is Carrier.ENVIRON:
                found.append((mask, Derived(frozenset({Carrier.ENVIRON}))))  # `placement.context`
            elif item is Carrier.QUERY:
                name = self.literal_string(index_expr, mask) if index_expr is not None else None
                if name is not None:
                    self.facts.query_reads.append(QueryRead(mask, name, Spot.of(self.module, expr)))
                found.append((mask, Derived(frozenset({Carrier.QUERY}))))
            elif isinstance(item, (Objects, Derived)) or item is Carrier.BODY or isinstance(item, Decode):
                kept = item if isinstance(item, (Objects, Derived)) else Derived(kinds_of(((mask, item),)))
                found.append((mask, kept))
            elif isinstance(item, Schema) and isinstance(item.value, DictValue) and index_expr is not None:
                key = self.literal_string(index_expr, mask)
                entry = item.value.entries.get(key, UNKNOWN) if key is not None else UNKNOWN
                if isinstance(entry, DictValue):
                    found.append((mask, Schema(entry, f"{item.label}[{key!r}]", item.site)))
        return merge_alts(found)

    def binary(self, expr: cst.BinaryOperation, live: int) -> Alts:
        left, right = self.values(self.eval(expr.left, live)), self.values(self.eval(expr.right, live))
        found: list[tuple[int, Item]] = []
        for lmask, litem in left:
            for rmask, ritem in right:
                mask = lmask & rmask
                if mask and isinstance(litem, Literal) and isinstance(ritem, Literal):
                    value = string_operation(expr.operator, litem.value, ritem.value)
                    if not isinstance(value, Unknown):
                        found.append((mask, Literal(value)))
        kinds = kinds_of(left) | kinds_of(right)
        if kinds:
            found.append((live, Derived(kinds)))
        return merge_alts(found)

    def sequence(self, expr: cst.Tuple | cst.List | cst.Set, live: int) -> Alts:
        elements = [self.values(self.eval(e.value, live)) for e in expr.elements if isinstance(e, cst.Element)]
        if isinstance(expr, cst.Tuple) and len(elements) == len(expr.elements) and \
                all(len(e) == 1 and e[0][0] == live and isinstance(e[0][1], Literal) for e in elements):
            return one_alt(live, Literal(ListValue([e[0][1].value for e in elements])))
        found: list[tuple[int, Item]] = []
        for element in elements:
            found.extend(alt for alt in element if isinstance(alt[1], (Objects, Derived, Schema)))
        if not isinstance(expr, cst.Tuple):
            origin = (self.module.name, id(expr))
            inner = frozenset().union(*(origins_of(e) for e in elements)) if elements else frozenset()
            if isinstance(expr, cst.List):
                self.facts.lists.append((origin, Spot.of(self.module, expr)))
            if inner:
                self.facts.contains.append((origin, inner))
            found = [alt for alt in found if not isinstance(alt[1], Objects)]
            found.append((live, Objects(frozenset({origin}))))
        return merge_alts(found)

    def dict_literal(self, expr: cst.Dict, live: int) -> Alts:
        origin = (self.module.name, id(expr))
        for element in expr.elements:
            value = self.eval(element.value, live)
            if isinstance(element, cst.DictElement):
                key = self.literal_string(element.key, live)
                if key is not None:
                    self.facts.writes.append(KeyWrite(origin, key, live, Spot.of(self.module, element), True))
            inner = origins_of(value)
            if inner:
                self.facts.contains.append((origin, inner))
        return one_alt(live, Objects(frozenset({self.track.built(origin)})))

    def comprehension(self, expr: cst.BaseComp, live: int) -> Alts:
        saved = dict(self.env)
        loop: cst.CompFor | None = expr.for_in
        while loop is not None:
            iterated = self.eval(loop.iter, live)
            elements = tuple(alt for alt in iterated if isinstance(alt[1], (Objects, Derived)))
            self.assign(loop.target, elements, None, live, True)
            loop = loop.inner_for_in
        origin = (self.module.name, id(expr))
        if isinstance(expr, cst.ListComp):
            self.facts.lists.append((origin, Spot.of(self.module, expr)))
        if isinstance(expr, cst.DictComp):
            key = self.literal_string(expr.key, live)
            if key is not None:
                self.facts.writes.append(KeyWrite(origin, key, live, Spot.of(self.module, expr)))
            value = self.eval(expr.value, live)
        else:
            value = self.eval(expr.elt, live)  # type: ignore[attr-defined]
        self.env = saved
        inner = origins_of(value)
        if inner:
            self.facts.contains.append((origin, inner))
        kinds = kinds_of(value)
        return merge_alts(((live, Objects(frozenset({origin}))),) + (one_alt(live, Derived(kinds)) if kinds else ()))
