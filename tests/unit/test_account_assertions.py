"""Signed-in account assertions: signature, issuer, audience, expiry and algorithm are checked
against an injected clock (REQUIREMENTS.md "Identity": prefer a signed-in account)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from rightful.adapters.accounts.jwt_assertions import JwtAccountAssertions
from rightful.bootstrap import Container
from rightful.bootstrap_web import staff_sso
from rightful.domain.errors import ConfigurationError
from rightful.domain.verification import AssertionRejectedError
from rightful.settings import load_settings

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SECRET = "s" * 64
ISSUER, AUDIENCE = "https://shop.example", "rightful"


def claims(**overrides: Any) -> dict[str, Any]:
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "acc-anna",
        "jti": "t-1",
        "exp": int((NOW + timedelta(minutes=5)).timestamp()),
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def hs256(**overrides: Any) -> str:
    return jwt.encode(claims(**overrides), SECRET, algorithm="HS256")


CHECKER = JwtAccountAssertions(ISSUER, AUDIENCE, secret=SECRET)


def test_a_valid_assertion_names_the_account_and_its_token_id() -> None:
    result = CHECKER.check(hs256(), NOW)
    assert (result.subject, result.token_id, result.issuer) == ("acc-anna", "t-1", ISSUER)
    assert result.expires_at == NOW + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (hs256(aud="another-app"), "another audience"),
        (hs256(iss="https://evil.example"), "unknown issuer"),
        (hs256(exp=int((NOW - timedelta(minutes=1)).timestamp())), "expired"),
        (hs256(exp=int((NOW + timedelta(days=1)).timestamp())), "too long"),
        (hs256(nbf=int((NOW + timedelta(minutes=2)).timestamp())), "not valid yet"),
        (hs256(jti=None), "'jti'"),
        (hs256(sub=None), "'sub'"),
        (jwt.encode(claims(), "x" * 64, algorithm="HS256"), "signature"),
        (jwt.encode(claims(), SECRET, algorithm="HS512"), "algorithm"),
        ("not.a.token", "well-formed"),
        (hs256(exp=10**30), "not a timestamp of this era"),  # gave HTTP 500 (OverflowError)
        (hs256(nbf=2**63), "not a timestamp of this era"),
    ],
)
def test_assertions_failing_a_check_are_rejected_with_the_reason(token: str, reason: str) -> None:
    with pytest.raises(AssertionRejectedError, match=reason):
        CHECKER.check(token, NOW)


def test_expiry_follows_the_injected_clock_not_the_wall_clock() -> None:
    token = hs256()
    CHECKER.check(token, NOW)
    with pytest.raises(AssertionRejectedError, match="expired"):
        CHECKER.check(token, NOW + timedelta(minutes=6))


def _pem(private: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.mark.parametrize("algorithm", ["RS256", "EdDSA"])
def test_public_key_assertions_verify_and_a_shared_secret_token_cannot_pass(
    algorithm: str,
) -> None:
    private = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if algorithm == "RS256"
        else ed25519.Ed25519PrivateKey.generate()
    )
    checker = JwtAccountAssertions(ISSUER, AUDIENCE, public_key_pem=_pem(private))
    assert checker.check(jwt.encode(claims(), private, algorithm=algorithm), NOW).subject
    with pytest.raises(AssertionRejectedError, match="algorithm"):
        checker.check(hs256(), NOW)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"secret": "short"}, "32 bytes"),
        ({}, "exactly one"),
        ({"secret": SECRET, "public_key_pem": "x"}, "exactly one"),
        ({"public_key_pem": "not a pem"}, "PEM"),
    ],
)
def test_misconfigured_keys_are_named(kwargs: dict[str, str], reason: str) -> None:
    with pytest.raises(ConfigurationError, match=reason):
        JwtAccountAssertions(ISSUER, AUDIENCE, **kwargs)


def test_staff_sso_keys_are_named_by_the_staff_sso_settings(tmp_path: Path) -> None:
    """Staff SSO shares this checker, whose errors named the account_assertion_* settings."""
    settings = load_settings(
        data_dir=tmp_path, staff_sso_issuer=ISSUER, staff_sso_public_key="not a pem"
    )
    with pytest.raises(ConfigurationError, match=r"^staff_sso_public_key is not a PEM public key"):
        staff_sso(Container(settings=settings))
