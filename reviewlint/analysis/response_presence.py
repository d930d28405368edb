"""Whether a response field is written on every path that builds its object, or only on some: RVL605's facts.

Read from a route contract's key writes (values.KeyWrite): a write is
`definite` when it runs whenever its dict is built (a literal's own keys, an
assignment on every path of the function that built the dict), and `skip`s
the versions at which a path of that function lets the dict out without it
(the other branch of an `if` the walk cannot decide). A field is judged in
the object that holds it, as the reference documents nested fields; with
every object holding a field of that name counted, a name shared by several
objects is judged only where they all agree:

* always, at a version: every object holding the name is built with it, and
  so is every object beside it (the other dicts the response body may be at
  that version, or the other elements of the lists and dicts holding it);
* only sometimes: every object holding the name has exactly one write of it,
  which a path of the function building the object skips.

Anything else (a write in a helper's loop, keys merged by `update`, two
writes that may cover each other's paths) is neither: nothing is said.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reviewlint.analysis.values import KeyWrite

if TYPE_CHECKING:
    from reviewlint.analysis.route_contract import RouteContract

Origin = tuple[str, int]


@dataclass(frozen=True)
class Presence:
    """A response field: the versions it is written at, always there, or missing on some path."""

    name: str
    mask: int  # written at all (as RouteContract.fields())
    always: int
    sometimes: int
    writes: tuple[KeyWrite, ...]  # the writes of the name into the dicts that reach the body


def field_presence(contract: "RouteContract") -> dict[str, Presence]:
    """Every response field of the route, with where it is always written and where only sometimes."""
    found: dict[str, Presence] = {}
    for definition in contract.definitions:
        facts, served = definition.facts, definition.mask & ~contract.unknown()
        contains: dict[Origin, set[Origin]] = {}
        for origin, inner in facts.every_contain():
            contains.setdefault(origin, set()).update(inner)
        top: list[tuple[int, frozenset[Origin]]] = [(mask & served, origins) for mask, origins in facts.every_sink()
                                                    if mask & served]
        reach: dict[Origin, int] = {}
        stack = [(origin, mask) for mask, origins in top for origin in origins]
        while stack:
            origin, at = stack.pop()
            if reach.get(origin, 0) | at == reach.get(origin, 0):
                continue
            reach[origin] = reach.get(origin, 0) | at
            stack.extend((inner, at) for inner in contains.get(origin, ()))
        parents: dict[Origin, set[Origin]] = {}
        for origin, held in contains.items():
            for child in held:
                parents.setdefault(child, set()).add(origin)
        writes: dict[str, dict[Origin, list[KeyWrite]]] = {}
        for write in facts.every_write():
            if write.mask & reach.get(write.origin, 0):
                writes.setdefault(write.key, {}).setdefault(write.origin, []).append(write)
        for name, holders in writes.items():
            mask = always = sometimes = 0
            for index in range(len(contract.space.versions)):
                bit = 1 << index
                here = {origin: [w for w in found_writes if w.mask & bit] for origin, found_writes in holders.items()
                        if reach[origin] & bit}
                here = {origin: listed for origin, listed in here.items() if listed}
                if not here:
                    continue
                mask |= bit
                sure = {origin for origin, listed in here.items() if any(w.definite for w in listed)}
                if len(sure) == len(here) and _beside(set(here), bit, top, contains, parents, reach) <= sure:
                    always |= bit
                if all(len(listed) == 1 and listed[0].skip & bit for listed in here.values()):
                    sometimes |= bit
            every = tuple(w for listed in holders.values() for w in listed)
            old = found.get(name)
            if old is not None:
                mask, always, sometimes = mask | old.mask, always | old.always, sometimes | old.sometimes
                every = old.writes + every
            found[name] = Presence(name, mask, always, sometimes, every)
    return found


def _beside(holders: set[Origin], bit: int, top: list[tuple[int, frozenset[Origin]]],
            contains: dict[Origin, set[Origin]], parents: dict[Origin, set[Origin]],
            reach: dict[Origin, int]) -> set[Origin]:
    """The objects that may stand where the holders do at a version: the response bodies when one is, and
    everything held by the lists and dicts holding them."""
    found: set[Origin] = set()
    bodies = {origin for mask, origins in top if mask & bit for origin in origins}
    for origin in holders:
        if origin in bodies:
            found |= bodies
        for parent in parents.get(origin, ()):
            if reach.get(parent, 0) & bit:
                found |= {child for child in contains.get(parent, ()) if reach.get(child, 0) & bit}
    return found
