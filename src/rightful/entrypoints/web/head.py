"""HEAD on the requester's pages: link checkers and mail scanners send it to the links in our
e-mails (`/d/{token}`, `/not-mine/{confirm}`) and to the portal's pages. It is answered from
the routes alone, without running the page: no token is looked up, so no attempt is recorded,
nothing is counted, no cookie is set, and a scanner learns nothing about a link (GET makes the
checks). The file itself (`/download/{id}/file`) answers HEAD with GET's checks on its own."""

from __future__ import annotations

from starlette.routing import Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send

# What the requester opens from a mail or the portal; the console has no links in any mail.
PAGES = ("/portal", "/d/", "/download/", "/not-mine/")
OWN_HEAD = "/file"  # the package, whose route answers HEAD with GET's checks


class HeadOnPages:
    """Answers HEAD on a page with a GET route: 200, `text/html`, no body, nothing run."""

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app, self.router = app, router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
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
        as_get = {**scope, "method": "GET"}
        return any(route.matches(as_get)[0] is Match.FULL for route in self.router.routes)
