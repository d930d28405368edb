"""RVL5xx: authorization of handlers.

Policy checks are found by the handler interpreter (`context.can(...)` in any
form, or the configured `policy-checks`, as calls or decorators), in the
handler or in a helper that receives the request or something derived
from it.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Iterable

from reviewlint.core.findings import Finding
from reviewlint.analysis.summary import handler_flow
from reviewlint.model.module import Function
from reviewlint.service.routes import route_table
from reviewlint.rules.base import LintContext, Rule
from reviewlint.service.handlers import handler_label, handlers_in

if TYPE_CHECKING:
    from reviewlint.analysis.flow import HandlerFlow
    from reviewlint.model.project import Project

ROOT_TEMPLATES = frozenset({"/", ""})


def is_public(project: "Project", handler: Function) -> bool:
    """Routed at the root (version discovery) or named in config `public-handlers`."""
    short = f"{handler.module.rsplit('.', 1)[-1]}.{handler.name}"
    for pattern in project.config.public_handlers:
        if any(fnmatch.fnmatchcase(name, pattern) for name in (handler.name, short, handler.qualname)):
            return True
    table = route_table(project)
    if table is None:
        return False
    if any(route.template in ROOT_TEMPLATES for route in table.routes_of(handler)):
        return True
    # A buffer with no place in the project (flake8's `stdin`) cannot be found by the routes;
    # if a root route names a function of its name, it may be that one.
    unplaced = "." not in handler.module and not handler.owner.path.is_file()
    return unplaced and any(route.template in ROOT_TEMPLATES and route.target.rsplit(".", 1)[-1] == handler.name
                            for route in table.routes)


def _checked_handlers(ctx: LintContext) -> Iterable[Function]:
    """The handlers of this file (wsgify-decorated or routed) that must check policy.

    None in test packages: their wsgify-wrapped fakes serve no API.
    """
    if not ctx.project.may_hold_handlers(ctx.path):
        return ()
    return [handler for handler in handlers_in(ctx.project, ctx.module) if not is_public(ctx.project, handler)]


def _unchecked(flow: "HandlerFlow") -> bool:
    """No policy check, and no call into a helper whose doings are unknown (see HandlerFlow.unknown)."""
    return not flow.checks and not flow.unknown


class MissingPolicyCheck(Rule):
    """A handler never checks policy, neither itself nor through a helper.

    Without a policy check every authenticated caller may do what the
    handler does, whatever their role: the deployer's policy file has no
    rule to change that. Check with `context.can(policies.X)` before acting,
    or with a policy-check decorator (`@policy.authorize(...)`: config
    `policy-checks` names the calls and decorators that check).
    Version discovery at `/` is exempt; list other deliberately public
    handlers in `public-handlers`. A coarse check in the routes module's
    dispatcher does not count (Placement's developers judged it
    insufficient and added a check to every handler in 2017-18); the
    message says when there is one.
    """

    code = "RVL501"
    severity = "error"
    message = "handler {handler} never checks policy: no {checks} in it or in a helper it passes the request to"
    bad = {"svc/handlers/trait.py": '''
        @wsgi_wrapper.PlacementWsgify
        def list_traits(req):  # <-
            context = req.environ['placement.context']
            return _serialize_traits(trait_obj.get_all(context))
    '''}
    good = {"svc/handlers/trait.py": '''
        @wsgi_wrapper.PlacementWsgify
        def list_traits(req):
            context = req.environ['placement.context']
            context.can(policies.TRAITS_LIST)
            return _serialize_traits(trait_obj.get_all(context))
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        from reviewlint.service.routes import dispatcher_check
        from reviewlint.service.unknown import routes_unknown

        checks = " or ".join(f"{c}()" for c in ctx.module.config.policy_checks) or "policy check configured"
        handlers = [handler for handler in _checked_handlers(ctx) if _unchecked(handler_flow(ctx.project, handler))]
        if handlers and routes_unknown(ctx.project):
            return  # which handlers are public (routed at /), and the dispatcher's check, are unknown
        coarse = dispatcher_check(ctx.project) if handlers else None
        for handler in handlers:
            message = self.message.format(handler=handler_label(handler, ctx.project), checks=checks)
            if coarse is not None:
                message += f" (only the dispatcher's check in {coarse} applies)"
            yield ctx.header(self.code, handler, message)


class PolicyCheckAfterBodyRead(Rule):
    """A handler reads the request body before it checks policy.

    Parsing and validating untrusted input is work done for a caller who
    may not be allowed to ask: errors in the body then answer before the
    403 does (telling an unauthorized caller what the API accepts), and the
    parser is exposed to everyone. Authorize first, then read the body (a
    policy-check decorator checks before the body runs).
    """

    code = "RVL502"
    message = "handler {handler} reads the request body before its first policy check (line {line})"
    location = "the first body read"
    bad = {"svc/handlers/trait.py": '''
        @wsgi_wrapper.PlacementWsgify
        @util.require_content('application/json')
        def create_trait(req):
            data = util.extract_json(req.body, schema.PUT_TRAIT)  # <-
            context = req.environ['placement.context']
            context.can(policies.TRAITS_UPDATE)
    '''}
    good = {"svc/handlers/trait.py": '''
        @wsgi_wrapper.PlacementWsgify
        @util.require_content('application/json')
        def create_trait(req):
            context = req.environ['placement.context']
            context.can(policies.TRAITS_UPDATE)
            data = util.extract_json(req.body, schema.PUT_TRAIT)
    '''}

    def check(self, ctx: LintContext) -> Iterable[Finding]:
        for handler in _checked_handlers(ctx):
            flow = handler_flow(ctx.project, handler)
            read, policy = flow.first_body_read(), flow.first_policy_check()
            if read is not None and policy is not None and read[0] < policy[0] and not flow.unknown:
                line, col = ctx.position(read[1])
                message = self.message.format(handler=handler_label(handler, ctx.project),
                                              line=ctx.position(policy[1])[0])
                yield ctx.finding(self.code, line, col, message, end=ctx.end(read[1]))


RULES: tuple[type[Rule], ...] = (MissingPolicyCheck, PolicyCheckAfterBodyRead)
