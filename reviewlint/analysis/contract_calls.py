"""The route contract interpreter's steps for calls and version tests: what a call does to the values it is given.

`_Frame` (contract.py) walks statements and expressions; a call is decided
here: a version test (`want_version.matches(...)`) and the gate it is, a
body decode or validation (`extract_json`, `jsonschema.validate`, a
validation decorator of the callee), a query-string read, `getattr` on a
schema module, a dict method, and a project helper followed through the one
call resolver, with its gates when it is a gate helper.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import libcst as cst

from reviewlint.analysis.call_records import CALL_RECORD, call_key, record_of
from reviewlint.analysis.calls import argument, bind
from reviewlint.analysis.decorators import ANY, KEYWORD, validations
from reviewlint.analysis.flow import HELPER_RECORD_CODEC, HelperRecord, helper_record
from reviewlint.analysis.gates import is_version_key
from reviewlint.analysis.request_terms import (COMPARISONS, FLIPPED, JSON_DECODERS, JSON_MODULES, is_policy_check,
                                               missing_schema)
from reviewlint.analysis.resolver import Callee, Unresolved, resolver_for
from reviewlint.analysis.values import (Alts, Carrier, Constant, Decode, Derived, Facts, GateSeen, Item, KeyWrite,
                                        Literal, Objects, QueryRead, Schema, SchemaUse, Spot, alts_within,
                                        from_request, is_interesting, kinds_of, merge_alts, one_alt, origins_of,
                                        Tracker)
from reviewlint.core.microversion import Version
from reviewlint.model.facts import FunctionRef, resolve_function
from reviewlint.model.module import Function, ModuleInfo
from reviewlint.model.schemas import Const, DictValue
from reviewlint.service.versions import version_of_value

if TYPE_CHECKING:
    from reviewlint.analysis.version_space import VersionSpace

MAX_DEPTH = 6
# How deep a helper is followed only because it receives the request or what came of it (its policy checks,
# body reads and validations act for the handler; what it returns is not the response's).
REQUEST_DEPTH = 4
QUERY_READS = frozenset({"get", "getall", "getone", "dict_of_lists"})
# Calls whose result carries the dicts given to them (serialising, copying, wrapping).
PASS_THROUGH = frozenset({
    "dumps", "dump_as_bytes", "to_utf8", "safe_encode", "list", "tuple", "sorted", "copy", "deepcopy",
    "to_primitive", "jsonify", "dict", "OrderedDict", "defaultdict",
})
MAPPING_CONSTRUCTORS = frozenset({"dict", "OrderedDict", "defaultdict"})
CONTAINER_METHODS = frozenset({"append", "extend", "insert", "add", "update"})


HELPER_RECORD = HELPER_RECORD_CODEC


class _Stale(Exception):
    """A record that held a moment ago cannot be read back (a malformed entry): walk the call."""


def _never() -> Any:
    """The compute of a memo asked only when it holds."""
    raise _Stale()


def _of_request(item: Item) -> Item:
    """What a helper followed for the request alone is given of `item` (a decode's identity is its caller's)."""
    return Derived(frozenset({Carrier.BODY})) if isinstance(item, Decode) else item


def _role(item: Item) -> str:
    """`item` in a cache key."""
    if isinstance(item, Derived):
        return "derived:" + "+".join(sorted(kind.value for kind in item.kinds))
    return str(item.value) if isinstance(item, Carrier) else repr(item)


class CallSteps:
    """The call steps of a frame; the frame (contract._Frame) provides the rest."""

    interpreter: Any  # contract.Interpreter
    space: "VersionSpace"
    module: ModuleInfo
    function: Function
    facts: Facts
    track: Tracker
    depth: int

    def __init__(self, interpreter: Any, module: ModuleInfo, function: Function, env: dict[str, Alts],
                 depth: int) -> None:
        raise NotImplementedError  # pragma: no cover - the frame's

    # What the frame provides (contract._Frame).
    def eval(self, expr: cst.BaseExpression, live: int) -> Alts:
        raise NotImplementedError  # pragma: no cover

    def values(self, alts: Alts) -> Alts:
        raise NotImplementedError  # pragma: no cover

    def cond(self, true: int, node: cst.CSTNode, live: int) -> Alts:
        raise NotImplementedError  # pragma: no cover

    def literal_string(self, expr: cst.BaseExpression, live: int) -> str | None:
        raise NotImplementedError  # pragma: no cover

    def write(self, container: Alts, key: str, live: int, node: cst.CSTNode) -> None:
        raise NotImplementedError  # pragma: no cover

    def contain(self, container: Alts, value: Alts) -> None:
        raise NotImplementedError  # pragma: no cover

    clock: int
    validators: dict[str, cst.Call]
    local_defs: dict[str, cst.FunctionDef]
    env: dict[str, Alts]

    def nested(self, node: cst.FunctionDef, live: int) -> Alts:
        raise NotImplementedError  # pragma: no cover - the frame's

    def decorator_checks(self) -> None:
        """The policy checks the function's decorators make before its body runs (rank 0)."""
        checks = self.module.config.policy_checks
        for decorator in self.function.decorators:
            expr = decorator.node.decorator
            if is_policy_check(checks, expr.func if isinstance(expr, cst.Call) else expr, decorator.name):
                self.facts.checks.append((0, Spot.of(self.module, decorator.node)))

    def decode(self, node: cst.CSTNode, extract: bool = False) -> Decode:
        """The body decoded as JSON at `node`."""
        found = Decode(Spot.of(self.module, node), extract)
        self.facts.decodes_json = True
        self.facts.decodes.append(found)
        return found

    def mark(self, value: Alts) -> None:
        """A validation reaches `value`: the decodes it holds are validated."""
        for _, item in value:
            if isinstance(item, Decode):
                self.facts.validated.append(item.site.key)

    def schema_use(self, expr: cst.BaseExpression | None, live: int) -> None:
        """`expr` is used as a request-body schema: what RVL203 evaluates for it (the expression naming each
        schema it may be, or itself)."""
        if expr is None:
            return
        found = []
        for _, item in self.eval(expr, live):
            if isinstance(item, Constant):
                found.append(Spot.of(item.module, item.expr))  # as written here (a resolved one names its first)
            elif isinstance(item, Schema) and item.written is not None:
                found.append(item.written)
        self.facts.schema_uses.extend(found or [Spot.of(self.module, expr)])

    # -- version tests --------------------------------------------------------------------------
    def is_version_key(self, expr: cst.BaseExpression) -> bool:
        return is_version_key(self.module, expr)

    def comparison(self, expr: cst.Comparison, live: int) -> Alts:
        left: cst.BaseExpression = expr.left
        result: Alts = ()
        for target in expr.comparisons:
            right = target.comparator
            operator = COMPARISONS.get(type(target.operator))
            if isinstance(target.operator, (cst.In, cst.NotIn)):
                container = self.eval(right, live)
                if any(item is Carrier.QUERY for _, item in container):
                    name = self.literal_string(left, live)
                    if name is not None:
                        self.facts.query_reads.append(QueryRead(live, name, Spot.of(self.module, expr)))
            elif operator is not None:
                if self.carries_version(left, live):
                    result = self.compare(expr, operator, right, live)
                elif self.carries_version(right, live):
                    result = self.compare(expr, FLIPPED[operator], left, live)
            left = right
        return result

    def carries_version(self, expr: cst.BaseExpression, live: int) -> bool:
        return any(item is Carrier.VERSION for _, item in self.eval(expr, live))

    def compare(self, node: cst.Comparison, operator: str, other: cst.BaseExpression, live: int) -> Alts:
        named = self.interpreter.gates.bounds(self.module, other, None)
        if named is not None and named[0] is not None:  # a gate names its version as written
            self.facts.gates.append(GateSeen(Spot.of(self.module, node), "comparison",
                                             named[0] if operator in (">=", ">", "==") else None,
                                             named[0] if operator in ("<=", "<", "==") else None,
                                             operator == ">", operator == "<"))
        version = self.version_of(other, live)
        if version is None:
            return ()
        space = self.space
        masks = {">=": space.mask(version, None), ">": space.above(version), "<": space.below(version),
                 "<=": space.mask(None, version), "==": space.mask(version, version)}
        return self.cond(masks[operator], node, live)

    def version_of(self, expr: cst.BaseExpression | None, live: int) -> Version | None:
        if expr is None:
            return None
        found = {version_of_value(item.value) for _, item in self.values(self.eval(expr, live))
                 if isinstance(item, Literal)}
        found.discard(None)
        return found.pop() if len(found) == 1 else None

    # -- calls ----------------------------------------------------------------------------------
    def call(self, node: cst.Call, live: int) -> Alts:
        rank = self.clock
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "matches":
            if self.carries_version(func.value, live):
                return self.matches(node, live)
        if isinstance(func, cst.Name) and func.value in self.local_defs and func.value not in self.env:
            for arg in node.args:
                self.eval(arg.value, live)
            return self.nested(self.local_defs[func.value], live)
        name = self.module.resolve(func) or ""
        short = name.rsplit(".", 1)[-1]
        if is_policy_check(self.module.config.policy_checks, func, name):
            self.facts.checks.append((rank, Spot.of(self.module, node)))
        if short == "extract_json":
            return self.extract_json(node, live)
        if short in JSON_DECODERS and name.count(".") >= 1 and name.rsplit(".", 2)[-2] in JSON_MODULES:
            if node.args and Carrier.BODY in kinds_of(self.eval(node.args[0].value, live)):
                return one_alt(live, self.decode(node))
        if short == "validate" and (name.endswith("jsonschema.validate") or name == "validate"):
            return self.validate(node, live)
        if isinstance(func, cst.Attribute) and func.attr.value == "validate" and self.validator(func.value):
            return self.validator_call(node, func.value, live)
        if name == "getattr" and len(node.args) >= 2:
            return self.getattr(node, live)
        receiver = self.eval(func.value, live) if isinstance(func, cst.Attribute) else ()
        if (isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args
                and (not receiver or any(item is Carrier.ENVIRON for _, item in receiver))
                and self.is_version_key(node.args[0].value)):
            return one_alt(live, Carrier.VERSION)
        if isinstance(func, cst.Attribute) and any(item is Carrier.QUERY for _, item in receiver):
            if func.attr.value in QUERY_READS and node.args:
                key = self.literal_string(node.args[0].value, live)
                if key is not None:
                    self.facts.query_reads.append(QueryRead(live, key, Spot.of(self.module, node)))
            return one_alt(live, Derived(frozenset({Carrier.QUERY})))
        fixed = resolver_for(self.interpreter.project).fixed(self.module, self.function, func)
        arguments = [(arg, self.eval(arg.value, live)) for arg in (*fixed, *node.args)]
        if isinstance(func, cst.Attribute) and origins_of(receiver):
            return self.method_on_objects(func.attr.value, receiver, arguments, node, live)
        if short in MAPPING_CONSTRUCTORS and name in (short, f"collections.{short}"):
            return self.new_mapping(node, arguments, live)
        # What a call passes of the request matters as deep as a helper is followed for the request alone.
        requested = self.depth <= REQUEST_DEPTH and any(from_request(value) for _, value in arguments)
        worth = self.depth < MAX_DEPTH and self.worth_following(name, arguments)
        if worth or requested:
            callee = resolver_for(self.interpreter.project).target(self.module, self.function, func)
            if isinstance(callee, Unresolved) and requested:
                self.unresolved(arguments)
            elif isinstance(callee, Callee) and worth:
                key = self.call_key(callee.ref, arguments, live)
                recorded = self.recorded(key, callee.ref, arguments, live, node, rank if requested else None)
                if recorded is not None:
                    return recorded
                helper = resolve_function(self.interpreter.project, callee.ref)
                if helper is not None:
                    self.gate_helper_call(node, helper, arguments, fixed)
                    followed = self.helper(helper, arguments, live, node, rank if requested else None, key)
                    if followed is not None:
                        return followed
            elif isinstance(callee, Callee) and self.depth < REQUEST_DEPTH:
                self.follow(callee.ref, self.bound(callee.ref, arguments), node, rank)  # not parsed if cached
        found: list[tuple[int, Item]] = []
        kinds = frozenset().union(*(kinds_of(value) for _, value in arguments)) | kinds_of(receiver)
        if kinds:
            found.append((live, Derived(kinds)))
        if short in PASS_THROUGH:
            found.extend(alt for _, value in arguments for alt in value if isinstance(alt[1], Objects))
        return merge_alts(found)

    def gate_helper_call(self, node: cst.Call, helper: Function, arguments: list[tuple[cst.Arg, Alts]],
                         fixed: tuple[cst.Arg, ...] = ()) -> None:
        """`raise_404_if_not_version(req, (1, 2))`: a gate at the call (see gates.GateHelper)."""
        signature = self.interpreter.gates.gate_helper(
            FunctionRef(helper.owner.path, helper.module, helper.name, helper.index, helper.params))
        if signature is None:
            return
        pairs = bind(node, helper.params, fixed)
        passed = dict(zip((param for param, _ in pairs), (value for arg, value in arguments if not arg.star)))
        exprs = dict(pairs)
        if not any(isinstance(item, Carrier) and item is not Carrier.RESPONSE
                   for _, item in passed.get(signature.carrier, ())):
            return
        found = self.interpreter.gates.bounds(self.module, exprs.get(signature.minimum),
                                              exprs.get(signature.maximum) if signature.maximum else None)
        if found is not None:
            self.facts.gates.append(GateSeen(Spot.of(self.module, node), "matches", *found))

    def matches(self, node: cst.Call, live: int) -> Alts:
        low_expr, high_expr = argument(node, 0, "min_version"), argument(node, 1, "max_version")
        found = self.interpreter.gates.bounds(self.module, low_expr, high_expr)
        if found is not None:  # a gate names its versions as written (RULES.md, "gate")
            self.facts.gates.append(GateSeen(Spot.of(self.module, node), "matches", *found))
        low = self.version_of(low_expr, live)
        high = self.version_of(high_expr, live)
        if low is None and high is None:
            return ()
        return self.cond(self.space.mask(low, high), node, live)

    def schema_alts(self, expr: cst.BaseExpression | None, live: int) -> list[tuple[int, Schema | None]]:
        if expr is None:
            return [(live, None)]
        values = self.values(self.eval(expr, live))
        found: list[tuple[int, Schema | None]] = [(m, i) for m, i in values if isinstance(i, Schema)]
        covered = 0
        for mask, _ in found:
            covered |= mask
        if live & ~covered:
            found.append((live & ~covered, None))  # versions whose schema is not known
        return found

    def extract_json(self, node: cst.Call, live: int) -> Alts:
        body = argument(node, 0, "body")
        schema_expr = argument(node, 1, "schema")
        self.facts.decodes_json = True
        if body is None or Carrier.BODY not in kinds_of(self.eval(body, live)):
            return one_alt(live, Derived(frozenset({Carrier.BODY})))
        self.schema_use(schema_expr, live)
        # Without a schema, what validates the body may come later (a decorator): the read says "unknown" till then.
        if schema_expr is not None:
            for mask, schema in self.schema_alts(schema_expr, live):
                self.facts.body_schemas.append(SchemaUse(mask, schema, Spot.of(self.module, node)))
        if missing_schema(node) is not None:
            return one_alt(live, self.decode(node, extract=True))  # RVL202's, unless validated later
        return one_alt(live, Derived(frozenset({Carrier.BODY})))

    def validate(self, node: cst.Call, live: int) -> Alts:
        instance = argument(node, 0, "instance")
        value = self.eval(instance, live) if instance is not None else ()
        kinds = kinds_of(value)
        self.mark(value)
        uses = self.facts.body_schemas if Carrier.BODY in kinds else (
            self.facts.query_schemas if Carrier.QUERY in kinds else None)
        if Carrier.BODY in kinds:
            self.schema_use(argument(node, 1, "schema"), live)
        if uses is not None:
            for mask, schema in self.schema_alts(argument(node, 1, "schema"), live):
                uses.append(SchemaUse(mask, schema, Spot.of(self.module, node)))
        return ()

    def validator(self, receiver: cst.BaseExpression) -> bool:
        """Whether `receiver.validate(...)` validates: a validator built here (`Draft4Validator(S)`), or a
        name that says it is one."""
        if isinstance(receiver, cst.Name):
            return "validator" in receiver.value.lower() or receiver.value in self.validators
        return isinstance(receiver, cst.Call) and self.is_validator_construction(receiver)

    def is_validator_construction(self, expr: cst.Call) -> bool:
        return (self.module.resolve(expr.func) or "").rsplit(".", 1)[-1].endswith("Validator")

    def note_validator(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """`target = value`: a name bound to a validator built here."""
        if isinstance(target, cst.Name) and isinstance(value, cst.Call) and self.is_validator_construction(value):
            self.validators[target.value] = value

    def validator_call(self, node: cst.Call, receiver: cst.BaseExpression, live: int) -> Alts:
        """`validator.validate(data)`: the body it is given is validated (against the schema the validator
        was built with, when it is built right there)."""
        instance = argument(node, 0, "instance")
        value = self.eval(instance, live) if instance is not None else ()
        self.mark(value)
        if isinstance(receiver, cst.Name):
            receiver = self.validators.get(receiver.value, receiver)  # built here: with its schema
        if isinstance(receiver, cst.Call) and Carrier.BODY in kinds_of(value):
            self.schema_use(argument(receiver, 0, "schema"), live)
        return ()

    def unresolved(self, arguments: list[tuple[cst.Arg, Alts]]) -> None:
        """A call into a helper that cannot be found: it may read, check or validate anything."""
        self.facts.unresolved = True
        for _, value in arguments:
            self.mark(value)

    def follow(self, helper: FunctionRef, bound: dict[str, Alts], node: cst.Call, rank: int) -> None:
        """Follow a helper that receives the request (or what came of it) and nothing else the route contract
        tracks: for what it does on the handler's behalf (its body reads, policy checks, decodes and
        validations), at every version, with a budget of its own (the handler's contract does not pay for it)."""
        interpreter = self.interpreter
        every = self.space.all
        params = {name: merge_alts((every, _of_request(item)) for _, item in value if from_request(((0, item),)))
                  for name, value in bound.items() if from_request(value)}
        signature = ",".join(f"{name}={'+'.join(sorted(_role(item) for _, item in value))}"
                             for name, value in sorted(params.items()))
        depth = self.depth + 1

        def compute() -> HelperRecord:
            steps, cuts = interpreter.steps, interpreter.cuts
            interpreter.steps = interpreter.budget
            interpreter._reading.append(set())
            try:
                function = resolve_function(interpreter.project, helper)
                summary = interpreter.analyze(function, params, every, depth) if function is not None else None
            finally:
                short = interpreter.cuts > cuts  # what it does past its budget is unknown
                interpreter.steps, interpreter.cuts = steps, cuts
                paths = interpreter._reading.pop()
            return helper_record(summary.facts if summary is not None else Facts(), short, paths)

        key = f"request-flow:{helper.key}:{signature}:{depth}"
        record = interpreter.project.memo(key, compute, HELPER_RECORD)
        interpreter.reuse(record.paths)  # what reuses this walk depends on those files too
        self.facts.records.append((rank, Spot.of(self.module, node), record))

    def getattr(self, node: cst.Call, live: int) -> Alts:
        owner = self.module.resolve(node.args[0].value)
        module = self.interpreter.project.module(owner) if owner else None
        if module is None:
            return ()
        env = self.interpreter.evaluator.env(module)
        found: list[tuple[int, Item]] = []
        for mask, item in self.values(self.eval(node.args[1].value, live)):
            if isinstance(item, Literal) and isinstance(item.value, Const) and isinstance(item.value.value, str):
                value = env.get(item.value.value)
                if isinstance(value, DictValue):
                    assignments = module.assignments.get(item.value.value)
                    site = Spot.of(module, assignments[-1]) if assignments else None
                    found.append((mask, Schema(value, item.value.value, site)))
        return merge_alts(found)

    def method_on_objects(self, method: str, receiver: Alts, arguments: list[tuple[cst.Arg, Alts]],
                          node: cst.Call, live: int) -> Alts:
        if method == "setdefault" and arguments:
            key = self.literal_string(arguments[0][0].value, live)
            if key is not None:
                self.write(receiver, key, live, node)
        if method in CONTAINER_METHODS or method == "setdefault":
            for _, value in arguments:
                self.contain(receiver, value)
        if method in ("copy", "get", "setdefault", "pop", "values", "items"):
            return tuple(alt for alt in receiver if isinstance(alt[1], Objects))
        return ()

    def new_mapping(self, node: cst.Call, arguments: list[tuple[cst.Arg, Alts]], live: int) -> Alts:
        origin = (self.module.name, id(node))
        kinds: frozenset[Carrier] = frozenset()
        for arg, value in arguments:
            if arg.keyword is not None:
                self.facts.writes.append(KeyWrite(origin, arg.keyword.value, live, Spot.of(self.module, arg), True))
            inner = origins_of(value)
            if inner:
                self.facts.contains.append((origin, inner))
            kinds |= kinds_of(value)
        found = one_alt(live, Objects(frozenset({self.track.built(origin)})))
        return found + one_alt(live, Derived(kinds)) if kinds else found

    def worth_following(self, name: str, arguments: list[tuple[cst.Arg, Alts]]) -> bool:
        """A project function that receives what the analysis tracks (the body too: its decorators may
        validate it), or a serializer."""
        if self.serializer(name):
            return True
        if any(is_interesting(value) or Carrier.BODY in kinds_of(value) for _, value in arguments):
            return True
        constants = [alt for _, value in arguments for alt in value if isinstance(alt[1], Constant)]
        if not constants or self.interpreter.project.split_path(name) is None:
            return False
        return any(isinstance(item, Schema) for _, item in self.values(tuple(constants)))

    def serializer(self, name: str) -> bool:
        """A function of this module or of a handler module: followed for the dicts it returns."""
        owner = name.rsplit(".", 1)[0]
        return owner == self.module.name or self.interpreter.is_handler_module(owner)

    def bound(self, helper: Function | FunctionRef, arguments: list[tuple[cst.Arg, Alts]]) -> dict[str, Alts]:
        """What a call passes each of `helper`'s parameters."""
        bound: dict[str, Alts] = {}
        position = 0
        for arg, value in arguments:
            if arg.star:
                continue
            if arg.keyword is not None:
                bound[arg.keyword.value] = value
            elif position < len(helper.params):
                bound[helper.params[position]] = value
                position += 1
        return {name: self.values(value) for name, value in bound.items()}

    def helper(self, helper: Function, arguments: list[tuple[cst.Arg, Alts]], live: int, node: cst.Call,
               rank: int | None, key: str | None = None) -> Alts | None:
        """Follow a call into a project function when it receives something the analysis tracks (what it
        does on the handler's behalf counts when it receives the request or what came of it: `rank` not None).
        With the `call_key` of the call, a walk that fits a CallRecord is kept as one."""
        bound = self.bound(helper, arguments)
        if not self.serializer(helper.qualname) and not any(
                is_interesting(value) or Carrier.BODY in kinds_of(value) for value in bound.values()):
            if rank is not None and self.depth < REQUEST_DEPTH:
                self.follow(FunctionRef(helper.owner.path, helper.module, helper.name, helper.index, helper.params),
                            bound, node, rank)
            return None
        self.decorator_validations(helper, bound, arguments, live)
        interpreter = self.interpreter
        cuts, recursions, steps = interpreter.cuts, interpreter.recursions, interpreter.steps
        summary = interpreter.analyze(helper, bound, live, self.depth + 1)
        if key is not None and interpreter.cuts == cuts and interpreter.recursions == recursions:
            self.keep(key, helper, bound, summary, steps - interpreter.steps)
        self.facts.extend(summary.facts)
        if rank is not None:
            self.facts.calls.append((rank, Spot.of(self.module, node), summary.facts))
        return alts_within(summary.returns, live)

    # -- calls kept as data (call_records) ----------------------------------------------------------
    def call_key(self, ref: FunctionRef, arguments: list[tuple[cst.Arg, Alts]], live: int) -> str | None:
        """The CallRecord key of a call `helper` would walk, or None: one it would not, or whose values a
        record cannot name (a serializer's dicts, a decode, a version test's outcome...)."""
        if self.serializer(ref.qualname) or any(arg.star for arg, _ in arguments):
            return None
        bound = self.bound(ref, arguments)
        if not any(is_interesting(value) or Carrier.BODY in kinds_of(value) for value in bound.values()):
            return None
        return call_key(ref.key, bound, live, self.depth, self.space.key)

    def recorded(self, key: str | None, ref: FunctionRef, arguments: list[tuple[cst.Arg, Alts]], live: int,
                 node: cst.Call, rank: int | None) -> Alts | None:
        """The call answered by its record, as its walk would have (its module not parsed), taking from the
        handler's budget what the walk took; None: walk it (as when the budget left could not pay for it)."""
        project = self.interpreter.project
        if key is None or not project.holds(key):
            return None
        try:
            record = project.memo(key, _never, CALL_RECORD)
        except _Stale:
            return None
        facts = record.facts(self.bound(ref, arguments), Spot.of(self.module, node))
        if facts is None or record.steps > self.interpreter.steps:
            return None
        self.interpreter.steps -= record.steps
        self.interpreter.reuse(record.paths)
        self.facts.extend(facts)
        if rank is not None:
            self.facts.calls.append((rank, Spot.of(self.module, node), facts))
        return alts_within(record.return_alts(), live)

    def keep(self, key: str, helper: Function, bound: dict[str, Alts], summary: Any, steps: int) -> None:
        """Keep a walk as a CallRecord when it fits one: no validating decorator, no gate helper, nothing
        found but query schemas its parameters brought."""
        interpreter = self.interpreter
        ref = FunctionRef(helper.owner.path, helper.module, helper.name, helper.index, helper.params)
        if validations(interpreter.project, helper) or interpreter.gates.gate_helper(ref) is not None:
            return
        record = record_of(summary.facts, summary.returns, bound, summary.paths, steps)
        if record is not None:
            interpreter.project.memo(key, lambda: (interpreter.reuse(record.paths), record)[1], CALL_RECORD)

    def decorator_validations(self, helper: Function, bound: dict[str, Alts], arguments: list[tuple[cst.Arg, Alts]],
                              live: int) -> None:
        """The body schemas `helper`'s validation decorators apply to what this call passes it."""
        keywords = {arg.keyword.value for arg, _ in arguments if arg.keyword is not None}
        frame = None
        for found in validations(self.interpreter.project, helper):
            value = bound.get(found.param)
            if value is None or Carrier.BODY not in kinds_of(value):
                continue
            if found.how != ANY and (found.param in keywords) != (found.how == KEYWORD):
                continue  # passed otherwise than the decorator takes it (RVL201): it validates nothing
            frame = frame or type(self)(self.interpreter, helper.owner, helper, {}, self.depth + 1)
            self.mark(value)
            first = len(frame.facts.schema_uses)
            frame.schema_use(found.schema, live)
            self.facts.schema_uses.extend(frame.facts.schema_uses[first:])
            for mask, schema in frame.schema_alts(found.schema, live):
                self.facts.body_schemas.append(SchemaUse(mask, schema, Spot.of(helper.owner, found.schema)))
