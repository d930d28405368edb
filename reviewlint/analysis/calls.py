"""Calls as the interpreter and the gate finder read them: arguments by position or keyword, and the
binding of a call's arguments to a callee's parameters."""

from __future__ import annotations

import libcst as cst


def argument(call: cst.Call, index: int, *keywords: str) -> cst.BaseExpression | None:
    """The argument passed by one of `keywords`, else the `index`-th positional one."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in keywords:
            return arg.value
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[index].value if index < len(positional) else None


def bind(call: cst.Call, params: tuple[str, ...] | None,
         fixed: tuple[cst.Arg, ...] = ()) -> list[tuple[str, cst.BaseExpression]]:
    """(parameter, argument) pairs of a call; without `params`, positions ("0", "1"...) stand in for names.

    `fixed` are the arguments a `functools.partial` fixed (the resolver's
    `Callee.fixed`): bound first, so the call's own positions follow them and
    its keywords win. Starred arguments are skipped: what they carry is not known.
    """
    pairs: list[tuple[str, cst.BaseExpression]] = []
    position = 0
    for arg in (*fixed, *call.args):
        if arg.star:
            continue
        if arg.keyword is not None:
            pairs.append((arg.keyword.value, arg.value))
        else:
            if params is None:
                pairs.append((str(position), arg.value))
            elif position < len(params):
                pairs.append((params[position], arg.value))
            position += 1
    return pairs
