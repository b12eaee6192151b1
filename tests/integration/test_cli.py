"""The `rightful` command: store set-up, request commands, one-line errors with non-zero exits."""

from __future__ import annotations

import json
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rightful.adapters.db.delivery import UnknownSignInAskRow
from rightful.adapters.db.idempotency import IdempotencyKeyRow
from rightful.adapters.db.migrate import head_revision
from rightful.adapters.mail.sink import MailSink
from rightful.bootstrap import get_container, set_container
from rightful.domain.deadlines import Jurisdiction, add_calendar_months
from rightful.domain.errors import InvalidInputError
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import SYSTEM, Principal
from rightful.entrypoints.cli import common
from rightful.entrypoints.cli.main import app


@pytest.fixture
def relay() -> Iterator[MailSink]:
    """The mail relay the commands hand their notices to (a refusal makes them exit 1)."""
    with MailSink(port=0) as sink:
        yield sink


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relay: MailSink) -> Iterator[CliRunner]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RIGHTFUL_SMTP_PORT", str(relay.port))
    monkeypatch.setenv("RIGHTFUL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("RIGHTFUL_DATABASE_URL", raising=False)
    monkeypatch.delenv("RIGHTFUL_CONFIG", raising=False)
    set_container(None)
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    yield runner
    set_container(None)


@pytest.mark.parametrize(
    "command", [["requests", "list"], ["package", "list", "r1"], ["audit", "verify"]]
)
def test_without_a_store_commands_ask_for_init_and_create_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """Before `rightful init`, a command that needs the store says to run it, and leaves no
    data folder, database file or key behind."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RIGHTFUL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("RIGHTFUL_DATABASE_URL", raising=False)
    monkeypatch.delenv("RIGHTFUL_CONFIG", raising=False)
    set_container(None)
    try:
        code, out = run(CliRunner(), *command)
    finally:
        set_container(None)
    assert code == 2 and out.strip().count("\n") == 0 and "run `rightful init`" in out
    assert list(tmp_path.iterdir()) == []


def run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.output


def with_datamap(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo estate's data map, for commands that check against it."""
    from rightful.demo.estate import DATAMAP_FILES

    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", ",".join(map(str, DATAMAP_FILES)))
    set_container(None)


def submit(cli: CliRunner) -> str:
    code, out = run(cli, "requests", "submit", "access", "--email", "a@example.org")
    assert code == 0, out
    return out.split()[0]


def test_a_request_goes_through_the_cli_and_shows_its_timeline(cli: CliRunner) -> None:
    rid = submit(cli)
    assert run(cli, "requests", "move", rid, "awaiting_verification")[0] == 0
    code, out = run(cli, "requests", "show", rid, "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["status"] == "awaiting_verification"
    actions = [e["action"] for e in shown["timeline"]]
    assert actions[0] == "request.submitted" and "request.transitioned" in actions


def test_the_store_is_readable_by_its_owner_only(cli: CliRunner, tmp_path: Path) -> None:
    """The SQLite store holds requesters' e-mails, names and phones in clear: its folder and
    files are private, as keys and packages are, the -wal and -shm of the first request too."""
    var = tmp_path / "var"
    private = {
        "var": 0o700,
        "rightful.db": 0o600,
        "rightful.db-wal": 0o600,
        "rightful.db-shm": 0o600,
    }

    def modes() -> dict[str, int]:
        return {p.name: stat.S_IMODE(p.stat().st_mode) for p in [var, *var.glob("rightful.db*")]}

    assert modes().items() <= private.items() and "rightful.db" in modes()
    submit(cli)
    assert modes() == private


def test_init_names_the_database_it_set_up_without_its_password(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> None:
    code, out = run(cli, "init")
    assert code == 0 and out.strip() == f"store ready at {tmp_path / 'var' / 'rightful.db'}"
    with_password = pg_url.replace("postgres@", "postgres:s3cret@")
    monkeypatch.setenv("RIGHTFUL_DATABASE_URL", with_password)
    set_container(None)
    code, out = run(cli, "init")
    assert code == 0, out
    assert out.strip() == f"store ready at {with_password.replace('s3cret', '***')}"


def test_init_leaves_a_store_a_newer_version_migrated_and_says_so_in_one_line(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It stopped with Alembic's "Can't locate revision" traceback (so did serve, which runs
    init's steps before it listens)."""
    store = Path("var/rightful.db").resolve()
    with sqlite3.connect(store) as db:
        db.execute("UPDATE alembic_version SET version_num = '0099_from_a_later_version'")
    set_container(None)
    code, out = run(cli, "init")
    assert code == 2 and out.strip() == (
        f"error: the store at {store} is at schema revision 0099_from_a_later_version, "
        f"which this version of rightful does not know (its newest is {head_revision()}): "
        "a newer rightful migrated it; run that version"
    ), out
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0099_from_a_later_version",)
        ]


def test_an_illegal_move_fails_with_one_line_and_a_non_zero_exit(cli: CliRunner) -> None:
    rid = submit(cli)
    code, out = run(cli, "requests", "move", rid, "expired", "--reason", "gave up")
    assert code != 0
    assert out.strip().count("\n") == 0
    assert "cannot move from received to expired" in out
    code, out = run(cli, "requests", "move", rid, "closed")
    assert code != 0 and out.strip().count("\n") == 0
    assert "closed by its outcome" in out


def test_a_rejection_by_a_bare_move_is_refused_and_names_the_refuse_command(
    cli: CliRunner,
) -> None:
    """REQUIREMENTS.md:7 (Art. 12(4)): rejecting goes through `refuse`, with reasons."""
    rid = submit(cli)
    code, out = run(cli, "requests", "move", rid, "rejected", "--reason", "spam")
    assert code != 0 and out.strip().count("\n") == 0
    assert "rightful requests refuse" in out


def test_show_tells_staff_what_the_requester_was_told_and_why_it_moved(cli: CliRunner) -> None:
    """REQUIREMENTS.md:7 (Art. 12(4)): the refusal's reasons and the notice sent are part of
    the request's record on screen and in JSON, with ISO 8601 times."""
    rid = submit(cli)
    code, out = run(cli, "requests", "refuse", rid, "--reason", "manifestly unfounded")
    assert code == 0, out
    code, out = run(cli, "requests", "show", rid)
    assert code == 0, out
    assert "refused because: manifestly unfounded" in out
    assert "refusal" in out and "supervisory authority" in out
    shown = json.loads(run(cli, "requests", "show", rid, "--json")[1])
    assert [n["kind"] for n in shown["notices"]] == ["acknowledgement", "refusal"]
    assert shown["transitions"][-1]["reason"] == "manifestly unfounded"
    assert datetime.fromisoformat(shown["notices"][-1]["sent_at"]).tzinfo is not None


def test_the_due_list_in_json_has_iso_times(cli: CliRunner) -> None:
    submit(cli)
    due = json.loads(run(cli, "requests", "due", "--json")[1])
    assert due and datetime.fromisoformat(due[0]["respond_by"]).tzinfo is not None
    assert "T" in due[0]["respond_by"]


def test_deadlines_are_shown_on_the_controllers_day_not_the_stores_utc_one(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUIREMENTS.md:9 (CCPA §7021): 45 days from receipt, in California. A request received
    on 2 March is due by the end of 16 April there, 07:59 UTC on 17 April: the list and the due
    list showed 17 April, a day after the deadline."""
    monkeypatch.setenv("RIGHTFUL_TIMEZONE", "America/Los_Angeles")
    set_container(None)
    code, out = run(cli, "requests", "submit", "access", "--jurisdiction", "ccpa",
                    "--email", "a@example.org", "--received-at", "2026-03-02T09:15")  # fmt: skip
    assert code == 0 and "respond by 2026-04-16 23:59 PDT" in out, out
    rid = out.split()[0]
    for command in (["list"], ["due"]):
        code, out = run(cli, "requests", *command)
        [line] = [line for line in out.splitlines() if rid in line]
        assert code == 0 and "2026-04-16" in line and "2026-04-17" not in line, out
    code, out = run(cli, "requests", "show", rid)
    assert "received 2026-03-02 09:15 PST, respond by 2026-04-16 23:59 PDT" in out, out


def test_the_due_window_is_bounded_as_in_the_api(cli: CliRunner) -> None:
    """House rule: bad input is refused with what to fix (`--within-days 99999999999` failed
    with OverflowError); the API's within_days stops at 3660 days too."""
    submit(cli)
    code, out = run(cli, "requests", "due", "--within-days", "99999999999")
    assert code == 2 and "--within-days" in out and "3660" in out and "Traceback" not in out
    assert len(json.loads(run(cli, "requests", "due", "--within-days", "3660", "--json")[1])) == 1


def test_the_cli_keeps_to_the_lengths_the_api_allows(cli: CliRunner) -> None:
    """House rule: one line saying what to fix, nothing half-written. A name of 100,000
    characters was stored, and a reason as long was mailed to the requester and used up the one
    extension the law allows (REQUIREMENTS.md:6, 9); the API stops at 200 and 2000."""
    code, out = run(cli, "requests", "submit", "access", "--email", "a@example.org",
                    "--name", "x" * 100_000)  # fmt: skip
    assert code == 2 and out.strip() == "error: name: at most 200 characters"
    assert json.loads(run(cli, "requests", "list", "--json")[1]) == []
    rid = submit(cli)
    code, out = run(cli, "requests", "extend", rid, "--reason", "x" * 100_000)
    assert code == 2 and out.strip() == "error: the extension's reason: at most 2000 characters"
    code, out = run(cli, "requests", "extend", rid, "--reason", "Recordings are in three systems")
    assert code == 0, out


def test_refusing_a_refused_request_says_it_is_refused_already(cli: CliRunner) -> None:
    rid = submit(cli)
    assert run(cli, "requests", "refuse", rid, "--reason", "spam")[0] == 0
    code, out = run(cli, "requests", "refuse", rid, "--reason", "spam")
    assert code != 0 and out.strip().count("\n") == 0
    assert "is rejected already" in out


def test_a_letter_opened_late_counts_from_when_it_arrived(cli: CliRunner) -> None:
    """REQUIREMENTS.md:6 (Art. 12(3)): the month runs from receipt, not from data entry."""
    arrived = datetime.now(UTC).date() - timedelta(days=10)
    code, out = run(cli, "requests", "submit", "access", "--email", "a@example.org",
                    "--received-at", arrived.isoformat())  # fmt: skip
    assert code == 0, out
    assert f"respond by {add_calendar_months(arrived, 1).isoformat()}" in out
    shown = json.loads(run(cli, "requests", "show", out.split()[0], "--json")[1])
    assert shown["received_at"].startswith(arrived.isoformat())
    submitted = next(e for e in shown["timeline"] if e["action"] == "request.submitted")
    assert submitted["summary"]["received_at"].startswith(arrived.isoformat())


@pytest.mark.parametrize(
    ("given", "said"),
    [("next tuesday", "takes an ISO date"), ("2999-01-01", "is in the future")],
)
def test_a_receipt_time_that_cannot_be_is_refused_in_one_line(
    cli: CliRunner, given: str, said: str
) -> None:
    code, out = run(cli, "requests", "submit", "access", "--email", "a@example.org",
                    "--received-at", given)  # fmt: skip
    assert code != 0 and out.strip().count("\n") == 0 and said in out


def test_only_staff_may_backdate_a_request(cli: CliRunner) -> None:
    """A requester cannot move their own deadline by claiming an earlier receipt."""
    new = NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email="a@example.org",
                     received_at=datetime.now(UTC) - timedelta(days=40))  # fmt: skip
    with pytest.raises(InvalidInputError, match="only staff"):
        get_container().requests.submit(new, Principal("public", None))


def test_bad_input_names_what_to_fix(cli: CliRunner) -> None:
    code, out = run(cli, "requests", "submit", "everything", "--email", "a@example.org")
    assert code != 0 and "unknown request type" in out
    code, out = run(cli, "requests", "submit", "access", "--email", "nobody")
    assert code != 0 and out.strip().count("\n") == 0
    code, out = run(cli, "requests", "show", "no-such-id")
    assert code != 0 and "no request" in out


def test_config_show_masks_secrets(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    set_container(None)
    monkeypatch.setenv("RIGHTFUL_SOURCES__CRM", "postgresql://reader:hunter2@db/crm")
    code, out = run(cli, "config", "show")
    assert code == 0
    shown = json.loads(out)
    assert "hunter2" not in out
    assert shown["sources"]["crm"] == "postgresql://reader:********@db/crm"


def test_config_reads_a_toml_file(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rightful.toml").write_text("due_soon_days = 3\n")
    set_container(None)
    code, out = run(cli, "config", "show")
    assert code == 0 and json.loads(out)["due_soon_days"] == 3


def test_an_invalid_setting_is_one_line(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    set_container(None)
    monkeypatch.setenv("RIGHTFUL_DUE_SOON_DAYS", "soon")
    code, out = run(cli, "config", "show")
    assert code != 0 and "due_soon_days" in out


def one_line_error(code: int, out: str) -> bool:
    return code == 2 and out.startswith("error: ") and out.strip().count("\n") == 0


def settings_of(cli: CliRunner) -> dict[str, Any]:
    set_container(None)
    code, out = run(cli, "config", "show")
    assert code == 0, out
    return dict(json.loads(out))


def test_a_webhook_sms_backend_without_its_url_is_one_line_naming_the_setting(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_container(None)
    monkeypatch.setenv("RIGHTFUL_SMS_BACKEND", "webhook")
    code, out = run(cli, "config", "show")
    assert one_line_error(code, out) and "sms_webhook_url" in out and '"webhook" needs' in out


def test_the_sms_gateway_token_is_masked(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIGHTFUL_SMS_BACKEND", "webhook")
    monkeypatch.setenv("RIGHTFUL_SMS_WEBHOOK_URL", "https://sms.example/send")
    monkeypatch.setenv("RIGHTFUL_SMS_WEBHOOK_TOKEN", "gw-secret")
    shown = settings_of(cli)
    assert (shown["sms_backend"], shown["sms_webhook_token"]) == ("webhook", "********")


def test_datamap_files_from_the_environment_are_a_comma_separated_or_json_list(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RIGHTFUL_DATAMAP_FILES takes `a.yaml,b.yaml` as well as `["a.yaml", "b.yaml"]`."""
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", "maps/a.yaml, maps/b.yaml")
    assert settings_of(cli)["datamap_files"] == ["maps/a.yaml", "maps/b.yaml"]
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", "maps/a.yaml")
    assert settings_of(cli)["datamap_files"] == ["maps/a.yaml"]
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", '["maps/a,1.yaml"]')
    assert settings_of(cli)["datamap_files"] == ["maps/a,1.yaml"]


def test_without_a_data_map_a_command_that_needs_one_says_how_to_give_it(cli: CliRunner) -> None:
    """The hint names the variable, the form it takes, and the TOML alternative."""
    code, out = run(cli, "verify", "status", submit(cli))
    assert code == 2 and out.strip().count("\n") == 0
    assert "RIGHTFUL_DATAMAP_FILES" in out and "separated by commas" in out
    assert "datamap_files in the TOML file" in out


def test_a_variable_that_is_not_json_where_json_is_needed_is_one_line_naming_it(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list or table setting given by environment that pydantic-settings cannot decode names
    the variable and the form it takes, on one line."""
    set_container(None)
    monkeypatch.setenv("RIGHTFUL_INCIDENT_REMINDER_HOURS", "24,6")
    code, out = run(cli, "config", "show")
    assert one_line_error(code, out) and "RIGHTFUL_INCIDENT_REMINDER_HOURS='[" in out


def test_a_toml_file_that_is_not_toml_is_one_line_naming_the_file_and_line(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Invalid TOML: one line with the file and the line of the mistake, exit 2."""
    bad = tmp_path / "bad.toml"
    bad.write_text("due_soon_days = 3\ntimezone = = 'UTC'\n")
    monkeypatch.setenv("RIGHTFUL_CONFIG", str(bad))
    set_container(None)
    code, out = run(cli, "config", "show")
    assert one_line_error(code, out) and f"{bad}: not valid TOML" in out and "line 2" in out


def test_a_configuration_file_named_explicitly_must_exist(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RIGHTFUL_CONFIG naming a missing file is an error; a missing ./rightful.toml is not."""
    assert not (tmp_path / "rightful.toml").exists()
    assert "due_soon_days" in settings_of(cli)
    monkeypatch.setenv("RIGHTFUL_CONFIG", str(tmp_path / "nonexistent.toml"))
    set_container(None)
    code, out = run(cli, "config", "show")
    assert one_line_error(code, out) and "nonexistent.toml, which does not exist" in out


@pytest.mark.parametrize(
    ("variable", "said"),
    [
        ("RIGHTFUL_BOGUS", "RIGHTFUL_BOGUS is not a setting; unset it"),
        ("RIGHTFUL_DATAMAP_FILE", "did you mean RIGHTFUL_DATAMAP_FILES?"),
        ("RIGHTFUL_DUE_SOON_DAY", "did you mean RIGHTFUL_DUE_SOON_DAYS?"),
        ("RIGHTFUL_DATA_DIR__OTHER", "did you mean RIGHTFUL_DATA_DIR?"),
    ],
)
def test_an_unknown_rightful_variable_is_an_error_with_a_suggestion(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, variable: str, said: str
) -> None:
    """A RIGHTFUL_* variable that is no setting (a typo, or keys under a setting that takes
    none) is refused instead of silently leaving the default in force."""
    monkeypatch.setenv(variable, "1")
    set_container(None)
    code, out = run(cli, "config", "show")
    assert one_line_error(code, out) and said in out


def test_keys_under_table_settings_and_variables_read_elsewhere_are_allowed(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys under a table setting are free; RIGHTFUL_CONFIG, RIGHTFUL_NEW_USER_PASSWORD and the
    test suite's RIGHTFUL_TEST_* switches are not settings but are read directly."""
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("RIGHTFUL_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.setenv("RIGHTFUL_NEW_USER_PASSWORD", "not a setting either")
    monkeypatch.setenv("RIGHTFUL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    monkeypatch.setenv("RIGHTFUL_SOURCES__crm", "postgresql://reader@db/crm")
    monkeypatch.setenv("RIGHTFUL_BREACH_REGIME_POLICIES__gdpr__authority_hours", "48")
    shown = settings_of(cli)
    assert shown["sources"] == {"crm": "postgresql://reader@db/crm"}
    assert shown["breach_regime_policies"] == {"gdpr": {"authority_hours": "48"}}


@pytest.mark.parametrize("command", [["requests", "list"], ["requests", "due"]])
def test_request_ids_are_printed_whole_on_an_80_column_terminal(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """Ids are copied into the next command: tables never shorten them, even at 80 columns."""
    monkeypatch.setattr(common.console, "width", 80)
    rid = submit(cli)
    code, out = run(cli, *command)
    assert code == 0 and rid in out


def test_piped_tables_keep_each_request_on_one_whole_line(cli: CliRunner) -> None:
    """Output read by a program (`| grep`, a script) is not cut to 80 columns."""
    rid = submit(cli)
    code, out = run(cli, "requests", "list")
    assert code == 0
    [row] = [line for line in out.splitlines() if rid in line]
    assert "received" in row and "jurisdiction" in out and "…" not in out


def test_due_flags_overdue_requests(cli: CliRunner) -> None:
    submit(cli)
    code, out = run(cli, "requests", "due", "--json")
    assert code == 0
    assert [d["urgency"] for d in json.loads(out)] == ["ok"]


def test_a_delivered_request_is_not_due(cli: CliRunner) -> None:
    """A delivered request was answered: its deadline was met, so `requests due` no longer
    counts it down (it stays open, in `requests list`, until it is closed)."""
    delivered, waiting = submit(cli), submit(cli)
    requests = get_container().requests
    for status in ("awaiting_verification", "verified", "collecting", "in_review", "approved"):
        requests.move(delivered, Status(status), SYSTEM)
    requests.move(delivered, Status.DELIVERED, SYSTEM)
    code, out = run(cli, "requests", "due", "--json")
    assert code == 0 and [d["id"] for d in json.loads(out)] == [waiting]
    code, out = run(cli, "requests", "list", "--open", "--json")
    assert delivered in [r["id"] for r in json.loads(out)]


def test_audit_verify_passes_on_an_untouched_store(cli: CliRunner) -> None:
    submit(cli)
    code, out = run(cli, "audit", "verify")
    assert code == 0, out


def test_the_daily_job_runs_on_a_fresh_store_and_after_requests(cli: CliRunner) -> None:
    code, out = run(cli, "jobs", "daily")
    assert code == 0, out
    submit(cli)
    code, out = run(cli, "jobs", "daily")
    assert code == 0 and "0 overdue" in out


def test_the_daily_job_forgets_the_keys_of_submissions_older_than_a_day(cli: CliRunner) -> None:
    """A form's token or an API client's Idempotency-Key is kept a day (a repeat within it is no
    new request), then removed by the daily job: no daemon of its own."""
    rid = submit(cli)
    c, now = get_container(), datetime.now(UTC)
    with c.store.transaction() as session:
        for hours, digest in ((25, "a"), (1, "b")):
            session.add(IdempotencyKeyRow(
                scope="portal", key_digest=digest * 64, body_digest="0" * 64, request_id=rid,
                created_at=now - timedelta(hours=hours),
            ))  # fmt: skip
    code, out = run(cli, "jobs", "daily")
    assert code == 0 and "1 submission key older than 24 hours removed" in out, out
    with c.store.transaction() as session:
        assert [k.key_digest[0] for k in session.query(IdempotencyKeyRow)] == ["b"]


def test_the_daily_job_forgets_sign_in_asks_for_unknown_ids_past_the_code_window(
    cli: CliRunner,
) -> None:
    """Asks for a sign-in code for an id no request has are kept as long as they count for the
    limits (`code_window_hours`, 24), then removed by the daily job: they do not pile up."""
    c, now = get_container(), datetime.now(UTC)
    with c.store.transaction() as session:
        for hours in (25, 24, 1):
            session.add(UnknownSignInAskRow(request_id=f"{hours:036d}",
                                            asked_at=now - timedelta(hours=hours)))  # fmt: skip
    code, out = run(cli, "jobs", "daily")
    assert code == 0 and "2 sign-in asks for request ids no request has removed" in out, out
    with c.store.transaction() as session:
        assert [a.request_id for a in session.query(UnknownSignInAskRow)] == [f"{1:036d}"]
    assert not (c.settings.data_dir / "keys" / "web_secret").exists(), "no web key made for it"


def test_a_notice_the_relay_refuses_fails_the_command_and_the_daily_job_sends_it_once(
    cli: CliRunner, relay: MailSink
) -> None:
    """REQUIREMENTS.md:6-7, 9 (Art. 12(3), 12(4); CCPA §7021): a command whose notice reached
    nobody says so and exits 1; the daily job tries again until the relay takes it, exits 1 while
    it does not, and never sends a second copy of one that went out."""
    relay.refusing = True
    code, out = run(cli, "requests", "submit", "access", "--email", "a@example.org")
    rid = out.split()[0]
    assert code == 1 and f"not told: {rid} (acknowledgement)" in out
    code, out = run(cli, "requests", "extend", rid, "--reason", "Recordings are in three systems")
    assert code == 1 and f"{rid} (extension)" in out and f"{rid} (acknowledgement)" not in out
    code, out = run(cli, "jobs", "daily")
    assert code == 1 and "2 notice(s) reached nobody" in out
    relay.refusing = False
    code, out = run(cli, "jobs", "daily")
    assert code == 0 and "2 notices the mail relay refused before went out now" in out, out
    code, out = run(cli, "jobs", "daily")
    assert code == 0 and "went out now" not in out
    assert len(relay.wait_for("a@example.org", count=2)) == 2
    code, out = run(cli, "requests", "show", rid, "--json")
    actions = [e["action"] for e in json.loads(out)["timeline"]]
    assert actions.count("notice.mail_refused") == 4 and actions.count("notice.mailed") == 2


def test_a_request_by_phone_fails_its_commands_and_the_daily_job_until_staff_record_telling(
    cli: CliRunner, relay: MailSink
) -> None:
    """REQUIREMENTS.md:6-7, 9 (Art. 12(3), 12(4); CCPA §7021): a notice with no e-mail address
    reached nobody as much as a refused one; it stops failing the daily job once staff record
    that they told the requester another way, and the words stay out of the audit chain."""
    code, out = run(cli, "requests", "submit", "access", "--phone", "+49 30 1234567")
    rid = out.split()[0]
    assert code == 1 and f"{rid} (acknowledgement) notice 1 [no e-mail address]" in out, out
    code, out = run(cli, "jobs", "daily")
    assert code == 1 and f"{rid} (acknowledgement)" in out, out
    code, out = run(cli, "requests", "told-otherwise", rid, "1", "--way", "phone",
                    "--how", "called")  # fmt: skip
    assert code == 2 and "at least 10 visible characters" in out and len(out.splitlines()) == 1
    code, out = run(cli, "requests", "told-otherwise", rid, "1", "--way", "fax", "--how", "x" * 12)
    assert code == 2 and "phone, letter, in_person, other" in out
    how = "Called back on 5 December; read the acknowledgement out"
    code, out = run(cli, "requests", "told-otherwise", rid, "1", "--way", "phone", "--how", how)
    assert code == 0 and "recorded that the requester was told (phone)" in out, out
    code, out = run(cli, "jobs", "daily")
    assert code == 0, out
    code, out = run(cli, "requests", "show", rid, "--json")
    shown = json.loads(out)
    assert [n["mail_state"] for n in shown["notices"]] == ["told_otherwise"]
    assert "read the acknowledgement" not in str(shown["timeline"])
    assert relay.messages() == []


def test_the_daily_job_says_how_many_closed_ccpa_requesters_were_told(
    cli: CliRunner, relay: MailSink
) -> None:
    """REQUIREMENTS.md:9 (§7021): a CCPA request closed unverified at its deadline is reported
    as told only when the relay took its notice."""
    received = (datetime.now(UTC) - timedelta(days=50)).date().isoformat()
    code, out = run(cli, "requests", "submit", "access", "--jurisdiction", "ccpa",
                    "--email", "c@example.org", "--received-at", received)  # fmt: skip
    rid = out.split()[0]
    assert code == 0 and run(cli, "requests", "move", rid, "awaiting_verification")[0] == 0
    relay.refusing = True
    code, out = run(cli, "jobs", "daily")
    assert code == 1 and "closed unverified at the deadline; 0 requesters told by mail" in out
    assert f"not told: {rid} (expiry)" in out
    relay.refusing = False
    code, out = run(cli, "jobs", "daily")
    assert code == 0 and "1 notice the mail relay refused before went out now" in out
    [expiry] = relay.wait_for("c@example.org", count=2)[:1]
    assert rid[:8] in expiry.subject


def test_a_ccpa_request_by_phone_closed_at_the_deadline_is_not_counted_as_told_by_mail(
    cli: CliRunner, relay: MailSink
) -> None:
    """REQUIREMENTS.md:9 (§7021): its expiry notice had no address to go to, yet the daily job
    counted its requester as told by mail and exited 0."""
    received = (datetime.now(UTC) - timedelta(days=50)).date().isoformat()
    code, out = run(cli, "requests", "submit", "access", "--jurisdiction", "ccpa",
                    "--phone", "+1 415 555 0134", "--received-at", received)  # fmt: skip
    rid = out.split()[0]
    assert run(cli, "requests", "move", rid, "awaiting_verification")[0] == 0
    code, out = run(cli, "jobs", "daily")
    assert code == 1 and "closed unverified at the deadline; 0 requesters told by mail" in out, out
    assert f"{rid} (expiry)" in out and relay.messages() == []


def test_an_erasure_outcome_is_recorded_from_the_cli_and_shown(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUIREMENTS.md:25 (Art. 17, 19): ground, erased, kept with the exception, recipients;
    each a category of the data map (one that is not closed the request, irreversibly, and told
    the requester of it)."""
    from rightful.bootstrap import get_container
    from rightful.domain.lifecycle import Status
    from rightful.domain.staff import SYSTEM

    with_datamap(monkeypatch)
    code, out = run(cli, "requests", "submit", "erasure", "--email", "a@example.org")
    rid = out.split()[0]
    assert run(cli, "requests", "move", rid, "awaiting_verification")[0] == 0
    get_container().requests.move(rid, Status.VERIFIED, SYSTEM, "code confirmed")
    code, out = run(cli, "requests", "erased", rid, "--ground", "a", "--erased", "not.a.category")
    assert code == 2 and out.strip().count("\n") == 0
    assert "'not.a.category' is not a data category of the data map" in out
    assert get_container().requests.get(rid).status == Status.VERIFIED
    code, out = run(cli, "requests", "erased", rid, "--ground", "a", "--kept", "user.content")
    assert code == 2 and out.strip().count("\n") == 0 and "CATEGORY=LETTER" in out
    code, out = run(cli, "requests", "erased", rid, "--ground", "a", "--erased", "user.contact",
                    "--kept", "user.content=b", "--recipients-told", "2")  # fmt: skip
    assert code == 0, out
    code, out = run(cli, "requests", "show", rid)
    shown = " ".join(out.split())  # however the console wrapped it
    expected = ("erased under Art. 17(1)(a): Contact details (user.contact); "
                "kept: Content you created (user.content) (17(3)(b));")  # fmt: skip
    assert f"{expected} recipients told: 2" in shown


def test_a_restriction_is_recorded_listed_and_announced_from_the_cli(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUIREMENTS.md:25 (Art. 18(3)): no lifting before the person is told of the day; a
    restriction in force names categories of the data map only."""
    from rightful.bootstrap import get_container
    from rightful.domain.lifecycle import Status
    from rightful.domain.staff import SYSTEM

    with_datamap(monkeypatch)
    code, out = run(cli, "requests", "submit", "restriction", "--email", "a@example.org")
    rid = out.split()[0]
    assert run(cli, "requests", "move", rid, "awaiting_verification")[0] == 0
    get_container().requests.move(rid, Status.VERIFIED, SYSTEM, "code confirmed")
    code, out = run(cli, "requests", "restricted", rid, "--ground", "a", "--category", "not.a.cat")
    assert code == 2 and "'not.a.cat' is not a data category of the data map" in out
    assert json.loads(run(cli, "requests", "restrictions", "--json")[1]) == []
    code, out = run(cli, "requests", "restricted", rid, "--ground", "a")
    assert code == 2 and out.strip().count("\n") == 0 and "name the data categories" in out
    code, out = run(cli, "requests", "restricted", rid, "--ground", "a", "--category",
                    "user.contact", "--recipients-told", "1")  # fmt: skip
    assert code == 0, out
    code, out = run(cli, "requests", "restrictions", "--json")
    assert code == 0 and json.loads(out)[0]["request_id"] == rid
    assert json.loads(out)[0]["categories"] == ["user.contact"]  # for machines: the key
    code, out = run(cli, "requests", "restrictions")
    assert code == 0 and "Contact details (user.contact)" in " ".join(out.split()), out
    code, out = run(cli, "requests", "lift", rid)
    assert code != 0 and "Art. 18(3)" in out
    code, out = run(cli, "requests", "lift-notice", rid, "--on", "15.1.2027", "--reason", "x" * 30)
    assert code == 2 and "ISO date" in out
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    code, out = run(cli, "requests", "lift-notice", rid, "--on", day, "--reason",
                    "We verified that your postal address is correct.")  # fmt: skip
    assert code == 0, out
    code, out = run(cli, "requests", "show", rid)
    shown = " ".join(out.split())
    assert (
        f"restricted under Art. 18(1)(a): Contact details (user.contact); recipients told: 1; "
        f"lifts on {day}" in shown
    )


def test_a_refusal_under_art_12_5_names_its_ground_from_the_cli(cli: CliRunner) -> None:
    """REQUIREMENTS.md:8: a recorded decision with its justification."""
    code, out = run(cli, "requests", "submit", "access", "--email", "a@example.org")
    rid = out.split()[0]
    code, out = run(cli, "requests", "refuse", rid, "--reason", "x" * 60, "--manifestly", "rude")
    assert code == 2 and out.strip().count("\n") == 0 and "unfounded or excessive" in out
    code, out = run(
        cli, "requests", "refuse", rid, "--reason", "again", "--manifestly", "excessive"
    )
    assert code == 2 and "at least 50 characters" in out
    why = "Sent daily for a month; every earlier copy was delivered in full."
    code, out = run(cli, "requests", "refuse", rid, "--reason", why, "--manifestly", "excessive")
    assert code == 0, out
    code, out = run(cli, "requests", "show", rid)
    assert "request.refused_manifestly" in out and "ground=excessive" in " ".join(out.split())
    said = " ".join(out.split())
    assert "refused as manifestly excessive (Article 12(5) GDPR; 0 other requests from the" in said
    code, out = run(cli, "requests", "show", rid, "--json")
    shown = json.loads(out)
    assert shown["refused_manifestly"] == {"ground": "excessive", "earlier_requests": 0}


def test_a_rectification_is_recorded_by_field_from_the_cli(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUIREMENTS.md:25 (Art. 16): which fields changed, each one of the data map; the request
    stays open until every other place holding that data is corrected or kept with why."""
    from rightful.bootstrap import get_container
    from rightful.demo.estate import DATAMAP_FILES
    from rightful.domain.lifecycle import Status

    code, out = run(cli, "requests", "submit", "rectification", "--email", "a@example.org")
    rid = out.split()[0]
    assert run(cli, "requests", "move", rid, "awaiting_verification")[0] == 0
    get_container().requests.move(rid, Status.VERIFIED, SYSTEM, "code confirmed")
    code, out = run(cli, "requests", "rectified", rid, "--field", "accounts.customers.email")
    assert code == 2 and out.strip().count("\n") == 0 and "RIGHTFUL_DATAMAP_FILES" in out
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", ",".join(map(str, DATAMAP_FILES)))
    set_container(None)
    code, out = run(cli, "requests", "rectified", rid, "--field", "accounts.customers.shoe")
    assert code == 2 and "not a field of the data map" in out
    code, out = run(cli, "requests", "rectified", rid, "--field", "accounts.customers.email")
    assert code == 0 and "still verified: 3 places also holding the data" in out, out
    code, out = run(cli, "requests", "show", rid)
    assert "rectified (Art. 16): accounts.customers.email; recipients told: 0" in out
    assert "also held in shop.newsletter.email: open" in out
    kept = "--kept", "accounts.email_history.email=the history of sign-in addresses, as it was"
    code, out = run(cli, "requests", "rectified", rid, "--kept", "shop.newsletter.email")
    assert code == 2 and out.strip().count("\n") == 0 and "field=why" in out
    code, out = run(cli, "requests", "rectified", rid, "--field", "shop.newsletter.email", *kept)
    assert code == 0 and "still verified: 1 place also" in out
    assert "also held in accounts.email_history.email: kept: the history" in out
    code, out = run(cli, "requests", "rectified", rid, "--field", "shop.support_tickets.email")
    assert code == 0 and "now closed; the requester is told" in out


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("RIGHTFUL_DATA_DIR", "afile", "is a file, not a folder"),
        ("RIGHTFUL_DATABASE_URL", "mongodb://h/d", "no driver for mongodb://"),
        # init made the tables, and then no request could be recorded: MariaDB has no
        # UPDATE … RETURNING for the audit chain's head, and a DATETIME drops the microseconds
        # its hashes cover.
        ("RIGHTFUL_DATABASE_URL", "mysql+pymysql://root@127.0.0.1/rightful",
         "database_url: rightful's own store runs on PostgreSQL (postgresql+psycopg://…) or "
         "SQLite (sqlite:///…), not on mysql+pymysql:// (MariaDB and MySQL serve as sources of a "
         "data map only)"),
    ],
)  # fmt: skip
def test_init_with_a_setting_it_cannot_use_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, value: str, said: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("")
    monkeypatch.setenv("RIGHTFUL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("RIGHTFUL_CONFIG", raising=False)
    monkeypatch.setenv(setting, str(tmp_path / value) if value == "afile" else value)
    set_container(None)
    try:
        code, out = run(CliRunner(), "init")
    finally:
        set_container(None)
    assert code == 2 and out.strip().count("\n") == 0 and said in out


def test_a_data_dir_that_is_a_file_is_one_line_for_every_command(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the store elsewhere (database_url), every command made data_dir and met a file
    there as a FileExistsError traceback; the house rule is one line saying what to fix."""
    monkeypatch.setenv("RIGHTFUL_DATABASE_URL", f"sqlite:///{tmp_path / 'var' / 'rightful.db'}")
    (tmp_path / "x.png").write_bytes(b"")
    monkeypatch.setenv("RIGHTFUL_DATA_DIR", str(tmp_path / "x.png"))
    set_container(None)
    code, out = run(cli, "requests", "list")
    assert code == 2 and out.strip().count("\n") == 0, out
    assert f"data_dir {tmp_path / 'x.png'} is a file, not a folder" in out


def test_staffs_words_are_shown_as_written_even_when_they_look_like_markup(
    cli: CliRunner,
) -> None:
    code, out = run(cli, "requests", "submit", "access", "--email", "a@example.org")
    rid = out.split()[0]
    assert run(cli, "requests", "cancel", rid, "--reason", "withdrawn [/] by [bold]phone")[0] == 0
    code, out = run(cli, "requests", "show", rid)
    assert code == 0 and "withdrawn [/] by [bold]phone" in " ".join(out.split())


def test_an_id_typed_with_control_characters_is_quoted_as_escapes(cli: CliRunner) -> None:
    """An escape sequence in a quoted id must not clear the terminal or reverse the line."""
    code, out = run(cli, "requests", "show", "x\x01\u202e\x1b[2J")
    assert code == 2 and "\x1b" not in out and "\u202e" not in out
    assert "x\\x01\\u202e\\x1b[2J" in out


def test_a_receipt_from_another_era_is_refused(cli: CliRunner) -> None:
    """A year-1 receipt was accepted, then made `refuse --manifestly` overflow."""
    code, out = run(cli, "requests", "submit", "access", "--email", "a@example.org",
                    "--received-at", "0001-01-01")  # fmt: skip
    assert code == 2 and "more than five years back" in out


HUGE = "99999999999999999999"
ROW_IDS = "less than or equal to 2147483647"
TOLD = ("--way", "phone", "--how", "called on tuesday")


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["requests", "list", "--limit", HUGE], "less than or equal to 1000"),
        (["requests", "due", "--within-days", HUGE], "less than or equal to 3660"),
        (["requests", "told-otherwise", "r1", HUGE, *TOLD], ROW_IDS),
        (["verify", "approve-check", "r1", HUGE], ROW_IDS),
        (["verify", "approve-declaration", "r1", HUGE], ROW_IDS),
        (["verify", "approve-authority", "r1", HUGE], ROW_IDS),
        (["verify", "pick", "r1", "0", "--reason", "the only one"], "greater than or equal to 1"),
    ],
)
def test_a_number_out_of_range_is_a_usage_error(
    cli: CliRunner, command: list[str], said: str
) -> None:
    """Limits, days and row ids are bounded as the API bounds them (limit <= 1000, within_days
    <= 3660, row ids 1..2**31-1): a larger number was an OverflowError traceback."""
    result = cli.invoke(app, command)
    assert result.exit_code == 2, result.output
    assert said in " ".join(result.output.replace("│", " ").split())


@pytest.mark.parametrize(
    "args",
    [
        ["requests", "show", "\udcff"],
        ["staff", "add-user", "--name", "bob\udcff", "--role", "agent"],
        ["requests", "submit", "access", "--email", "z@example.com", "--name", "bad\udcff"],
    ],
)
def test_an_argument_that_is_not_utf8_is_one_line_and_nothing_is_written(
    cli: CliRunner, args: list[str]
) -> None:
    """A byte that is not UTF-8 reaches Python as a lone surrogate; every command raised
    UnicodeEncodeError with a traceback (house rule: one line saying what to fix)."""
    assert run(cli, "init")[0] == 0
    code, out = run(cli, *args)
    assert code == 2 and out.count("\n") == 1, out
    assert "is not valid UTF-8 text" in out and "Traceback" not in out
    assert "\udcff" not in out
    assert json.loads(run(cli, "requests", "list", "--json")[1]) == []
