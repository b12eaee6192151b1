"""Send SMS through an HTTP gateway: one POST of `{"to": ..., "text": ...}` as JSON per message.

Most SMS providers take such a call, or a small relay in front of them does. Standard library
only; TLS is verified (optionally against a private CA) and redirects are not followed.
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import NoReturn

from rightful.domain.errors import ConfigurationError
from rightful.domain.messaging import DeliveryError, SmsMessage, recipient_id

log = logging.getLogger("rightful.sms")


class WebhookSmsSender:
    """Hands each text to the gateway at `url`; any answer but 2xx is a DeliveryError."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        ca_file: Path | None = None,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ConfigurationError("sms_webhook_url: not an http(s) URL")
        self.url, self._token, self.timeout = url, token, timeout
        tls = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=tls), _RefuseRedirects()
        )

    def send(self, message: SmsMessage) -> None:
        try:
            with self._opener.open(self.compose(message), timeout=self.timeout) as answer:
                status = answer.status
        except urllib.error.HTTPError as refused:
            refused.close()
            self._refused(message, f"HTTP {refused.code}")
        except (OSError, http.client.HTTPException) as failed:
            self._refused(message, type(_cause(failed)).__name__)
        log.info("sms to ***%s accepted by the gateway (HTTP %d)", recipient_id(message.to), status)

    def compose(self, message: SmsMessage) -> urllib.request.Request:
        """The gateway's request: the number and text as JSON, the token as a bearer."""
        headers = {"Content-Type": "application/json", "User-Agent": "rightful"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        url, body = self.url, json.dumps({"to": message.to, "text": message.text}).encode()
        # S310: the constructor admits only http(s) URLs, never file: or custom schemes.
        return urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310

    def _refused(self, message: SmsMessage, reason: str) -> NoReturn:
        log.warning(
            "sms to ***%s not accepted by the gateway (%s)", recipient_id(message.to), reason
        )
        raise DeliveryError(f"the SMS gateway did not accept the message ({reason})") from None


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a success: following it would resend the token elsewhere
    and turn the POST into a GET."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _cause(failed: Exception) -> BaseException:
    """What a URLError wraps (a timeout, a refused connection), else the error itself."""
    reason = getattr(failed, "reason", None)
    return reason if isinstance(reason, BaseException) else failed
