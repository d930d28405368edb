"""Microversions as values: `(1, 30)`, their text, and ranges of them.

Plain data every layer reads; what a service declares is service/versions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Version = tuple[int, int]

_VERSION_TEXT = re.compile(r"^\s*(\d+)\.(\d+)\s*$")


# A number of more digits than this is above every version a service
# declares: it stands as BEYOND, and `int()` never sees it (Python refuses
# to convert more than 4,300 digits, and slowly).
MAX_NUMBER_DIGITS = 18
BEYOND = 10 ** MAX_NUMBER_DIGITS


def bounded_number(digits: str) -> int:
    """The value of a string of decimal digits, or BEYOND when it is longer than MAX_NUMBER_DIGITS."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= MAX_NUMBER_DIGITS else BEYOND


def parse_version(text: object) -> Version | None:
    """`'1.30'` -> (1, 30); anything else -> None."""
    if not isinstance(text, str):
        return None
    match = _VERSION_TEXT.match(text)
    return (bounded_number(match.group(1)), bounded_number(match.group(2))) if match else None


def format_version(version: Version) -> str:
    """(1, 30) -> `'1.30'`."""
    return ".".join(str(n) if n < BEYOND else f"<more than {MAX_NUMBER_DIGITS} digits>" for n in version)


@dataclass(frozen=True)
class VersionRange:
    """The microversions from `low` to `high`, both included (empty when low > high)."""

    low: Version
    high: Version

    def __contains__(self, version: object) -> bool:
        return isinstance(version, tuple) and self.low <= version <= self.high

    @property
    def empty(self) -> bool:
        """True when no version lies in the range."""
        return self.low > self.high

    def intersect(self, other: "VersionRange") -> "VersionRange":
        """The versions in both ranges (possibly empty)."""
        return VersionRange(max(self.low, other.low), min(self.high, other.high))

    def __str__(self) -> str:
        if self.low == self.high:
            return format_version(self.low)
        return f"{format_version(self.low)}..{format_version(self.high)}"
