"""The words handler code uses for a request and a version test, as every walker reads them."""

from __future__ import annotations

import libcst as cst

# Attributes of a webob request that read its body (`json`, `json_body` decode it as JSON too).
BODY_ATTRS = frozenset({"body", "body_file", "text", "json", "json_body", "POST"})
JSON_ATTRS = frozenset({"json", "json_body"})

# `V op (1, N)`: the comparisons a version test is made of, and each one with its sides swapped.
COMPARISONS: dict[type, str] = {
    cst.GreaterThanEqual: ">=", cst.GreaterThan: ">", cst.LessThan: "<",
    cst.LessThanEqual: "<=", cst.Equal: "==",
}
FLIPPED = {">=": "<=", ">": "<", "<": ">", "<=": ">=", "==": "=="}

# Modules whose `loads`/`load` decode JSON.
JSON_MODULES = frozenset({"json", "jsonutils", "simplejson", "ujson", "orjson"})
JSON_DECODERS = frozenset({"loads", "load"})


def is_policy_check(checks: tuple[str, ...], func: cst.BaseExpression, name: str) -> bool:
    """True when a call of `func` (resolved as `name`), or a decorator, is one of the `policy-checks`.

    A dotted check matches the resolved name; a plain one the last name
    of `func` (`context.can`, `@policy.authorize`).
    """
    for check in checks:
        if "." in check:
            if name == check or name.endswith("." + check):
                return True
        elif isinstance(func, cst.Attribute) and func.attr.value == check:
            return True
        elif isinstance(func, cst.Name) and func.value == check:
            return True
    return False


def missing_schema(call: cst.Call) -> str | None:
    """What is wrong with the schema of an `extract_json` call (RVL202): "no schema", "schema None"...

    None when it has one, or when `*args` may carry it (say nothing).
    """
    positional = [a for a in call.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    if "schema" in keywords:
        schema: cst.BaseExpression | None = keywords["schema"]
    elif len(positional) > 1:
        schema = positional[1].value
    elif any(a.star for a in call.args):
        return None
    else:
        schema = None
    if schema is None:
        return "no schema"
    if isinstance(schema, cst.Name) and schema.value == "None":
        return "schema None"
    if isinstance(schema, cst.Dict) and not schema.elements:
        return "an empty schema {}"
    return None
