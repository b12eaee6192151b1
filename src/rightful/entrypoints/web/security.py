"""Cookies, CSRF tokens, signed values and security headers of the portal and the console.

Every cookie is HttpOnly and SameSite=Strict, and Secure unless rightful explicitly runs on
plain http on the loopback interface (the demo). Forms carry a CSRF token: the portal's is a
double-submit cookie, the console's is bound to the staff session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rightful.domain.clock import Clock
from rightful.domain.delivery import Client
from rightful.domain.errors import PermissionDeniedError
from rightful.domain.key_ring import KeyRing

CSRF_COOKIE = "rf_csrf"
CSRF_FIELD = "csrf"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
UNCACHED_API = ("/api/", "/opendsr/requests")
WEB_PREFIXES = ("/portal", "/d/", "/download", "/console", "/not-mine", "/static", "/verify/")

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"no-referrer",
    b"cross-origin-opener-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
}


class ForgedFormError(PermissionDeniedError):
    """A form arrived without the token of the page it came from."""


def secure_cookies(public_base_url: str) -> bool:
    """False only for plain http on the loopback interface (the demo); True everywhere else."""
    parts = urlsplit(public_base_url)
    return not (parts.scheme == "http" and (parts.hostname or "") in LOOPBACK)


@dataclass(frozen=True)
class Cookies:
    """Sets and clears cookies with the same attributes everywhere."""

    secure: bool

    def set(
        self, response: Response, name: str, value: str, *, max_age: int | None = None,
        path: str = "/",
    ) -> None:  # fmt: skip
        response.set_cookie(name, value, max_age=max_age, path=path, secure=self.secure,
                            httponly=True, samesite="strict")  # fmt: skip

    def clear(self, response: Response, name: str, path: str = "/") -> None:
        response.delete_cookie(name, path=path, secure=self.secure, httponly=True,
                               samesite="strict")  # fmt: skip


@dataclass(frozen=True)
class Signer:
    """HMAC-signed cookie values that carry their own expiry: `<value>~<expiry>~<mac>`.

    Expiry is read from the container's clock, the one that also decides when links, codes and
    sessions end, so that a cookie and the record it points to expire together. Values are
    signed under the current key and accepted under any key of the ring (a rotated secret)."""

    keys: KeyRing
    clock: Clock

    def sign(self, value: str, ttl_seconds: int) -> str:
        expiry = int(self.clock.now().timestamp() + ttl_seconds)
        body = f"{value}~{expiry}"
        return f"{body}~{_mac(self.keys.current, body)}"

    def unsign(self, signed: str | None) -> str | None:
        """The value, or None when the signature is wrong or the value expired."""
        if not signed or signed.count("~") < 2:
            return None
        body, _, mac = signed.rpartition("~")
        value, _, expiry = body.rpartition("~")
        if not any(
            hmac.compare_digest(mac.encode(), _mac(k, body).encode()) for k in self.keys.all
        ):
            return None
        if not expiry.isdigit() or int(expiry) <= self.clock.now().timestamp():
            return None
        return value


def _mac(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()[:40]


def csrf_token(request: Request) -> str:
    """The double-submit token for this browser (a new one when it has none yet)."""
    existing = request.cookies.get(CSRF_COOKIE)
    token = existing if existing and len(existing) >= 32 else secrets.token_urlsafe(32)
    request.state.csrf = token
    return token


def remember_csrf(request: Request, response: Response, cookies: Cookies) -> None:
    """Send the token cookie whenever a page handed out a token the browser may not hold."""
    token = getattr(request.state, "csrf", None)
    if token and request.cookies.get(CSRF_COOKIE) != token:
        cookies.set(response, CSRF_COOKIE, token)


def check_csrf(request: Request, presented: str | None) -> None:
    """Raise ForgedFormError unless the form's token equals the browser's cookie."""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    if not presented or not cookie or not hmac.compare_digest(cookie, presented):
        raise ForgedFormError("this form expired or did not come from our page; reload it")


def client_of(request: Request) -> Client:
    """IP and user agent for the attempts log (the proxy's address when behind one)."""
    host = request.client.host if request.client else None
    return Client(host, request.headers.get("user-agent"))


class SecurityHeaders:
    """Adds CSP, anti-framing, no-sniff and no-referrer headers to portal and console pages,
    and keeps them and the API's answers (personal data) out of every cache."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        page = path == "/" or path.startswith(WEB_PREFIXES)
        if not page and not path.startswith(UNCACHED_API):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS.items() if k not in present] if page else []
                if b"cache-control" not in present and not path.startswith("/static"):
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
