"""What a callee's decorators do wherever a walker reaches it: validate the body it is given.

A validation decorator (`@validation.schema(S)`, the configured
`validation-decorators`) validates one parameter of the function it wraps:
the one its wrapper takes from `kwargs` or `args` when the project defines
the decorator, else the parameter named `body`. Every walker that follows a
call into such a function asks `validation_of`, so the body validations
RVL2xx trusts are the ones RVL6xx documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import libcst as cst

from reviewlint.model.facts import function_named
from reviewlint.model.module import Function, ModuleInfo, child_nodes, dotted
from reviewlint.model.project import Codec

if TYPE_CHECKING:
    from reviewlint.model.project import Project

# How a validation decorator takes the body, as `body_argument` says it.
KEYWORD, POSITION, ANY = "keyword", "position", "any"
# Without the decorator's code: the parameter named `body`, however it is passed (nova's convention).
DEFAULT_BODY = (ANY, "body")


def body_argument(project: "Project", decorator: str) -> tuple[str, str] | None:
    """How the validation decorator `decorator` (dotted) takes the body, from its definition in the project.

    (KEYWORD, "body") when its wrapper validates `kwargs['body']`,
    (POSITION, "1") for `args[1]`, (ANY, "body") for a parameter of its
    own named `body`; None when the project does not define it or its code
    does not say.
    """
    def compute() -> tuple[str, str] | None:
        function = function_named(project, decorator)
        return _validated_argument(function.node) if function is not None else None

    return project.memo(f"validation-decorator:{decorator}", compute, _BODY_ARGUMENT)


_BODY_ARGUMENT: Codec[tuple[str, str] | None] = Codec(
    lambda found: list(found) if found is not None else None,
    lambda data: (str(data[0]), str(data[1])) if data is not None else None)


def _validated_argument(definition: cst.FunctionDef) -> tuple[str, str] | None:
    """What the first validating call in a function defined inside `definition` validates, as a parameter.

    `definition` is the decorator (factory): its own parameters are what the
    decorator is given (the schema), never the body.
    """
    pending: list[cst.FunctionDef] = []
    for _ in _own_nodes(definition.body, pending):
        pass
    while pending:
        function = pending.pop(0)
        params = function.params
        star = params.star_arg.name.value if isinstance(params.star_arg, cst.Param) else None
        star_star = params.star_kwarg.name.value if params.star_kwarg is not None else None
        named = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
        aliases: dict[str, tuple[str, str]] = {}
        for node in _own_nodes(function.body, pending):
            if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
                found = _argument_of(node.value, star, star_star, set(), aliases)
                if found is not None:
                    aliases[node.targets[0].target.value] = found
            elif isinstance(node, cst.Call) and "validat" in (dotted(node.func) or "").rsplit(".", 1)[-1].lower():
                for arg in node.args:
                    found = _argument_of(arg.value, star, star_star, named, aliases)
                    if found is not None:
                        return found
    return None


def _own_nodes(body: cst.CSTNode, nested: list[cst.FunctionDef]) -> Iterator[cst.CSTNode]:
    """The nodes of a function's body in source order; functions defined inside go to `nested` instead."""
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.FunctionDef):
            nested.append(node)
            continue
        yield node
        stack.extend(reversed(list(child_nodes(node))))


def _argument_of(expr: cst.BaseExpression, star: str | None, star_star: str | None, named: set[str],
                 aliases: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """`kwargs['body']`, `kwargs.get('body')`, `args[1]`, a parameter, or a name bound to one of them."""
    from reviewlint.model.module import string_value

    if isinstance(expr, cst.Name):
        if expr.value in aliases:
            return aliases[expr.value]
        return (ANY, expr.value) if expr.value in named else None
    if isinstance(expr, cst.Subscript) and isinstance(expr.value, cst.Name) and len(expr.slice) == 1 \
            and isinstance(expr.slice[0].slice, cst.Index):
        index = expr.slice[0].slice.value
        if expr.value.value == star_star and string_value(index) is not None:
            return KEYWORD, string_value(index)  # type: ignore[return-value]
        if expr.value.value == star and isinstance(index, cst.Integer) and index.value.isdigit():
            return POSITION, index.value
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get" \
            and isinstance(expr.func.value, cst.Name) and expr.func.value.value == star_star and expr.args:
        key = string_value(expr.args[0].value)
        return (KEYWORD, key) if key is not None else None
    return None


@dataclass(frozen=True)
class Validation:
    """A decorator's validation of one parameter against a schema (an expression of the function's module)."""

    how: str  # KEYWORD or POSITION: only when the caller passes it that way; ANY: however it is passed
    param: str
    schema: cst.BaseExpression


def validation_of(project: "Project", module: ModuleInfo, function: Function, name: str,
                  call: cst.Call) -> Validation | None:
    """What the validation decorator `name` (dotted), applied as `call` to `function`, validates.

    None when none of its arguments is a JSON schema (not the validation the
    rules know) or the parameter it validates is not one of `function`'s.
    """
    from reviewlint.model.schemas import evaluator_for, is_json_schema

    evaluator = evaluator_for(project)
    schema = next((arg.value for arg in call.args
                   if not arg.star and is_json_schema(evaluator.evaluate(module, arg.value))), None)
    if schema is None:
        return None
    how, which = body_argument(project, name) or DEFAULT_BODY
    params = function.node.params
    if how == POSITION:
        positional = [p.name.value for p in (*params.posonly_params, *params.params)]
        param = positional[int(which)] if int(which) < len(positional) else None
    else:
        every = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
        param = which if which in every else None
    return Validation(how, param, schema) if param is not None else None


def validations(project: "Project", function: Function) -> tuple[Validation, ...]:
    """The validations of `function`'s validation decorators."""
    module = function.owner
    return tuple(found for decorator in function.decorators
                 if decorator.short in module.config.validation_decorators and decorator.call is not None
                 and (found := validation_of(project, module, function, decorator.name, decorator.call)) is not None)
