"""The adapters the settings choose and configure: the store in data_dir, the data map, the
mailer, the SMS gateway, the account assertion check and the queue package builds run on."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rightful.domain.errors import ConfigurationError
from rightful.settings import Settings

if TYPE_CHECKING:
    from rightful.adapters.accounts.jwt_assertions import JwtAccountAssertions
    from rightful.adapters.db.base import Store
    from rightful.adapters.mail.smtp import SmtpMailer
    from rightful.adapters.queue.package_jobs import CeleryPackageJobs, InlinePackageJobs, Outcome
    from rightful.domain.clock import Clock
    from rightful.domain.datamap import DataMap
    from rightful.domain.messaging import SmsSender


def make_data_dir(folder: Path) -> None:
    """Make `folder` (and its parents, 0700: it holds the store and the keys) unless it exists;
    ConfigurationError, in one line, when it is a file or cannot be made."""
    from rightful.adapters.files import make_folder

    try:
        make_folder(folder)
    except FileExistsError:
        raise ConfigurationError(f"data_dir {folder} is a file, not a folder") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot make data_dir {folder}: {exc.strerror}") from None


def open_store(settings: Settings) -> Store:
    """The store at the database URL in force (data_dir made first: it may hold the store)."""
    from rightful.adapters.db.base import Store, make_engine

    make_data_dir(settings.data_dir)
    return Store(make_engine(settings.effective_database_url))


def load_configured_datamap(settings: Settings) -> DataMap:
    """The data map in force (RIGHTFUL_DATAMAP_FILES)."""
    from rightful.adapters.datamap.fides_yaml import load_datamap

    if not settings.datamap_files:
        raise ConfigurationError(
            "no data map configured: set RIGHTFUL_DATAMAP_FILES to your dataset YAML files "
            "(separated by commas), or datamap_files in the TOML file"
        )
    return load_datamap(settings.datamap_files)


def smtp_mailer(settings: Settings) -> SmtpMailer:
    """The mailer of the configured SMTP server."""
    from rightful.adapters.mail.smtp import SmtpMailer

    s = settings
    return SmtpMailer(
        s.smtp_host,
        s.smtp_port,
        s.smtp_from,
        security=s.smtp_security,
        username=s.smtp_username,
        password=s.smtp_password.get_secret_value() if s.smtp_password else None,
        ca_file=s.smtp_ca_file,
        timeout=s.smtp_timeout_seconds,
    )


def sms_sender(settings: Settings) -> SmsSender | None:
    """The SMS gateway `sms_backend` names; None where SMS is not offered."""
    s = settings
    if s.sms_backend == "log":
        from rightful.adapters.sms.log import LoggingSmsSender

        return LoggingSmsSender()
    if s.sms_backend == "webhook":
        from rightful.adapters.sms.webhook import WebhookSmsSender

        token = s.sms_webhook_token
        return WebhookSmsSender(
            s.sms_webhook_url or "",
            token=token.get_secret_value() if token else None,
            timeout=s.sms_webhook_timeout_seconds,
            ca_file=s.sms_webhook_ca_file,
        )
    return None


def account_assertions(settings: Settings) -> JwtAccountAssertions | None:
    """The signed-in account check, when an issuer is configured."""
    from rightful.adapters.accounts.jwt_assertions import JwtAccountAssertions

    if not settings.account_assertion_issuer:
        return None
    secret = settings.account_assertion_secret
    return JwtAccountAssertions(
        settings.account_assertion_issuer,
        settings.account_assertion_audience,
        secret=secret.get_secret_value() if secret else None,
        public_key_pem=settings.account_assertion_public_key,
    )


def package_jobs(
    settings: Settings, clock: Clock, build_job: Callable[[], Callable[[str], Outcome]]
) -> InlinePackageJobs | CeleryPackageJobs:
    """Package builds as jobs, on the backend `queue_backend` names (`build_job` is asked for
    the in-process builder only when builds run in this process)."""
    from rightful.adapters.queue.package_jobs import CeleryPackageJobs, InlinePackageJobs

    s = settings
    if s.queue_backend == "celery":
        from rightful.adapters.queue.celery import make_celery_app

        app = make_celery_app(s.celery_broker_url.get_secret_value(), s.celery_queue)
        return CeleryPackageJobs(app, s.celery_queue, clock)
    return InlinePackageJobs(build_job())


def broker_ping(settings: Settings) -> Callable[[], None] | None:
    """A check that the Celery broker answers within the readiness timeout; None without
    Celery workers."""
    if settings.queue_backend != "celery":
        return None
    from rightful.adapters.queue.celery import ping_broker

    url = settings.celery_broker_url.get_secret_value()
    return partial(ping_broker, url, settings.readiness_timeout_seconds)
