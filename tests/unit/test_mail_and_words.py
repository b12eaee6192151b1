"""E-mails from templates in the requester's language, plain text and HTML, carrying links and
never data; and the portal's words, complete in English and German."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rightful.adapters.mail.rendering import KINDS, LANGUAGES, MailTemplates
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.notices import action_taken_text, expiry_text, no_data_text
from rightful.entrypoints.web.i18n import language_of, missing_german, translate
from rightful.entrypoints.web.i18n_messages import MESSAGES
from rightful.services.request_mail import MAILED

CONTEXT = {
    "controller": "Hearthly <GmbH>", "ref": "3f2b9c1a", "code": "123456",
    "link": "https://dsr.example/d/tok?a=1&b=2", "not_mine_link": "https://dsr.example/n",
    "expires": "2026-03-16 10:00 (UTC)", "max_downloads": 3, "minutes": 15, "hours": 24,
    "notice": "We need more time.\n\nNew date: 2026-06-02.", "portal_link": "https://dsr.example/p",
    "incident_ref": "ab12cd34", "reported_at": "2026-03-02 10:00 (UTC)",
    "confirm_link": "https://dsr.example/not-mine/x", "nature": "n", "consequences": "c",
    "measures": "m", "dpo_contact": "dpo@hearthly.example", "notice_kind": "refusal",
}  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_mail_renders_as_text_and_escaped_html(kind: str, language: str) -> None:
    message = MailTemplates().render(kind, language, "anna@example.com", **CONTEXT)
    assert message.subject and "\n" not in message.subject
    assert message.text.strip() and message.html.startswith("<!doctype html>")
    assert f'<html lang="{language}">' in message.html
    assert "Hearthly &lt;GmbH&gt;" in message.html and "<GmbH>" not in message.html
    assert "{{" not in message.text and "{%" not in message.html


# The notices mailed with the `decision` template (extension and not_mine_ack have their own).
DECISIONS = sorted((MAILED - {"extension", "not_mine_ack"}) | {"acknowledgement"})


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_decision_mail_has_a_subject_of_its_own(language: str) -> None:
    """A withdrawal notice came with the subject of the no-data answer ("we hold no personal
    data about you") above words saying the request was withdrawn."""
    templates = MailTemplates()
    subjects = {
        kind: templates.render(
            "decision", language, "a@example.com", **{**CONTEXT, "notice_kind": kind}
        ).subject
        for kind in DECISIONS
    }
    assert len(set(subjects.values())) == len(DECISIONS), subjects


def test_german_mail_is_german_and_english_is_english() -> None:
    templates = MailTemplates()
    de = templates.render("ready", "de", "a@example.com", **CONTEXT)
    en = templates.render("ready", "en", "a@example.com", **CONTEXT)
    assert "Ihre Daten" in de.subject and "Your data" in en.subject
    assert templates.render("ready", "fr", "a@example.com", **CONTEXT).subject == en.subject


def test_the_ready_mail_carries_the_page_link_and_the_not_mine_link_and_no_data() -> None:
    message = MailTemplates().render("ready", "en", "anna@example.com", **CONTEXT)
    assert CONTEXT["link"] in message.text and CONTEXT["not_mine_link"] in message.text
    assert "anna@example.com" not in message.text + message.html  # not even the address
    assert "attached" in message.text  # says the data is never attached


def test_every_portal_text_has_german() -> None:
    assert missing_german() == []


TEMPLATES = Path(__file__).parents[2] / "src/rightful/entrypoints/web/templates"
FAMILIES = {
    "type_": ["access", "portability", "erasure", "rectification", "restriction", "objection"],
    "status_": ["received", "awaiting_verification", "verified", "collecting", "in_review",
                "approved", "delivered", "closed", "rejected", "cancelled", "expired", "on_hold"],
    "explain_": ["received", "awaiting_verification", "verified", "collecting", "in_review",
                 "approved", "delivered", "closed", "rejected", "cancelled", "expired", "on_hold"],
    "deadline_basis_": ["gdpr", "uk_gdpr", "ccpa"],
    "link_state_": ["active", "revoked", "expired", "exhausted"],
    "refused_": [f"{r}_{part}" for r in ("unknown", "expired", "revoked", "exhausted")
                 for part in ("title", "text")],
}  # fmt: skip


def test_every_text_a_portal_template_asks_for_exists() -> None:
    used: set[str] = set()
    for template in TEMPLATES.rglob("*.html"):
        if "console" in template.parts:
            continue
        used |= set(re.findall(r"\bt\([\"']([a-z_]+)[\"']\)", template.read_text()))
        used |= set(re.findall(r"\bt\([\"']([a-z_]+)[\"'],", template.read_text()))
    for prefix, names in FAMILIES.items():
        used |= {prefix + name for name in names}
    assert sorted(used - MESSAGES.keys()) == []


def test_texts_fill_placeholders_and_unknown_keys_show_themselves() -> None:
    assert translate("days_left", "de", n=3) == "noch 3 Tage"
    assert translate("no_such_key", "en") == "[no_such_key]"


@pytest.mark.parametrize(
    ("n", "english", "german"),
    [(0, "0 days left", "noch 0 Tage"), (1, "1 day left", "noch 1 Tag"),
     (2, "2 days left", "noch 2 Tage")],
)  # fmt: skip
def test_a_count_of_one_takes_the_singular(n: int, english: str, german: str) -> None:
    assert translate("days_left", "en", n=n) == english
    assert translate("days_left", "de", n=n) == german


def test_no_portal_text_hedges_its_plural() -> None:
    hedged = [k for k, v in MESSAGES.items() for text in v.values()
              if re.search(r"\((s|e|en|n)\)", text)]  # fmt: skip
    assert hedged == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("fr-FR,en;q=0.5,de;q=0.7", "de"),
        ("fr", "en"),
        ("", "en"),
    ],
)
def test_the_browser_language_picks_ours(header: str, expected: str) -> None:
    assert language_of(header) == expected


@pytest.mark.parametrize(
    ("law", "authority"),
    [
        (Jurisdiction.GDPR, "a supervisory authority"),
        (Jurisdiction.UK_GDPR, "Information Commissioner's Office"),
        (Jurisdiction.CCPA, "California Privacy Protection Agency"),
    ],
)
def test_answers_and_expiries_name_the_remedies_of_the_requests_own_law(
    law: Jurisdiction, authority: str
) -> None:
    """REQUIREMENTS.md:7 (Art. 12(4)): no notice cites the GDPR to a Californian; the no-data
    answer names the remedies too, and no text says Art. 15 to an erasure requester."""
    rid = "0f3a9c2e-1111-4222-8333-444455556666"
    for text in (no_data_text(rid, "en", law), expiry_text(rid, "en", law),
                 action_taken_text(rid, "We corrected your address.", "en", law)):  # fmt: skip
        assert authority in text and "Art. 15" not in text
        assert ("GDPR" in text) == (law is not Jurisdiction.CCPA and text.startswith("We closed"))
    assert "judicial remedy" in no_data_text(rid, "en", Jurisdiction.GDPR)
