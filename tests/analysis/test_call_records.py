"""Helper calls kept as data (analysis/call_records.py): what a record keeps, and what keeps a walk from one."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from reviewlint.analysis import values
from reviewlint.analysis.call_records import (CALL_RECORD, CallRecord, argument_shape, call_key, encode_alts,
                                              record_of)
from reviewlint.analysis.values import Carrier, Derived, Facts, Literal, Objects, Schema, SchemaUse
from reviewlint.model.schemas import Const, DictValue

EVERY = (1 << 5) - 1


def schema(label: str, **properties: object) -> Schema:
    inner = DictValue(None, {name: Const(v) for name, v in properties.items()})  # type: ignore[arg-type]
    return Schema(DictValue(None, {"properties": inner}), label)  # type: ignore[arg-type]


def test_every_fact_a_walk_can_find_is_judged_by_query_schemas_alone() -> None:
    # A field added to Facts must say whether a caller sees it: else a record would drop it unseen.
    judged = {*values._FOUND, *values._OWN_OBJECTS, "query_schemas", "function", "helpers", "body_reads", "unknown",
              "decodes_json", "unresolved", "reads", "checks", "calls", "records"}
    assert {field.name for field in dataclasses.fields(Facts)} == judged


def test_a_walk_that_found_only_the_query_schema_it_was_given_is_kept() -> None:
    given = schema("LIST", limit=1)
    facts = Facts(function="util.py:validate:0")
    facts.query_schemas.append(SchemaUse(EVERY, given, None))  # type: ignore[arg-type]
    bound = {"req": ((EVERY, Carrier.REQUEST),), "schema": ((EVERY, given),)}
    record = record_of(facts, ((EVERY, Derived(frozenset({Carrier.QUERY}))),), bound, frozenset({Path("util.py")}),
                       steps=12)
    assert record is not None and record.query_schemas == ((EVERY, "schema", 0),) and record.steps == 12
    again = CALL_RECORD.decode(CALL_RECORD.encode(record))
    assert again == record and again.return_alts() == ((EVERY, Derived(frozenset({Carrier.QUERY}))),)
    other = schema("LIST", limit=1)  # this run's value of the same constant
    rebuilt = again.facts({"req": ((EVERY, Carrier.REQUEST),), "schema": ((EVERY, other),)}, None)
    assert rebuilt is not None and [use.schema for use in rebuilt.every_query_schema()] == [other]
    assert rebuilt.every_function() == {"util.py:validate:0"}


def test_a_walk_that_found_anything_else_is_not_kept() -> None:
    bound = {"environ": ((EVERY, Carrier.ENVIRON),)}
    for found in ("query_reads", "gates", "conds", "sinks", "decodes", "schema_uses", "body_schemas"):
        facts = Facts(function="f")
        getattr(facts, found).append(object())
        assert record_of(facts, (), bound, frozenset()) is None, found
    facts = Facts(function="f", body_reads=EVERY)
    assert record_of(facts, (), bound, frozenset()) is None
    facts = Facts(function="f")
    facts.query_schemas.append(SchemaUse(EVERY, schema("OWN"), None))  # type: ignore[arg-type]
    assert record_of(facts, (), bound, frozenset()) is None  # a schema it found itself, not one it was given
    assert record_of(Facts(function="f"), ((EVERY, Objects(frozenset({("m", 1)}))),), bound, frozenset()) is None
    # The dicts it built for itself (a message's `{'exc': exc}`) are nobody's but its own.
    facts = Facts(function="f")
    facts.writes.append(object())
    assert record_of(facts, ((EVERY, Literal(Const(None))),), bound, frozenset()) is not None


def test_a_call_is_keyed_on_what_its_parameters_hold() -> None:
    environ = {"environ": ((EVERY, Carrier.ENVIRON),), "name": ((EVERY, Literal(Const("uuid"))),)}
    first = call_key("util.py:item:0", environ, EVERY, 1, "v")
    assert first == call_key("util.py:item:0", dict(environ), EVERY, 1, "v")
    assert first != call_key("util.py:item:0", {**environ, "name": ((EVERY, Literal(Const("name"))),)}, EVERY, 1, "v")
    assert first != call_key("util.py:item:0", environ, EVERY >> 1, 1, "v")
    assert first != call_key("util.py:item:0", environ, EVERY, 2, "v")
    assert call_key("util.py:item:0", {"body": ((EVERY, Objects(frozenset())),)}, EVERY, 1, "v") is None
    # A schema by its name and content (the same constant read again in another run names the same call).
    assert argument_shape(((EVERY, schema("S", a=1)),)) == argument_shape(((EVERY, schema("S", a=1)),))
    assert argument_shape(((EVERY, schema("S", a=1)),)) != argument_shape(((EVERY, schema("S", a=2)),))
    looped = DictValue(None, {})  # type: ignore[arg-type]
    looped.entries["self"] = looped
    assert argument_shape(((EVERY, Schema(looped, "LOOP")),)) is None
    assert encode_alts(((EVERY, Carrier.VERSION),)) == [[EVERY, ["c", "version"]]]
    assert isinstance(CallRecord.from_data(CALL_RECORD.encode(CallRecord((), ("f",), (), ()))), CallRecord)
