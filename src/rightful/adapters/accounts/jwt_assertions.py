"""Check the controller's signed statements that a user is logged in (JWT, with PyJWT)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from rightful.domain.errors import ConfigurationError
from rightful.domain.verification import AccountClaims, AssertionRejectedError

REQUIRED = ["exp", "iss", "aud", "sub", "jti"]
MIN_SECRET_BYTES = 32


class JwtAccountAssertions:
    """Verifies signature, issuer, audience and lifetime against an injected clock.

    One algorithm family per configuration: a shared HS256 secret, or a public key (RS256, ES256
    or EdDSA). A public key is never accepted as an HMAC secret, so tokens cannot switch families.
    """

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        secret: str | None = None,
        public_key_pem: str | None = None,
        leeway: timedelta = timedelta(seconds=30),
        max_lifetime: timedelta = timedelta(minutes=10),
        setting: str = "account_assertion",
    ) -> None:
        if not issuer or not audience:
            raise ConfigurationError(f"{setting}_issuer and {setting}_audience must both be set")
        self.issuer, self.audience = issuer, audience
        self.leeway, self.max_lifetime = leeway, max_lifetime
        self._key, self._algorithms = _key_and_algorithms(secret, public_key_pem, setting)

    def check(self, token: str, now: datetime) -> AccountClaims:
        claims = self._decode(token)
        expires = _instant(claims, "exp")
        if expires + self.leeway <= now:
            raise AssertionRejectedError("the assertion has expired")
        if expires - now > self.max_lifetime + self.leeway:
            raise AssertionRejectedError(
                "the assertion is valid for too long; issue short-lived ones"
            )
        if "nbf" in claims and _instant(claims, "nbf") - self.leeway > now:
            raise AssertionRejectedError("the assertion is not valid yet")
        return AccountClaims(
            issuer=str(claims["iss"]),
            subject=str(claims["sub"]),
            token_id=str(claims["jti"]),
            expires_at=expires,
        )

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token.strip(),
                self._key,
                algorithms=self._algorithms,
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require": REQUIRED,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidAudienceError:
            raise AssertionRejectedError("the assertion is meant for another audience") from None
        except jwt.InvalidIssuerError:
            raise AssertionRejectedError("the assertion comes from an unknown issuer") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AssertionRejectedError(f"the assertion lacks the {exc.claim!r} claim") from None
        except jwt.InvalidAlgorithmError:
            raise AssertionRejectedError("the assertion uses an algorithm not configured") from None
        except jwt.InvalidSignatureError:
            raise AssertionRejectedError("the assertion's signature does not verify") from None
        except jwt.PyJWTError:
            raise AssertionRejectedError(
                "the assertion is not a well-formed signed token"
            ) from None


def _instant(claims: dict[str, Any], name: str) -> datetime:
    value = claims[name]
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise AssertionRejectedError(f"the assertion's {name!r} claim is not a timestamp")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):  # beyond the calendar (or NaN)
        raise AssertionRejectedError(
            f"the assertion's {name!r} claim is not a timestamp of this era"
        ) from None


def _key_and_algorithms(
    secret: str | None, public_key_pem: str | None, setting: str
) -> tuple[Any, list[str]]:
    if (secret is None) == (public_key_pem is None):
        raise ConfigurationError(
            f"{setting}_issuer needs exactly one of {setting}_secret and {setting}_public_key"
        )
    if secret is not None:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ConfigurationError(f"{setting}_secret must be at least {MIN_SECRET_BYTES} bytes")
        return secret.encode(), ["HS256"]
    assert public_key_pem is not None
    try:
        key = load_pem_public_key(public_key_pem.encode())
    except ValueError:
        raise ConfigurationError(f"{setting}_public_key is not a PEM public key") from None
    if isinstance(key, rsa.RSAPublicKey):
        return key, ["RS256"]
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key, ["EdDSA"]
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key, ["ES256"]
    raise ConfigurationError(f"{setting}_public_key must be an RSA, EC or Ed25519 key")
