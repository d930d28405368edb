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
