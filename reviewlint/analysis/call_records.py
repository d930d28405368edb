"""A helper call the route contract follows, kept as data when what it did fits in a few words.

Most helpers a handler passes the request's pieces to find nothing for any
rule (`util.wsgi_path_item(req.environ, 'name')`) or only validate the query
string against the schema they are given (`util.validate_query_params(req,
schema)`). The interpreter records such a call (`CallSteps.helper`) as its
return value, the functions its walk went through, the query schemas it
applied (by the parameter that brought them), the files it read and the
steps it took of the handler's budget (a record takes them again), keyed on
the callee, what each parameter held, the versions and the depth; a later run
answers the same call from the record without parsing the helper's module.
Anything else a walk found (a read, a check, a gate, a decode, what reaches the response...),
a value that is not plain data, a walk cut short or a recursion: no record,
the call is walked as always.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewlint.analysis.values import Alts, Carrier, Derived, Facts, Literal, Schema, SchemaUse
from reviewlint.core.cache import digest
from reviewlint.model.project import Codec
from reviewlint.model.schemas import Const, DictValue, ListValue

_PLAIN = (str, int, float, bool, type(None))


def encode_item(item: Any) -> Any:
    """A value as data, or None when it is not one a record keeps."""
    if isinstance(item, Carrier):
        return ["c", item.value]
    if isinstance(item, Derived):
        return ["d", sorted(kind.value for kind in item.kinds)]
    if isinstance(item, Literal) and isinstance(item.value, Const) and isinstance(item.value.value, _PLAIN):
        return ["l", item.value.value]
    return None


def decode_item(data: Any) -> Any:
    """`encode_item`'s value back."""
    kind, value = data
    if kind == "c":
        return Carrier(value)
    if kind == "d":
        return Derived(frozenset(Carrier(name) for name in value))
    if kind == "l":
        return Literal(Const(value))
    raise ValueError(kind)


def encode_alts(alts: Alts) -> list[Any] | None:
    """Alternatives as data, or None when one is not plain."""
    found = []
    for mask, item in alts:
        data = encode_item(item)
        if data is None:
            return None
        found.append([mask, data])
    return found


def argument_shape(alts: Alts) -> list[Any] | None:
    """What a parameter held, as a key: plain values as data, a schema by its name and a digest of what
    it holds; None when it held anything else (or a schema too large or too deep to name so)."""
    found = []
    for mask, item in alts:
        data = encode_item(item)
        if data is None and isinstance(item, Schema):
            content = _schema_data(item.value)
            if content is not None:
                data = ["s", item.label, digest(json.dumps(content, sort_keys=True).encode())]
        if data is None:
            return None
        found.append([mask, data])
    return found


_SCHEMA_NODES = 20_000
_SCHEMA_DEPTH = 64


def _schema_data(value: Any, depth: int = 0, budget: list[int] | None = None) -> Any:
    """A schema value (schemas.Value) as JSON data, or None past the budget (a value holding itself)."""
    budget = [_SCHEMA_NODES] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0 or depth > _SCHEMA_DEPTH:
        return None
    if isinstance(value, DictValue):
        entries = {}
        for key, entry in value.entries.items():
            data = _schema_data(entry, depth + 1, budget)
            if data is None:
                return None
            entries[key] = data
        return {"d": entries}
    if isinstance(value, ListValue):
        items = [_schema_data(entry, depth + 1, budget) for entry in value.items]
        return None if any(item is None for item in items) else {"l": items}
    if isinstance(value, Const):
        return {"c": value.value if isinstance(value.value, _PLAIN) else repr(value.value)}
    return "?"  # UNKNOWN


@dataclass(frozen=True)
class CallRecord:
    """What one followed call did, as data (see the module docstring)."""

    returns: tuple[Any, ...]  # encode_alts' rows
    functions: tuple[str, ...]  # FunctionRef keys: the callee first
    query_schemas: tuple[tuple[int, str, int], ...]  # (versions, parameter, which of its alternatives)
    paths: tuple[Path, ...]
    steps: int = 0  # what the walk took of the handler's budget: a record takes as much

    def to_data(self) -> Any:
        """As cached data."""
        return [list(self.returns), list(self.functions), [list(use) for use in self.query_schemas],
                [str(path) for path in self.paths], self.steps]

    @classmethod
    def from_data(cls, data: Any) -> "CallRecord":
        """From `to_data`'s."""
        returns, functions, uses, paths, steps = data
        for _, item in returns:
            decode_item(item)  # a malformed entry fails here, not where it is used
        return cls(tuple((int(mask), item) for mask, item in returns), tuple(str(f) for f in functions),
                   tuple((int(mask), str(param), int(index)) for mask, param, index in uses),
                   tuple(Path(path) for path in paths), int(steps))

    def return_alts(self) -> Alts:
        """The call's value."""
        return tuple((mask, decode_item(item)) for mask, item in self.returns)

    def facts(self, bound: dict[str, Alts], site: Any) -> Facts | None:
        """The helper's facts again, its query schemas those the parameters bring now, placed at the call
        `site` (a Spot: what reads a query schema reads its versions and value alone); None if the
        parameters bring other values than when it was recorded (not this record's call)."""
        facts = Facts(function=self.functions[0], helpers=[Facts(function=name) for name in self.functions[1:]])
        for mask, param, index in self.query_schemas:
            alts = bound.get(param, ())
            if index >= len(alts) or not isinstance(alts[index][1], Schema):
                return None
            facts.query_schemas.append(SchemaUse(mask, alts[index][1], site))
        return facts


CALL_RECORD = Codec(CallRecord.to_data, CallRecord.from_data)


def call_key(ref_key: str, bound: dict[str, Alts], live: int, depth: int, space: str) -> str | None:
    """The memo key of a call with these parameters (None: one holds what a record cannot name)."""
    shapes = {}
    for name, alts in sorted(bound.items()):
        shape = argument_shape(alts)
        if shape is None:
            return None
        shapes[name] = shape
    signature = digest(json.dumps(shapes, sort_keys=True).encode())
    return f"call:{ref_key}:{signature}:{live}:{depth}:{space}"


def record_of(facts: Facts, returns: Alts, bound: dict[str, Alts], paths: frozenset[Path],
              steps: int = 0) -> CallRecord | None:
    """The record of a followed call that found `facts` and returned `returns`, if it fits one."""
    encoded = encode_alts(returns)
    uses = facts.query_schemas_alone()
    if encoded is None or uses is None:
        return None
    found = []
    for use in uses:
        where = next(((name, index) for name, alts in sorted(bound.items())
                      for index, (_, item) in enumerate(alts) if item is use.schema), None)
        if where is None:  # a schema the helper found itself: its site is in the helper's module
            return None
        found.append((use.mask, *where))
    functions = sorted(facts.every_function())
    if facts.function not in functions:
        return None
    functions.remove(facts.function)
    return CallRecord(tuple((mask, data) for mask, data in encoded), (facts.function, *functions), tuple(found),
                      tuple(sorted(paths)), steps)
