"""CCPA §7024(d) (REQUIREMENTS.md:15): which fields a request to know never receives."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.never_disclosed import CCPA_NEVER_DISCLOSED, applies, never_disclosed
from rightful.domain.requests import RequestType
from rightful.settings import load_settings

MAP = """
dataset:
  - fides_key: bank
    name: Bank
    collections:
      - name: customers
        rightful: {subject: true}
        fields:
          - name: id
            data_categories: [user.unique_id]
            fides_meta: {primary_key: true, identity: customer_id, data_type: integer}
          - name: ssn
            data_categories: [user.government_id.national_identification_number]
          - name: iban
            data_categories: [user.financial.bank_account]
          - name: balance
            data_categories: [user.financial]
          - name: password_hash
            data_categories: [user.authorization.password]
          - name: voice_sample
            data_categories: [user.biometric.voice]
          - name: voiceprint
            data_categories: [user.authorization.biometric]
      - name: cards
        fields:
          - name: card_number
            data_categories: [user.financial.credit_card]
            fides_meta: {primary_key: true}
          - name: customer_id
            fides_meta:
              data_type: integer
              references: [{dataset: bank, field: customers.id, direction: from}]
"""


def test_the_kinds_the_regulation_names_are_held_back_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(textwrap.dedent(MAP), encoding="utf-8")
    found = never_disclosed(load_datamap([path]), CCPA_NEVER_DISCLOSED)
    assert found == {
        "bank.customers": {
            "ssn": ("user.government_id.national_identification_number",),
            "iban": ("user.financial.bank_account",),
            "password_hash": ("user.authorization.password",),
            "voiceprint": ("user.authorization.biometric",),
        }
    }, "an account balance and a voice recording are the person's to see; a key field stays"


@pytest.mark.parametrize(
    ("jurisdiction", "request_type", "held_back"),
    [
        (Jurisdiction.CCPA, RequestType.ACCESS, True),
        (Jurisdiction.GDPR, RequestType.ACCESS, False),
        (Jurisdiction.UK_GDPR, RequestType.PORTABILITY, False),
        (Jurisdiction.CCPA, RequestType.ERASURE, False),
    ],
)
def test_only_ccpa_packages_hold_them_back(
    jurisdiction: Jurisdiction, request_type: RequestType, held_back: bool
) -> None:
    assert applies(jurisdiction, request_type) is held_back


def test_a_misspelt_category_in_the_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"'user\.govt_id' is not a data category"):
        load_settings(data_dir=tmp_path, ccpa_never_disclosed_categories=["user.govt_id"])
    assert load_settings(
        data_dir=tmp_path, ccpa_never_disclosed_categories=["user.contact.phone_number"]
    ).ccpa_never_disclosed_categories == ["user.contact.phone_number"]
