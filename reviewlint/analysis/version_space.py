"""Sets of microversions as bit masks: what the route contract splits at each version test."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from reviewlint.core.cache import digest
from reviewlint.core.microversion import Version, format_version


@dataclass(frozen=True)
class VersionSpace:
    """The declared microversions, ascending; a set of them is an int with bit i for the i-th."""

    versions: tuple[Version, ...]

    @cached_property
    def key(self) -> str:
        """A digest of the versions, for the keys of what depends on them (so an edit that leaves them as they
        were invalidates nothing). Not hashlib: loading OpenSSL costs an editor's save ~3 ms."""
        return digest(repr(self.versions).encode())

    @property
    def all(self) -> int:
        """Every version."""
        return (1 << len(self.versions)) - 1

    def mask(self, low: Version | None, high: Version | None) -> int:
        """The versions from `low` to `high` (None: unbounded), both included."""
        result = 0
        for index, version in enumerate(self.versions):
            if (low is None or version >= low) and (high is None or version <= high):
                result |= 1 << index
        return result

    def members(self, mask: int) -> list[Version]:
        """The versions in `mask`, ascending."""
        return [v for i, v in enumerate(self.versions) if mask >> i & 1]

    def lowest(self, mask: int) -> Version | None:
        """The lowest version in `mask`."""
        if not mask:
            return None
        return self.versions[(mask & -mask).bit_length() - 1]

    def highest(self, mask: int) -> Version | None:
        """The highest version in `mask`."""
        return self.versions[mask.bit_length() - 1] if mask else None

    def below(self, version: Version) -> int:
        """The versions lower than `version`."""
        return self.mask(None, None) & ~self.mask(version, None)

    def above(self, version: Version) -> int:
        """The versions higher than `version`."""
        return self.mask(None, None) & ~self.mask(None, version)

    def runs(self, mask: int) -> list[tuple[Version, Version]]:
        """`mask` as maximal runs of consecutive declared versions."""
        runs: list[tuple[Version, Version]] = []
        start: Version | None = None
        previous: Version | None = None
        for index, version in enumerate(self.versions):
            if mask >> index & 1:
                if start is None:
                    start = version
                previous = version
            elif start is not None and previous is not None:
                runs.append((start, previous))
                start = None
        if start is not None and previous is not None:
            runs.append((start, previous))
        return runs

    def describe(self, mask: int) -> str:
        """`1.12..1.27, 1.37`: the runs of `mask`."""
        return ", ".join(format_version(a) if a == b else f"{format_version(a)}..{format_version(b)}"
                         for a, b in self.runs(mask))
