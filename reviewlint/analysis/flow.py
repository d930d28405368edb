"""What a handler does with its request, as the one interpreter found it: plain data per handler definition.

The interpreter (contract.py) records, wherever it walks a handler and the
helpers it passes the request to, the body reads and policy checks with
their rank (`Facts.ranked`), the JSON decodes of the body and the ones a
validation reaches (a decode keeps its identity while it is passed by
name: `jsonschema.validate`, a validator object, a validation decorator of
the callee, or a helper that cannot be resolved), the expressions used as
request-body schemas, and whether the request went to a call it could not
resolve. A `HandlerFlow` is that record for one handler definition, as
cached data: RVL1xx, RVL2xx and RVL5xx read it, and no rule walks a body.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewlint.model.module import Site

if TYPE_CHECKING:
    from reviewlint.analysis.values import Facts, Spot

Ranked = tuple[tuple[int, ...], Site]  # where it comes in the handler's order (helpers' insides too), and where


@dataclass(frozen=True)
class HandlerFlow:
    """What one handler definition does with its request."""

    reads: tuple[Ranked, ...] = ()  # the body reads, at the handler's own node (a helper's: at its call)
    checks: tuple[Ranked, ...] = ()  # the policy checks, likewise (a decorator's ranks first)
    decodes_json: bool = False
    # It passed the request (or what came of it) to a call that cannot be resolved (a relative import of a
    # file whose package is unknown): what that does is unknown, so rules resting on an absence say nothing.
    unknown: bool = False
    decodes: tuple[tuple[Site, bool], ...] = ()  # every JSON decode on its path, and whether it is validated
    extracts: tuple[tuple[Site, bool], ...] = ()  # `extract_json` without a schema, and whether validated later
    schemas: tuple[Site, ...] = ()  # the expressions used as request-body schemas

    def first_body_read(self) -> Ranked | None:
        """Where the body is first read, if it is."""
        return min(self.reads, key=_rank) if self.reads else None

    def first_policy_check(self) -> Ranked | None:
        """Where policy is first checked, if it is."""
        return min(self.checks, key=_rank) if self.checks else None

    def to_data(self) -> Any:
        """As cached data."""
        def ranked(items: tuple[Ranked, ...]) -> list[Any]:
            return [[list(key), str(site.path), site.ordinal] for key, site in items]

        def flagged(items: tuple[tuple[Site, bool], ...]) -> list[Any]:
            return [[str(site.path), site.ordinal, ok] for site, ok in items]

        return [ranked(self.reads), ranked(self.checks), self.decodes_json, self.unknown, flagged(self.decodes),
                flagged(self.extracts), [[str(site.path), site.ordinal] for site in self.schemas]]

    @classmethod
    def from_data(cls, data: Any) -> "HandlerFlow":
        """From `to_data`'s."""
        reads, checks, decodes_json, unknown, decodes, extracts, schemas = data

        def ranked(items: Any) -> tuple[Ranked, ...]:
            return tuple((tuple(int(i) for i in key), Site(Path(path), int(ordinal))) for key, path, ordinal in items)

        def flagged(items: Any) -> tuple[tuple[Site, bool], ...]:
            return tuple((Site(Path(path), int(ordinal)), bool(ok)) for path, ordinal, ok in items)

        return cls(ranked(reads), ranked(checks), bool(decodes_json), bool(unknown), flagged(decodes),
                   flagged(extracts), tuple(Site(Path(path), int(ordinal)) for path, ordinal in schemas))


def _rank(ranked: Ranked) -> tuple[Any, ...]:
    return ranked[0], str(ranked[1].path), ranked[1].ordinal


def _site(spot: "Spot") -> Site:
    return Site(spot.module.path, spot.module.ordinal(spot.node))


def flow_of(facts: "Facts") -> HandlerFlow:
    """The flow of a handler definition, from what the interpreter found walking it."""
    validated = facts.every_validated()
    decodes: dict[Site, bool] = {}
    extracts: dict[Site, bool] = {}
    for decode in facts.every_decode():
        found = extracts if decode.extract else decodes
        site = _site(decode.site)
        found[site] = found.get(site, False) or decode.site.key in validated
    schemas = dict.fromkeys(_site(spot) for spot in facts.every_schema_use())
    return HandlerFlow(tuple(sorted({(key, _site(spot)) for key, spot in facts.ranked("reads")}, key=_rank)),
                       tuple(sorted({(key, _site(spot)) for key, spot in facts.ranked("checks")}, key=_rank)),
                       facts.every_decodes_json(), facts.every_unresolved(),
                       tuple(decodes.items()), tuple(extracts.items()), tuple(schemas))
