"""The composition root of delivery and the console: builds their services from a Container.

Kept beside `bootstrap.py` so that the two grow independently; `web_services(c)` builds once
per container and keeps the result on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from rightful.adapters.accounts.jwt_assertions import JwtAccountAssertions
from rightful.adapters.db import verification_repo
from rightful.bootstrap import Container, account_assertions, code_policy
from rightful.domain.console import SessionPolicy
from rightful.domain.delivery import LinkPolicy, PackageSource
from rightful.domain.errors import RightfulError
from rightful.domain.identities import IdentityType
from rightful.domain.key_ring import KeyRing
from rightful.domain.sign_in import AfterClosing
from rightful.domain.verification import CodePolicy
from rightful.services.codes import CodeBook
from rightful.services.delivery import DeliveryService
from rightful.services.download import DownloadService
from rightful.services.download_sessions import DownloadConfig
from rightful.services.not_mine import NotMineService
from rightful.services.notices import MailNotices
from rightful.services.portal import PortalService
from rightful.services.staff_auth import StaffAuthService
from rightful.services.text_links import TextLinkKeys, TextLinks
from rightful.services.web_keys import subkeys
from rightful.wiring.keys import web_previous_secrets, web_secret

_KEY = "_rightful_web_services"


@dataclass
class WebServices:
    """Delivery, portal and console services of one container."""

    c: Container
    packages: PackageSource

    @cached_property
    def secret(self) -> bytes:
        return web_secret(self.c.settings)

    @cached_property
    def previous_secrets(self) -> tuple[bytes, ...]:
        return web_previous_secrets(self.c.settings)

    def keys(self, purpose: str) -> KeyRing:
        """The key for `purpose` (it makes), and those of `web_previous_secrets` (they check)."""
        return subkeys(self.secret, self.previous_secrets, purpose)

    @cached_property
    def link_policy(self) -> LinkPolicy:
        s = self.c.settings
        return LinkPolicy(
            ttl=timedelta(days=s.link_ttl_days), max_downloads=s.link_max_downloads,
            session=timedelta(minutes=s.download_session_minutes),
        )  # fmt: skip

    @cached_property
    def code_policy(self) -> CodePolicy:
        return code_policy(self.c.settings)

    @cached_property
    def notices(self) -> MailNotices:
        return self.c.mail_notices

    @cached_property
    def delivery(self) -> DeliveryService:
        c = self.c
        return DeliveryService(c.store, c.clock, c.audit, c.requests, self.notices,
                               self.packages, self.link_policy)  # fmt: skip

    @cached_property
    def downloads(self) -> DownloadService:
        c = self.c
        config = DownloadConfig(
            link=self.link_policy, codes=self.code_policy, code_key=self.keys("download-code"),
            age_key=self.keys("age"), stop_key=self.keys("not-mine-confirm"),
            scrypt_log_n=c.settings.passphrase_scrypt_log_n,
        )  # fmt: skip
        return DownloadService(c.store, c.clock, c.audit, self.notices, self.packages, config,
                               account_assertions(c.settings), self.account_fits)  # fmt: skip

    def account_fits(self, request_id: str, subject: str) -> bool:
        """An assertion's account was proven for this request, or leads to its bound subject."""
        c = self.c
        kind = IdentityType(c.settings.account_assertion_identity)
        try:
            identity = c.identity_policy.normalise(kind, subject)
        except RightfulError:
            return False
        with c.store.transaction() as session:
            proven = {
                verification_repo.identity_of(r)
                for r in verification_repo.identity_rows(session, request_id)
                if r.supports_binding is not False
            }
        if identity in proven:
            return True
        bound = c.subjects.bound_subject(request_id)
        return bound is not None and bound in c.subjects.holders([identity])

    @cached_property
    def not_mine(self) -> NotMineService:
        c = self.c
        return NotMineService(
            c.store,
            c.clock,
            c.audit,
            self.delivery,
            self.notices,
            self.keys("not-mine-confirm"),  # the downloads' stop_key too
            triage=c.incidents.triage_quietly,
            rescope=c.incidents.rescope_quietly,
        )

    @cached_property
    def portal(self) -> PortalService:
        c = self.c
        s = c.settings
        codes = CodeBook(c.clock, self.code_policy, self.keys("portal"))
        after_closing = AfterClosing(timedelta(days=s.sign_in_days_after_closing),
                                     s.sign_in_codes_after_closing)  # fmt: skip
        return PortalService(c.store, c.clock, c.audit, self.delivery, self.notices, codes,
                             s.due_soon_days, after_closing)  # fmt: skip

    @cached_property
    def text_links(self) -> TextLinks:
        keys = TextLinkKeys(self.c.verification.config.key, self.keys("portal"),
                            self.keys("download-code"))  # fmt: skip
        return TextLinks(self.c.store, keys)

    @cached_property
    def staff_auth(self) -> StaffAuthService:
        c, s = self.c, self.c.settings
        policy = SessionPolicy(
            idle=timedelta(minutes=s.console_session_idle_minutes),
            max_age=timedelta(hours=s.console_session_max_hours),
        )
        return StaffAuthService(
            c.store, c.clock, c.audit, totp_key=self.keys("totp"), csrf_key=self.keys("csrf"),
            policy=policy, max_failures=s.console_max_sign_in_failures,
            max_failures_per_user=s.console_max_sign_in_failures_per_user, sso=staff_sso(c),
        )  # fmt: skip


def staff_sso(c: Container) -> JwtAccountAssertions | None:
    """The staff SSO assertion checker, when an issuer is configured."""
    s = c.settings
    if not s.staff_sso_issuer:
        return None
    return JwtAccountAssertions(
        s.staff_sso_issuer, s.staff_sso_audience,
        secret=s.staff_sso_secret.get_secret_value() if s.staff_sso_secret else None,
        public_key_pem=s.staff_sso_public_key, setting="staff_sso",
    )  # fmt: skip


def web_services(c: Container, packages: PackageSource | None = None) -> WebServices:
    """The container's web services, built on first use (pass `packages` the first time to
    choose the package source; the default reads issue 5's encrypted package store)."""
    existing = c.__dict__.get(_KEY)
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    services = WebServices(c, packages or default_packages(c))
    c.__dict__[_KEY] = services
    return services


def default_packages(c: Container) -> PackageSource:
    """The approved packages of the store (issue 5's package service)."""
    from rightful.services.package_source import StoredPackages

    return StoredPackages.of(c)
