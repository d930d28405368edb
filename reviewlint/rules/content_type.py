"""RVL1xx: the content type of request bodies."""

from __future__ import annotations

from typing import Iterable

from reviewlint.core.findings import Finding
from reviewlint.analysis.summary import handler_flow
from reviewlint.model.module import Decorator, Function, string_value
from reviewlint.rules.base import LintContext, Rule, own_handlers
from reviewlint.service.handlers import handler_label
from reviewlint.model.schemas import Const, evaluator_for


def _decorator_roles(ctx: LintContext, handler: Function) -> tuple[list[Decorator], int | None, int | None]:
    """(content decorators, index of wsgify, index of version_handler) in the stack."""
    config = ctx.module.config
    content = [d for d in handler.decorators if d.short in config.require_content_decorators]
    wsgify = next((i for i, d in enumerate(handler.decorators) if d.short in config.wsgify_decorators), None)
    version = next((i for i, d in enumerate(handler.decorators) if d.short == "version_handler"), None)
    return content, wsgify, version


class MissingRequireContent(Rule):
    """A handler reads the request body but never enforces its content type.

    Without `require_content`, a client can send any media type and the
    handler decodes it anyway: a form post or plain text fails deep inside
    the JSON decoder with a 400 instead of an honest 415, and the API's
    contract is whatever the decoder happens to accept.
    """

    code = "RVL101"
    message = "handler {handler} reads the request body without @require_content"
    bad = {"svc/handlers/thing.py": '''
        @wsgi_wrapper.PlacementWsgify
        def create_thing(req):  # <-
            data = util.extract_json(req.body, schema.POST_THING)
    '''}
    good = {"svc/handlers/thing.py": '''
        @wsgi_wrapper.PlacementWsgify
        @util.require_content('application/json')
        def create_thing(req):
            data = util.extract_json(req.body, schema.POST_THING)
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for handler in missing_require_content(ctx):
            yield ctx.header(self.code, handler, self.message.format(handler=handler_label(handler, ctx.project)))


def missing_require_content(ctx: LintContext) -> list[Function]:
    """Handlers of this module that read the body with no `require_content` in their stack."""
    return [handler for handler in own_handlers(ctx)
            if not _decorator_roles(ctx, handler)[0] and handler_flow(ctx.project, handler).reads]


class MisplacedRequireContent(Rule):
    """`require_content`/`check_accept` sits above `version_handler` or the wsgify decorator.

    Decorators apply bottom-up. Above the wsgify decorator, the check
    receives the raw WSGI environ instead of a request; above
    `version_handler`, it is registered on the name that a later versioned
    definition rebinds, so it silently stops applying.
    """

    code = "RVL102"
    message = "@{decorator} on handler {handler} must sit below @{anchor}"
    location = "the misplaced decorator"
    bad = {"svc/handlers/reshaper.py": '''
        @util.require_content('application/json')  # <-
        @wsgi_wrapper.PlacementWsgify
        @microversion.version_handler('1.2')
        def reshape(req):
            data = util.extract_json(req.body, schema.POST_RESHAPER)
    '''}
    good = {"svc/handlers/reshaper.py": '''
        @wsgi_wrapper.PlacementWsgify
        @microversion.version_handler('1.2')
        @util.require_content('application/json')
        def reshape(req):
            data = util.extract_json(req.body, schema.POST_RESHAPER)
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for handler, decorator, anchor in misplaced_checks(ctx):
            message = self.message.format(decorator=decorator.short, handler=handler_label(handler, ctx.project),
                                          anchor=anchor)
            yield ctx.finding(self.code, decorator.line, 0, message, end=decorator.owner.end_of(decorator.node))


def misplaced_checks(ctx: LintContext) -> list[tuple[Function, Decorator, str]]:
    """(handler, misplaced decorator, the decorator it must sit below) for this module."""
    found = []
    checks = ctx.module.config.require_content_decorators + ("check_accept",)
    for handler in own_handlers(ctx):
        _, wsgify, version = _decorator_roles(ctx, handler)
        if version is not None and len(ctx.module.functions_named(handler.name)) < 2:
            # With one definition nothing rebinds the name: above
            # version_handler the check still applies to every version.
            version = None
        for index, decorator in enumerate(handler.decorators):
            if decorator.short not in checks:
                continue
            if wsgify is not None and index < wsgify:
                found.append((handler, decorator, handler.decorators[wsgify].short))
            elif version is not None and index < version:
                found.append((handler, decorator, handler.decorators[version].short))
    return found


def is_json_media_type(media_type: str) -> bool:
    """`application/json`, `application/*+json`, with or without parameters."""
    base = media_type.split(";", 1)[0].strip().lower()
    return base == "application/json" or (base.startswith("application/") and base.endswith("+json"))


class NonJsonRequireContent(Rule):
    """`require_content` names a media type that is not JSON, yet the body is decoded as JSON.

    The decorator and the decoder disagree: clients that send what the
    decorator asks for get a decode error, and clients that send JSON get a 415.
    """

    code = "RVL103"
    message = "handler {handler} requires content {media_type!r} but decodes the body as JSON"
    location = "the decorator"
    bad = {"svc/handlers/trait.py": '''
        @wsgi_wrapper.PlacementWsgify
        @util.require_content('text/plain')  # <-
        def set_traits(req):
            data = util.extract_json(req.body, schema.SET_TRAITS)
    '''}
    good = {"svc/handlers/trait.py": '''
        @wsgi_wrapper.PlacementWsgify
        @util.require_content('application/json')
        def set_traits(req):
            data = util.extract_json(req.body, schema.SET_TRAITS)
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for handler in own_handlers(ctx):
            content, _, _ = _decorator_roles(ctx, handler)
            for decorator in content:
                media_type = _media_type(ctx, decorator)
                if media_type is None or is_json_media_type(media_type):
                    continue
                if handler_flow(ctx.project, handler).decodes_json:
                    message = self.message.format(handler=handler_label(handler, ctx.project), media_type=media_type)
                    yield ctx.finding(self.code, decorator.line, 0, message, end=decorator.owner.end_of(decorator.node))


def _media_type(ctx: LintContext, decorator: Decorator) -> str | None:
    call = decorator.call
    if call is None or not call.args:
        return None
    expr = call.args[0].value
    literal = string_value(expr)
    if literal is not None:
        return literal
    value = evaluator_for(ctx.project).evaluate(ctx.module, expr)
    return value.value if isinstance(value, Const) and isinstance(value.value, str) else None


class NeedlessRequireContent(Rule):
    """`require_content` on a handler that never reads the body.

    Clients that send no body (and so no Content-Type) are refused with a
    415 for a body the handler would have ignored.
    """

    code = "RVL104"
    message = "handler {handler} has @require_content but never reads the request body"
    bad = {"svc/handlers/thing.py": '''
        @wsgi_wrapper.PlacementWsgify
        @util.require_content('application/json')
        def delete_thing(req):  # <-
            req.response.status = 204
            return req.response
    '''}
    good = {"svc/handlers/thing.py": '''
        @wsgi_wrapper.PlacementWsgify
        def delete_thing(req):
            req.response.status = 204
            return req.response
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for handler in own_handlers(ctx):
            content, _, _ = _decorator_roles(ctx, handler)
            flow = handler_flow(ctx.project, handler)
            if content and not flow.reads and not flow.unknown:
                yield ctx.header(self.code, handler, self.message.format(handler=handler_label(handler, ctx.project)))


RULES: tuple[type[Rule], ...] = (
    MissingRequireContent, MisplacedRequireContent, NonJsonRequireContent, NeedlessRequireContent,
)
