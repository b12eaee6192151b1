"""The policies and configs services take, translated from the settings."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from rightful.domain.identities import IdentityPolicy, IdentityType
from rightful.domain.incident_clocks import regimes_from
from rightful.domain.verification import Assurance, CodePolicy
from rightful.settings import Settings

if TYPE_CHECKING:
    from rightful.services.incidents import IncidentPolicy
    from rightful.services.packaging import PackagingConfig
    from rightful.services.verification import VerificationConfig


def code_policy(settings: Settings) -> CodePolicy:
    """How codes live and how many may go out (verification, portal sign-in, downloads)."""
    return CodePolicy(
        ttl=timedelta(minutes=settings.code_ttl_minutes),
        max_attempts=settings.max_code_attempts,
        resend_interval=timedelta(seconds=settings.resend_interval_seconds),
        max_challenges_per_request=settings.max_codes_per_request,
        window=timedelta(hours=settings.code_window_hours),
    )


def verification_config(
    settings: Settings, identities: IdentityPolicy, required: Assurance
) -> VerificationConfig:
    """Code policy, HMAC key and links from the settings."""
    from rightful.services.notices import TEXT_LINKS
    from rightful.services.verification import VerificationConfig
    from rightful.services.verification_keys import load_or_create_code_key

    secret = settings.verification_secret
    key = load_or_create_code_key(
        secret.get_secret_value() if secret else None,
        settings.data_dir / "keys" / "verification_secret",
    )
    return VerificationConfig(
        key=key,
        policy=code_policy(settings),
        identities=identities,
        required=required,
        link_base=settings.public_base_url.rstrip("/") + "/verify/link",
        text_link_base=settings.public_base_url.rstrip("/") + TEXT_LINKS,
        controller=settings.controller_name,
        account_identity=IdentityType(settings.account_assertion_identity),
    )


def packaging_config(settings: Settings, signing_key: bytes) -> PackagingConfig:
    """Where builds work, who signs and what packages say, from the settings."""
    from rightful.services.package_keys import pseudonym_key
    from rightful.services.packaging import PackagingConfig

    s = settings
    return PackagingConfig(
        workdir=s.data_dir / "tmp",
        controller=s.controller_name,
        signing_key=signing_key,
        pseudonym_key=pseudonym_key(s),
        chunk_size=s.package_chunk_bytes,
        contact=s.privacy_contact,
        authority=s.supervisory_authority,
        review_sample=s.package_review_sample,
        build_lost_after=timedelta(seconds=s.build_lost_after_seconds),
        ccpa_never_disclosed=tuple(s.ccpa_never_disclosed_categories),
    )


def incident_policy(settings: Settings) -> IncidentPolicy:
    """Regimes, DPO contact and reminder marks from the settings."""
    from rightful.services.incidents import IncidentPolicy

    s = settings
    return IncidentPolicy(
        regimes=regimes_from(s.breach_regimes, s.breach_regime_policies),
        controller=s.controller_name,
        dpo_contact=s.dpo_contact or s.privacy_contact or s.smtp_from,
        dpo_email=s.dpo_email, authority=s.supervisory_authority,
        reminder_hours=tuple(s.incident_reminder_hours),
        acknowledgement_attempts=s.incident_acknowledgement_attempts,
        export_dir=s.incident_export_dir or s.data_dir / "incidents",
        language=s.incident_notice_language,
    )  # fmt: skip
