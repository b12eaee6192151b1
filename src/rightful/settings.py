"""Effective configuration: RIGHTFUL_* environment variables over an optional TOML file."""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from rightful.domain.deadlines import LONGEST_WINDOW_DAYS, Jurisdiction, pauses_count
from rightful.domain.errors import ConfigurationError
from rightful.domain.never_disclosed import CCPA_NEVER_DISCLOSED

PREFIX = "RIGHTFUL_"
CONFIG_ENV = "RIGHTFUL_CONFIG"
NEW_USER_PASSWORD_ENV = "RIGHTFUL_NEW_USER_PASSWORD"  # noqa: S105 - a name; staff add-user reads it
TEST_SWITCHES = "RIGHTFUL_TEST_"  # the test suite's own (tests/conftest.py), never a setting
DEFAULT_CONFIG_FILE = "rightful.toml"


def config_file() -> Path | None:
    """The TOML file in force: $RIGHTFUL_CONFIG, else ./rightful.toml when it exists."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit)
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.exists() else None


def toml_source(settings_cls: type[BaseSettings], path: Path) -> TomlConfigSettingsSource:
    """The TOML file's settings; ConfigurationError when it is missing or not valid TOML."""
    if not path.exists():
        raise ConfigurationError(
            f"{CONFIG_ENV} names {path}, which does not exist; fix the path or unset {CONFIG_ENV}"
        )
    if not path.is_file():
        raise ConfigurationError(f"the configuration file {path} is not a file")
    try:
        return TomlConfigSettingsSource(settings_cls, toml_file=path)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: not valid TOML: {_toml_problem(exc, path)}") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"{path}: not valid TOML: the file is not UTF-8") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from None


def _toml_problem(exc: tomllib.TOMLDecodeError, path: Path) -> str:
    """'Invalid value at line 3, column 7' (tomllib of Python 3.11 puts the place in the text)."""
    text = str(exc)
    what, _, where = text.partition(" (at ")
    where = where.rstrip(")")
    if where == "end of document":
        lines = len(path.read_text(encoding="utf-8", errors="replace").splitlines())
        return f"{what} at the end of the file (line {max(lines, 1)})"
    return f"{what} at {where}" if where else text


MIN_SECRET_BYTES = 32  # configured HMAC keys (verification codes, pseudonyms, the web's keys)


def _too_short(secret: SecretStr) -> bool:
    return len(secret.get_secret_value().encode()) < MIN_SECRET_BYTES


# Where the law lets a controller stop the clock while awaiting proof of identity, and whether
# it does by default (the UK ICO allows it); never the CCPA (§7021).
PAUSABLE = tuple(j.value for j in Jurisdiction if pauses_count(j, pause_policy=True))
PAUSE_CLOCK_DEFAULTS = {"gdpr": False, "uk_gdpr": True}


