"""Every rule code, as plain data: selection is checked against it without loading the rules.

Reading a configuration (every editor save does) must not import the rule
families (and LibCST with them); a test keeps this list equal to theirs.
"""

from __future__ import annotations

from reviewlint.core.errors import ReviewlintError

RULE_CODES = (
    "RVL101", "RVL102", "RVL103", "RVL104",
    "RVL201", "RVL202", "RVL203",
    "RVL301", "RVL302", "RVL303",
    "RVL400", "RVL401", "RVL402", "RVL403", "RVL404", "RVL405", "RVL406", "RVL407",
    "RVL501", "RVL502",
    "RVL601", "RVL602", "RVL603", "RVL604", "RVL605",
    "RVL900", "RVL901",
)


def matches_a_rule(prefix: str) -> bool:
    """True when some rule's code starts with `prefix` (as --select and --ignore read it)."""
    return any(code.startswith(prefix) for code in RULE_CODES)


def nearest_codes(prefix: str) -> list[str]:
    """The codes (or family prefixes such as RVL5) closest to a mistyped one, best first."""
    import difflib

    candidates = sorted({code[:length] for code in RULE_CODES for length in (4, 6)})
    return difflib.get_close_matches(prefix, candidates, n=2, cutoff=0.6)


def check_known_codes(codes: tuple[str, ...], where: str) -> None:
    """Raise a usage error for the first code prefix that matches no rule, naming the nearest ones.

    `where` names the option or the config file and key, as the message starts.
    """
    for code in codes:
        if matches_a_rule(code):
            continue
        nearest = nearest_codes(code)
        hint = f": did you mean {' or '.join(nearest)}?" if nearest else ""
        raise ReviewlintError(f"{where}: {code!r} matches no rule code{hint} (see --list-rules)")
