"""HEAD on the requester's pages: link checkers and mail scanners send it to the links in our
e-mails (`/d/{token}`, `/not-mine/{confirm}`) and to the portal's pages. It is answered from
the routes alone, without running the page: no token is looked up, so no attempt is recorded,
nothing is counted, no cookie is set, and a scanner learns nothing about a link (GET makes the
checks). The file itself (`/download/{id}/file`) answers HEAD with GET's checks on its own.

HEAD on the console's pages is answered like GET without its body: the page runs (sign-in, role,
404), so the status and headers are GET's; staff pages hold no single-use links to protect. A
route that takes HEAD itself (a scan whose GET is audited) answers it on its own."""

from __future__ import annotations

from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# What the requester opens from a mail or the portal; the console has no links in any mail.
PAGES = ("/portal", "/d/", "/download/", "/not-mine/")
OWN_HEAD = "/file"  # the package, whose route answers HEAD with GET's checks
CONSOLE = "/console"


class HeadOnPages:
    """Answers HEAD on a requester's page with a GET route (200, `text/html`, no body, nothing
    run) and on a console page (its GET, without the body)."""

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app, self.router = app, router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._console_head(scope):
            await self.app({**scope, "method": "GET"}, receive, _bodiless(send))
            return
        if not self._page_head(scope):
            await self.app(scope, receive, send)
            return
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    def _page_head(self, scope: Scope) -> bool:
        path: str = scope.get("path", "") if scope["type"] == "http" else ""
        own_head = path.startswith("/download/") and path.endswith(OWN_HEAD)
        if scope.get("method") != "HEAD" or own_head:
            return False
        if path != "/" and not path.startswith(PAGES):
            return False
        return self._routed({**scope, "method": "GET"})

    def _console_head(self, scope: Scope) -> bool:
        """HEAD on a console path that a GET route serves and no route takes HEAD for."""
        path: str = scope.get("path", "") if scope["type"] == "http" else ""
        if scope.get("method") != "HEAD" or not (path == CONSOLE or path.startswith(CONSOLE + "/")):
            return False
        return not self._routed(scope) and self._routed({**scope, "method": "GET"})

    def _routed(self, scope: Scope) -> bool:
        """A route takes this request (path and method) as it is."""
        return any(route.matches(scope)[0] is Match.FULL for route in self.router.routes)


def _bodiless(send: Send) -> Send:
    """`send` with GET's status and headers (its length too) but an empty body (RFC 9110 9.3.2)."""

    async def without_body(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return without_body