class Settings(BaseSettings):
    """Everything rightful reads from its environment. Secrets are SecretStr and never printed."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_nested_delimiter="__", extra="forbid")

    # --- store -----------------------------------------------------------------------------
    data_dir: Path = Path("var")
    database_url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file in data_dir"
    )
    max_body_bytes: int = Field(default=1_000_000, gt=0)

    # --- lifecycle and deadlines -----------------------------------------------------------
    pause_clock_awaiting_identity: dict[str, bool] = Field(
        default_factory=lambda: dict(PAUSE_CLOCK_DEFAULTS),
        description="Per jurisdiction: does the clock stop while waiting for identity proof? "
        "Keys given replace only those defaults. Never for CCPA.",
    )
    due_soon_days: int = Field(default=7, ge=0, le=LONGEST_WINDOW_DAYS)
    ccpa_close_unverified_at_deadline: bool = Field(
        default=True,
        description="The daily job closes CCPA requests still unverified at their deadline and "
        "tells the consumer (§7021; a request to know gets the general practices, §7024(e))",
    )
    ccpa_opt_out_notice_url: str | None = Field(
        default=None,
        description="The business's notice of the right to opt out of sale or sharing (its Do "
        "Not Sell or Share page), named where a denied CCPA deletion offers the opt-out "
        "(§7062(f)); the portal's opt-out form is offered with or without it",
    )
    ccpa_never_disclosed_categories: list[str] = Field(
        default_factory=lambda: list(CCPA_NEVER_DISCLOSED),
        description="Data categories (and those under them) whose values a CCPA package leaves "
        "empty and says it holds (Cal. Code Regs. tit. 11, §7024(d))",
    )
    restriction_notice_days: int = Field(
        default=14,
        ge=0,
        le=365,
        description="Days between telling a person a restriction will lift and lifting it "
        "(Art. 18(3) says only 'before'; the person needs time to answer)",
    )
    timezone: str = Field(
        default="UTC", description="The controller's time zone: a deadline ends at midnight there"
    )

    # --- audit chain -----------------------------------------------------------------------
    audit_checkpoint_every: int = Field(default=100, gt=0)
    audit_signing_key_file: Path | None = Field(
        default=None,
        description="Ed25519 private key (PEM); default data_dir/keys/audit_ed25519.pem",
    )

    # --- sources of personal data (the data map names them; DSNs live here, not in the DB) -
    sources: dict[str, SecretStr] = Field(default_factory=dict)
    datamap_files: Annotated[list[Path], NoDecode] = Field(
        default_factory=list, description="Comma-separated or a JSON list"
    )
    email_local_part_case_sensitive: bool = False
    default_phone_region: str = "DE"

    # --- identity verification -------------------------------------------------------------
    verification_secret: SecretStr | None = Field(
        default=None,
        description="HMAC key for one-time codes; default: generated into data_dir/keys",
    )
    code_ttl_minutes: int = Field(default=15, ge=1, le=1440)
    max_code_attempts: int = Field(default=5, ge=1, le=10)
    resend_interval_seconds: int = Field(default=60, ge=0)
    max_codes_per_request: int = Field(default=10, ge=1)
    code_window_hours: int = Field(
        default=24,
        ge=1,
        le=720,
        description="max_codes_per_request per channel in any this many hours; a mail's link "
        "works as long",
    )
    account_assertion_issuer: str | None = Field(
        default=None, description="iss of the controller's signed-in assertions; unset = off"
    )
    account_assertion_audience: str = "rightful"
    account_assertion_secret: SecretStr | None = Field(
        default=None, description="HS256 shared secret (at least 32 bytes)"
    )
    account_assertion_public_key: str | None = Field(
        default=None, description="PEM public key for RS256, ES256 or EdDSA assertions"
    )
    account_assertion_identity: Literal["account_id", "customer_id"] = "account_id"
    authority_max_bytes: int = Field(default=10_000_000, gt=0)
    controller_name: str = Field(default="rightful", description="Named in mails to requesters")

    # --- outgoing mail and SMS -------------------------------------------------------------
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, gt=0, lt=65536)
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "privacy@rightful.localhost"
    smtp_ca_file: Path | None = Field(default=None, description="CA bundle for a private relay")
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    sms_backend: Literal["none", "log", "webhook"] = Field(
        default="none",
        description="Where SMS codes go: none (SMS is not offered), log (development: kept in "
        "memory, only a hash of the number logged) or webhook (an HTTP gateway)",
    )
    sms_webhook_url: str | None = Field(
        default=None,
        validate_default=True,
        description='The gateway that takes POST {"to", "text"} as JSON; needed by webhook',
    )
    sms_webhook_token: SecretStr | None = Field(
        default=None, description="Sent to the gateway as `Authorization: Bearer <token>`"
    )
    sms_webhook_ca_file: Path | None = Field(
        default=None, description="CA bundle for a gateway with a private certificate"
    )
    sms_webhook_timeout_seconds: float = Field(default=10.0, gt=0)

    # --- jobs ------------------------------------------------------------------------------
    collect_when_verified: bool = Field(
        default=True,
        description="Build the package of an access or portability request as soon as it is "
        "verified and bound to its subject (False: staff start it with `rightful package build`)",
    )
    queue_backend: Literal["inline", "celery"] = "inline"
    celery_broker_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    celery_queue: str = Field(default="rightful", description="Queue the workers consume")

    # --- access packages -------------------------------------------------------------------
    package_master_key: SecretStr | None = Field(
        default=None,
        description="256-bit key (base64 or hex) wrapping each package's data key; default: "
        "generated into data_dir/keys/package_master",
    )
    package_previous_master_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Older master keys, still readable while `rightful package rotate-key` runs",
    )
    package_key_wrapper: str = Field(
        default="local",
        pattern=r"^(local|[A-Za-z_][\w.]*:[A-Za-z_]\w*)$",
        description="`local` (master keys from settings or data_dir), or `module:factory` of an "
        "external KMS adapter: factory(settings) returns a KeyWrapper",
    )
    package_key_retire_grace_minutes: int = Field(
        default=60,
        ge=0,
        description="A generated master key is retired only this long after it stopped being "
        "current, so that a build or upload that began before cannot still be using it",
    )
    package_signing_key_file: Path | None = Field(
        default=None,
        description="Ed25519 key (PEM) for manifests; default data_dir/keys/package_ed25519.pem",
    )
    package_pseudonym_key: SecretStr | None = Field(
        default=None,
        description="HMAC key for the subject pseudonym in manifests; default: generated into "
        "data_dir/keys/package_pseudonym",
    )
    package_chunk_bytes: int = Field(default=65536, ge=4096, le=16 * 1024 * 1024)
    package_write_past_cache: bool = Field(
        default=False,
        description="write package files past the page cache (O_DIRECT) where the filesystem "
        "allows it, for hosts where writing into the page cache is slow",
    )
    package_review_sample: int = Field(default=20, ge=1, le=500)
    build_lost_after_seconds: int = Field(
        default=300,
        ge=1,
        le=6 * 3600,
        description="A build whose heartbeat (written every tenth of this) is older than this "
        "was lost with its worker: the request can be built again",
    )
    attachment_max_bytes: int = Field(default=200_000_000, gt=0)
    privacy_contact: str | None = Field(
        default=None, description="Shown in packages: how to reach the controller or its DPO"
    )
    supervisory_authority: str | None = Field(
        default=None, description="Shown in packages: the lead supervisory authority"
    )

    # --- incidents (Art. 33, 34) -------------------------------------------------------------
    dpo_contact: str | None = Field(
        default=None,
        description="How to reach the DPO, as breach notices state it; default privacy_contact",
    )
    dpo_email: str | None = Field(
        default=None, description="Where deadline reminders of incidents are e-mailed"
    )
    breach_regimes: list[str] = Field(
        default_factory=lambda: ["gdpr"],
        description="Breach-notification regimes in force: gdpr, uk_gdpr, ccpa or your own",
    )
    breach_regime_policies: dict[str, dict[str, str | bool | int | float | None]] = Field(
        default_factory=dict,
        description="Per regime: authority_hours, subjects_hours, authority_level, "
        "subjects_level, authority_min_subjects, unintelligible_exempt, title, authority",
    )
    incident_reminder_hours: list[Annotated[int, Field(ge=1, le=24 * 366)]] = Field(
        default_factory=lambda: [24, 6],
        description="Remind the DPO this many hours before each notification deadline",
    )
    incident_acknowledgement_attempts: int = Field(
        default=24,
        ge=1,
        le=1000,
        description="Attempts to mail an outside reporter's acknowledgement (one per incident "
        "job, hourly) before it is given up and shown on the incident",
    )
    incident_notice_language: Literal["en", "de"] = "en"
    incident_export_dir: Path | None = Field(
        default=None,
        description="Where notices for the authority are written; default data_dir/incidents",
    )

    # --- web -------------------------------------------------------------------------------
    public_base_url: str = "http://127.0.0.1:8000"
    demo_mode: bool = False
    web_secret: SecretStr | None = Field(
        default=None,
        description="Key for cookies, CSRF, download codes and TOTP secrets (at least 32 bytes); "
        "default: generated into data_dir/keys/web_secret",
    )
    web_previous_secrets: list[SecretStr] = Field(
        default_factory=list,
        description="Secrets web_secret replaced: what was made under them (codes, links, "
        "cookies, form tokens, TOTP secrets) is still accepted, nothing new is made under them",
    )
    submissions_per_hour: int = Field(
        default=20,
        ge=0,
        description="Requests one network address may submit per hour through the portal or the "
        "public API (0: no limit); staff are not counted",
    )
    throttle_storage: str = Field(
        default="memory://",
        description="Where submissions are counted: memory:// (per process) or a redis:// URL "
        "shared by every server process",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; empty: the connecting address is the client's",
    )

    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token a Prometheus scraper sends for GET /metrics (at least 32 "
        "bytes); unset: /metrics is off (404)",
    )
    readiness_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="A /readyz check not done within this counts as failed, so the answer comes "
        "within about this however long a store or broker takes",
    )

    # --- delivery to the requester ---------------------------------------------------------
    link_ttl_days: int = Field(default=14, ge=1, le=90)
    link_max_downloads: int = Field(default=3, ge=1, le=20)
    sign_in_days_after_closing: int = Field(
        default=30,
        ge=0,
        le=366,
        description="Days after a request was closed or answered (or its last download link "
        "expired, if later) that portal sign-in codes still go out",
    )
    sign_in_codes_after_closing: int = Field(
        default=3,
        ge=1,
        description="Sign-in codes a closed or answered request is sent in any code_window_hours",
    )
    download_session_minutes: int = Field(
        default=240, ge=5, le=1440, description="How long one re-verification allows resuming"
    )
    passphrase_scrypt_log_n: int = Field(
        default=18, ge=10, le=22, description="age scrypt work factor for passphrase packages"
    )

    # --- staff console ---------------------------------------------------------------------
    console_session_idle_minutes: int = Field(default=30, ge=1, le=720)
    console_session_max_hours: int = Field(default=8, ge=1, le=24)
    console_max_sign_in_failures: int = Field(default=5, ge=1, le=50)
    console_max_sign_in_failures_per_user: int = Field(
        default=50, ge=1, le=10000,
        description="failures from any addresses before a user is locked everywhere",
    )  # fmt: skip
    staff_sso_issuer: str | None = Field(
        default=None, description="iss of staff SSO assertions; unset = password + TOTP only"
    )
    staff_sso_audience: str = "rightful-console"
    staff_sso_secret: SecretStr | None = None
    staff_sso_public_key: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin"
            ) from None
        return value

    @field_validator("pause_clock_awaiting_identity")
    @classmethod
    def _pause_policies(cls, value: dict[str, bool]) -> dict[str, bool]:
        """The keys given over the defaults: a table naming gdpr alone does not turn the UK GDPR
        pause off, and a misspelt jurisdiction does not pass for a policy."""
        unknown = sorted(set(value) - set(PAUSABLE))
        if unknown:
            raise ValueError(
                f"{unknown[0][:40]!r} is not a jurisdiction whose clock may pause; the keys are "
                f"{' and '.join(PAUSABLE)} (the CCPA clock never pauses)"
            )
        return {**PAUSE_CLOCK_DEFAULTS, **value}

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("ccpa_never_disclosed_categories")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        """A misspelt category would leave its numbers in every CCPA package."""
        if value == list(CCPA_NEVER_DISCLOSED):
            return value
        from rightful.adapters.datamap.fides_yaml import fides_categories

        unknown = [c for c in value if c not in fides_categories()]
        if unknown:
            raise ValueError(
                f"{unknown[0][:100]!r} is not a data category of the Fides taxonomy "
                "(such as user.government_id)"
            )
        return value

    @field_validator("datamap_files", mode="before")
    @classmethod
    def _path_list(cls, value: Any) -> Any:
        return path_list(value)

    @field_validator("ccpa_opt_out_notice_url")
    @classmethod
    def _notice_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("not an http(s) URL such as https://shop.example/do-not-sell")
        return value

    @field_validator("sms_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("sms_backend") == "webhook":
            raise ValueError('sms_backend "webhook" needs the gateway\'s URL in sms_webhook_url')
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("not an http(s) URL such as https://sms.example/send")
        return value

    @field_validator("verification_secret", "package_pseudonym_key", "web_secret")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """A configured HMAC key is long enough to be one (an empty one keys nothing)."""
        if value is not None and _too_short(value):
            raise ValueError(
                f"at least {MIN_SECRET_BYTES} bytes; leave it unset to have one generated"
            )
        return value

    @field_validator("web_previous_secrets")
    @classmethod
    def _strong_previous(cls, value: list[SecretStr]) -> list[SecretStr]:
        """Each previous web secret is held to what web_secret was."""
        if any(_too_short(v) for v in value):
            raise ValueError(f"each at least {MIN_SECRET_BYTES} bytes, as web_secret was")
        return value

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        """A blank token is none (metrics off); a short one could be guessed."""
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and _too_short(value):
            raise ValueError(f"at least {MIN_SECRET_BYTES} bytes (openssl rand -hex 32), or unset")
        return value

    @field_validator("account_assertion_secret", "staff_sso_secret")
    @classmethod
    def _strong_shared_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """An HS256 key shared with an identity provider was refused only at the first sign-in.
        A blank one is none, as a blank issuer is (a deployment's placeholder variable)."""
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and _too_short(value):
            raise ValueError(f"at least {MIN_SECRET_BYTES} bytes, or use the matching public_key")
        return value

    @model_validator(mode="after")
    def _one_assertion_key(self) -> Settings:
        """Signed assertions are checked with a shared secret or a public key, never both."""
        for prefix in ("account_assertion", "staff_sso"):
            if not getattr(self, f"{prefix}_issuer"):
                continue
            secret = getattr(self, f"{prefix}_secret")
            if (secret is None) == (getattr(self, f"{prefix}_public_key") is None):
                raise ValueError(
                    f"{prefix}_issuer needs exactly one of {prefix}_secret and {prefix}_public_key"
                )
        return self

    @model_validator(mode="after")
    def _window_holds_a_code(self) -> Settings:
        """A link lives for the window and must not die before its mail's code."""
        if self.code_window_hours * 60 < self.code_ttl_minutes:
            raise ValueError("code_window_hours must be at least code_ttl_minutes")
        return self

    @model_validator(mode="after")
    def _fewer_codes_after_closing(self) -> Settings:
        """A request that is over is sent fewer sign-in codes than an open one."""
        if self.sign_in_codes_after_closing > self.max_codes_per_request:
            raise ValueError("sign_in_codes_after_closing must be at most max_codes_per_request")
        return self

    @field_validator("default_phone_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        """An unknown region made every number given without a country code "not a phone
        number"."""
        import phonenumbers

        region = value.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(
                f"{value[:20]!r} is not a region of phone numbers; give a two-letter country "
                "code such as DE or US"
            )
        return region

    @field_validator("smtp_ca_file", "sms_webhook_ca_file")
    @classmethod
    def _ca_bundle(cls, value: Path | None) -> Path | None:
        """A missing bundle failed only when a message was sent, as if the server refused it."""
        if value is not None and not value.is_file():
            problem = "is not a file" if value.exists() else "does not exist"
            raise ValueError(f"the CA bundle {value} {problem}; name a PEM file or leave it unset")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        return [proxy_network(text) for text in value]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        refuse_unknown_variables(os.environ)
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file()
        if path is not None:
            sources.append(toml_source(settings_cls, path))
        return tuple(sources)

    @property
    def effective_database_url(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.data_dir / 'rightful.db').resolve()}"

    @property
    def effective_signing_key_file(self) -> Path:
        return self.audit_signing_key_file or self.data_dir / "keys" / "audit_ed25519.pem"

    @property
    def effective_package_signing_key_file(self) -> Path:
        return self.package_signing_key_file or self.data_dir / "keys" / "package_ed25519.pem"

    def public_view(self) -> dict[str, Any]:
        """The settings with every secret masked, for `rightful config show`."""
        view = self.model_dump(mode="json")
        view["database_url"] = mask_url(self.effective_database_url)
        view["sources"] = {
            name: mask_url(dsn.get_secret_value()) for name, dsn in self.sources.items()
        }
        view["celery_broker_url"] = mask_url(self.celery_broker_url.get_secret_value())
        for key, value in self.extra_public_view().items():
            view[key] = value
        view["config_file"] = str(config_file()) if config_file() else None
        return view

    def extra_public_view(self) -> dict[str, Any]:
        """Secret-bearing fields added by later modules mask themselves here."""
        masked: dict[str, Any] = {}
        for name, value in self:
            if isinstance(value, SecretStr) and name not in {"database_url", "celery_broker_url"}:
                masked[name] = "********" if value.get_secret_value() else ""
        return masked


def mask_url(url: str) -> str:
    """Hide the password of a URL such as postgresql://user:secret@host/db."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:********@{host}" if ":" in credentials else url


def proxy_network(text: str) -> str:
    """An address or network of trusted_proxies as the proxy-headers middleware matches it: it
    takes anything else (`not-a-net`, or `10.0.0.1/8` with host bits set) for a host name that
    no client ever has, so the proxy's clients would all share the proxy's address."""
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(
            f"{text[:60]!r} is not an address or network such as 10.0.0.5 or 10.0.0.0/8"
        ) from None
    return str(network) if "/" in text else str(network.network_address)


def path_list(value: Any) -> Any:
    """A list of paths as the environment gives it: `a.yaml,b.yaml` or `["a.yaml", "b.yaml"]`."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            raise ValueError("not a JSON list; or give the paths separated by commas") from None
    return [part.strip() for part in text.split(",") if part.strip()]


def refuse_unknown_variables(environ: Mapping[str, str]) -> None:
    """ConfigurationError for a RIGHTFUL_* variable that is no setting (a typo would otherwise
    leave the default in force without a word). Keys under a table setting are free."""
    fields = Settings.model_fields
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(PREFIX) or upper.startswith(TEST_SWITCHES):
            continue
        if upper in (CONFIG_ENV, NEW_USER_PASSWORD_ENV):
            continue
        key, nested, _ = upper.removeprefix(PREFIX).partition("__")
        field = fields.get(key.lower())
        if field is not None and (not nested or get_origin(field.annotation) is dict):
            continue
        close = difflib.get_close_matches(key.lower(), list(fields), n=1)
        hint = f"; did you mean {PREFIX}{close[0].upper()}?" if close else "; unset it"
        raise ConfigurationError(f"{name} is not a setting{hint}")


def describe_validation_error(exc: ValidationError) -> str:
    """One line naming the setting to fix; a rule between settings (an issuer's keys) names
    them in its words, so no empty setting name is printed before them."""
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    # pydantic words a validator's own message "Value error, ..."; the reader needs only ours.
    message = first["msg"].removeprefix("Value error, ")
    problem = f"invalid setting {loc}: {message}" if loc else f"invalid settings: {message}"
    return f"{problem} (check RIGHTFUL_* variables or the TOML file)"


def describe_settings_error(exc: SettingsError) -> str:
    """One line naming the variable pydantic-settings could not decode, and the form it takes."""
    found = re.search(r'field "(\w+)" from source "EnvSettingsSource"', str(exc))
    field = Settings.model_fields.get(found.group(1)) if found else None
    if found is None or field is None:
        return f"invalid settings: {exc}"
    variable = f"{PREFIX}{found.group(1).upper()}"
    if get_origin(field.annotation) is dict:
        example = '{"name": "value"}'
        return (
            f"cannot read {variable}: give a JSON object such as {variable}='{example}', "
            f"or one key at a time as {variable}__NAME=value"
        )
    example = '["first", "second"]'
    return f"cannot read {variable}: give a JSON list such as {variable}='{example}'"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings afresh (tests pass overrides instead of touching the environment)."""
    return Settings(**overrides)
