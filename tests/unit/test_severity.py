"""ENISA breach severity (REQUIREMENTS.md:36-40, 'Severity: ENISA 2013 methodology')."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rightful.domain.errors import InvalidInputError
from rightful.domain.sensitivity import Sensitivity, category_sensitivity
from rightful.domain.severity import (
    DIRECTION,
    STEPS,
    Adjustment,
    Circumstances,
    Context,
    Exposed,
    Exposure,
    Factor,
    Level,
    assess,
    context_of,
    level_of,
    parse_adjustment,
)

CATEGORIES = [
    "user.contact.email",
    "user.name",
    "user.behavior.purchase_history",
    "user.biometric.voice",
    "user.content.voice_transcript",
    "user.financial.bank_account",
    "user.health_and_medical",
    "user.device.device_id",
    "user.unique_id",
    "system.operations",
    "user.location.precise",
]


@pytest.mark.parametrize(
    ("recordings", "dpc", "level"),
    [(9, 3, Level.HIGH), (1700, 4, Level.VERY_HIGH)],  # the 1,700 add +1 for volume
)
def test_the_motivating_case_must_be_told_to_authority_and_subject(
    recordings: int, dpc: int, level: Level
) -> None:
    """REQUIREMENTS.md:32: intimate home recordings to an untrusted recipient: notify both,
    however few: a voice identifies its speaker directly (Art. 4(14)). Nine recordings scored
    EI 0.75 and medium, and the person was not told."""
    exposed = Exposed(
        records_by_category={
            "user.biometric.voice": recordings,
            "user.content.voice_transcript": recordings,
            "user.device.device_id": 1,
        },
        subjects=1,
        records=recordings,
        declared_sensitivity={"user.content.voice_transcript": Sensitivity.HIGH},
    )
    result = assess(exposed, Circumstances(confidentiality=Exposure.KNOWN_RECIPIENT))
    assert result.dpc == dpc  # behavioural 2, +1 declared high sensitivity, volume as above
    assert result.ei == 1.0
    assert result.score == pytest.approx(dpc + 0.25)
    assert result.level is level
    assert result.notify_authority and result.notify_subjects
    assert "EI 1 (maximum): direct identifiers exposed (user.biometric.voice)" in result.reasoning


def test_the_reasoning_does_not_credit_the_data_map_with_rightfuls_own_defaults() -> None:
    """It said "the data map marks user.financial.bank_account as highly sensitive" of a data
    map that marks nothing, and that sentence goes to the authority in the notification."""
    account = "user.financial.bank_account"
    exposed = Exposed({account: 1}, 1, records=1, declared_sensitivity={account: Sensitivity.HIGH})
    reasons = assess(exposed, Circumstances(Exposure.KNOWN_RECIPIENT)).reasoning
    assert not any("the data map marks" in r for r in reasons)
    assert any(r.startswith(f"+1: highly sensitive data ({account})") for r in reasons)


def test_one_misdirected_mail_with_the_data_of_259_customers_is_notified() -> None:
    """REQUIREMENTS.md:32, :40: the number of people is weighed; an authority fined a
    controller for not notifying such a mail, while the same for one person is low."""
    names = {"user.name": 259, "user.contact.email": 259}
    one = assess(Exposed({"user.name": 1, "user.contact.email": 1}, 1, records=1),
                 Circumstances(confidentiality=Exposure.KNOWN_RECIPIENT))  # fmt: skip
    many = assess(Exposed(names, 259, records=259), Circumstances(Exposure.KNOWN_RECIPIENT))
    assert one.level is Level.LOW and not one.notify_authority
    assert many.score == one.score, "the score is ENISA's; the number of people raises the level"
    assert many.level is Level.MEDIUM and many.notify_authority
    assert many.reasoning[-1] == "raised to medium: 259 people are affected"


def test_volume_counts_records_not_their_categories() -> None:
    """Each recording has five categories: 21 recordings are 21 records, not 105."""
    labels = ("system.operations", "user.behavior", "user.biometric.voice",
              "user.content.voice_transcript", "user.device.device_id")  # fmt: skip
    exposed = Exposed(dict.fromkeys(labels, 21), subjects=1, records=21)
    result = assess(exposed, Circumstances(Exposure.KNOWN_RECIPIENT))
    assert not any("volume" in r for r in result.reasoning)
    heavy = assess(Exposed(dict.fromkeys(labels, 101), 1, records=101),
                   Circumstances(Exposure.KNOWN_RECIPIENT))  # fmt: skip
    assert "+1: volume per person: about 101 records per person" in heavy.reasoning


@pytest.mark.parametrize(
    ("category", "ei"),
    [
        ("user.contact.address", 1.0),
        ("user.contact.address.street", 1.0),
        ("user.contact.address.country", 0.5),
        ("user.contact.address.city", 0.5),
        ("user.contact.emailish", 0.5),  # a custom key that only begins like one
        ("user.contact.url", 0.5),  # a part of the contact details is judged as itself
    ],
)
def test_a_country_alone_does_not_identify_anyone(category: str, ei: float) -> None:
    result = assess(Exposed({category: 1}, 1, records=1), Circumstances())
    assert result.ei == ei


def test_contact_details_labelled_only_user_contact_identify_as_an_email_address_does() -> None:
    """REQUIREMENTS.md:38 (EI): a data map may label a field `user.contact` alone. Bank details
    and contact details sent to the wrong person scored EI 0.5 ("no identifier"): 1.75, low, or
    with the sensitivity rightful gives bank details (as a scope's assessment does) 2.25,
    medium, the person never told; labelled `user.contact.email`, the same is very high."""
    sent = Circumstances(confidentiality=Exposure.KNOWN_RECIPIENT)
    labelled = {"user.financial.bank_account": 1, "user.contact": 1}
    precise = {"user.financial.bank_account": 1, "user.contact.email": 1}
    result = assess(Exposed(labelled, 1, records=1), sent)
    assert (result.ei, result.level) == (1.0, Level.HIGH)
    assert result.score == assess(Exposed(precise, 1, records=1), sent).score
    assert "EI 1 (maximum): direct identifiers exposed (user.contact)" in result.reasoning
    declared = {c: category_sensitivity(c) for c in labelled}
    scoped = assess(Exposed(labelled, 1, records=1, declared_sensitivity=declared), sent)
    assert scoped.level is Level.VERY_HIGH and scoped.notify_subjects


def test_a_packing_slip_to_the_wrong_customer_is_low() -> None:
    """REQUIREMENTS.md:32, EDPB: a packing slip to the wrong customer who deletes it: no notice."""
    exposed = Exposed({"user.name": 1, "user.contact.address": 1}, 1)
    result = assess(exposed, Circumstances(confidentiality=Exposure.KNOWN_RECIPIENT))
    assert (result.dpc, result.ei, result.cb) == (1, 1.0, 0.25)
    assert result.level is Level.LOW and not result.notify_authority


def test_health_data_to_unknown_recipients_maliciously_is_very_high() -> None:
    exposed = Exposed({"user.health_and_medical": 3, "user.name": 3}, 3)
    result = assess(exposed, Circumstances(Exposure.UNKNOWN_RECIPIENTS, malicious=True))
    assert result.dpc == 4 and result.ei == 1.0 and result.cb == 1.0
    assert result.level is Level.VERY_HIGH


def test_unintelligible_data_scores_negligible_identification() -> None:
    exposed = Exposed({"user.health_and_medical": 3, "user.name": 3}, 3, unintelligible=True)
    assert assess(exposed, Circumstances()).ei == 0.25


@pytest.mark.parametrize(
    ("category", "context"),
    [
        ("user.contact.email", Context.SIMPLE),
        ("user.location.precise", Context.BEHAVIOURAL),
        ("user.financial.credit_card", Context.FINANCIAL),
        ("user.biometric.fingerprint", Context.SENSITIVE),
        ("user.biometric.voice", Context.BEHAVIOURAL),
        ("system.operations", Context.SIMPLE),
    ],
)
def test_contexts_follow_the_longest_prefix(category: str, context: Context) -> None:
    assert context_of(category) is context


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (1.99, Level.LOW),
        (2, Level.MEDIUM),
        (2.99, Level.MEDIUM),
        (3, Level.HIGH),
        (3.99, Level.HIGH),
        (4, Level.VERY_HIGH),
    ],
)
def test_levels_follow_the_enisa_bands(score: float, level: Level) -> None:
    assert level_of(score) is level


@pytest.mark.parametrize(
    ("category", "children", "public", "dpc"),
    [
        ("user.behavior.purchase_history", False, False, 2),
        ("user.behavior.purchase_history", True, False, 3),
        ("user.behavior.purchase_history", False, True, 1),
        ("user.behavior.purchase_history", True, True, 2),
        ("user.contact.email", False, True, 1),  # not below simple data
        ("user.health_and_medical", True, False, 4),  # not above sensitive data
    ],
)
def test_vulnerable_subjects_raise_the_context_and_public_data_lowers_it_within_one_to_four(
    category: str, children: bool, public: bool, dpc: int
) -> None:
    """REQUIREMENTS.md:37 (DPC): the base context is adjusted for the vulnerability of the
    subjects (children) and for data already publicly available, and kept within 1 to 4; the
    reasoning says each step."""
    exposed = Exposed({category: 1}, 1, children=children)
    said = "the customer list of a public directory"
    entered = [Adjustment(Factor.PUBLIC, 1, said)] if public else []
    result = assess(exposed, Circumstances(), entered)
    assert result.dpc == dpc
    assert any("children" in r for r in result.reasoning) is children
    assert any("publicly available" in r for r in result.reasoning) is public


@pytest.mark.parametrize(
    ("circumstances", "cb"),
    [
        (Circumstances(Exposure.NONE), 0.0),
        (Circumstances(Exposure.KNOWN_RECIPIENT), 0.25),
        (Circumstances(Exposure.UNKNOWN_RECIPIENTS), 0.5),
        (Circumstances(Exposure.NONE, integrity=0.25), 0.25),
        (Circumstances(Exposure.NONE, integrity=0.5, availability=0.5), 1.0),
        (Circumstances(Exposure.NONE, availability=0.25, malicious=True), 0.75),
        (Circumstances(Exposure.UNKNOWN_RECIPIENTS, 0.5, 0.5, malicious=True), 2.0),
    ],
)
def test_the_circumstances_add_each_loss_and_malice(
    circumstances: Circumstances, cb: float
) -> None:
    """REQUIREMENTS.md:36, :39 (CB): loss of confidentiality +0 / +0.25 (known recipients) /
    +0.5 (unknown or many), of integrity and of availability +0 / +0.25 / +0.5 each, malicious
    intent +0.5; SE = DPC x EI + CB."""
    result = assess(Exposed({"user.name": 1}, 1), circumstances)
    assert result.cb == cb
    assert result.score == pytest.approx(result.dpc * result.ei + cb)


def test_only_the_enisa_steps_are_accepted_for_integrity_and_availability() -> None:
    with pytest.raises(InvalidInputError):
        Circumstances(integrity=0.3)


exposures = st.dictionaries(st.sampled_from(CATEGORIES), st.integers(0, 5000), max_size=6)


@given(exposures, st.integers(1, 50), st.sampled_from(Exposure), st.booleans())
def test_the_score_stays_within_the_method_bounds(
    counts: dict[str, int], subjects: int, exposure: Exposure, malicious: bool
) -> None:
    result = assess(Exposed(counts, subjects), Circumstances(exposure, malicious=malicious))
    assert 1 <= result.dpc <= 4
    assert result.ei in (0.25, 0.5, 0.75, 1.0)
    assert 0.25 <= result.score <= 4 * 1.0 + 2.0
    assert result.reasoning[-1].startswith("SE = ")


@given(exposures, st.sampled_from(CATEGORIES), st.integers(1, 5000))
def test_exposing_more_never_lowers_the_severity(
    counts: dict[str, int], extra: str, n: int
) -> None:
    before = assess(Exposed(counts, 1), Circumstances())
    after = assess(Exposed({**counts, extra: counts.get(extra, 0) + n}, 1), Circumstances())
    assert after.score >= before.score


# --- the contextual factors (REQUIREMENTS.md:37) ---------------------------------------------

PHARMACY = "the customers of an online pharmacy: health can be assumed"
DATING = "the members of a dating service: their sex life can be assumed"


@pytest.mark.parametrize(
    ("category", "factor", "step", "dpc"),
    [
        # ENISA 2013's own examples, base score and what the context makes of it
        ("user.name", Factor.CONTROLLER, 1, 2),  # a luxury goods seller's customer list
        ("user.name", Factor.CONTROLLER, 2, 3),  # an adult book store's delivery addresses
        ("user.name", Factor.VULNERABLE, 2, 3),  # people whose safety is at stake
        ("user.behavior.purchase_history", Factor.VOLUME, 1, 3),  # a year, not a week
        ("user.behavior.purchase_history", Factor.PUBLIC, 1, 1),  # gathered from the web
        ("user.health_and_medical", Factor.PUBLIC, 2, 2),  # a politician's known views
        ("user.financial.credit_card", Factor.OLD, 2, 1),  # cards that expired years ago
        ("user.financial.credit_card", Factor.OLD, 1, 2),
        ("user.health_and_medical", Factor.CONTROLLER, 2, 4),  # not above sensitive data
        ("user.name", Factor.OLD, 2, 1),  # not below simple data
    ],
)
def test_each_contextual_factor_moves_the_context_by_the_step_enisa_takes(
    category: str, factor: Factor, step: int, dpc: int
) -> None:
    """REQUIREMENTS.md:37 (DPC): the base by the most critical category is adjusted ±1-2 for
    volume per person, vulnerability, what the controller's nature reveals, public availability
    and age of data, and kept within 1 to 4; the reasoning gives the reason staff wrote."""
    reason = "what the DPO found out about it"
    result = assess(Exposed({category: 1}, 1), Circumstances(), [Adjustment(factor, step, reason)])
    assert result.dpc == dpc
    moved = [r for r in result.reasoning if r.endswith(f"(entered by staff): {reason}")]
    assert len(moved) == 1 and moved[0].startswith(f"{DIRECTION[factor] * step:+d}: ")


def test_a_dating_services_member_list_is_scored_as_what_it_reveals() -> None:
    """REQUIREMENTS.md:37: names and e-mail addresses alone are simple data, low when sent to
    one person; from a service whose customers' health or sex life can be assumed they are
    medium, and the notification says why."""
    names = Exposed({"user.name": 1, "user.contact.email": 1}, 1, records=1)
    plain = assess(names, Circumstances(Exposure.KNOWN_RECIPIENT))
    dating = assess(names, Circumstances(Exposure.KNOWN_RECIPIENT),
                    [Adjustment(Factor.CONTROLLER, 2, DATING)])  # fmt: skip
    assert (plain.dpc, plain.level) == (1, Level.LOW)
    assert (dating.dpc, dating.level) == (3, Level.HIGH)
    assert f"+2: what the controller's nature reveals (entered by staff): {DATING}" in (
        dating.reasoning
    )


def test_a_factor_the_records_show_and_staff_enter_counts_once() -> None:
    """ENISA weighs each factor once: children in the records (+1) and staff's "their safety is
    at stake" (+2) make +2, not +3; volume the counts show and volume staff enter make +1."""
    kids = Exposed({"user.childrens.name": 1, "user.name": 1}, 1, children=True)
    both = assess(kids, Circumstances(), [Adjustment(Factor.VULNERABLE, 2, "children in care")])
    assert both.dpc == 3
    assert [r for r in both.reasoning if "vulnerab" in r] == [
        "+2: vulnerability of the people (entered by staff): children in care"
    ]
    heavy = Exposed({"user.behavior": 500}, 1, records=500)
    once = assess(heavy, Circumstances(), [Adjustment(Factor.VOLUME, 1, "a year of purchases")])
    assert once.dpc == 3 and sum("volume" in r for r in once.reasoning) == 1


def test_volume_is_weighed_for_the_person_with_the_most_data() -> None:
    """ENISA weighs volume for the same individual: one person's 1,700 recordings sent with
    259 other people's single e-mail were about 8 records per person, and no volume."""
    exposed = Exposed({"user.behavior": 1959, "user.contact.email": 259}, 260, records=1959,
                      most_per_person=1700)  # fmt: skip
    result = assess(exposed, Circumstances())
    assert "+1: volume per person: 1700 records of one person" in result.reasoning
    assert result.dpc == 3


@pytest.mark.parametrize(
    "adjustment",
    [
        lambda: Adjustment(Factor.VOLUME, 2, "two years of location history"),  # ENISA: one
        lambda: Adjustment(Factor.CONTROLLER, 3, "an online pharmacy's customers"),
        lambda: Adjustment(Factor.PUBLIC, -1, "it was not public after all"),
        lambda: Adjustment(Factor.OLD, 1, "old"),  # a reason is written, not a word
        lambda: Adjustment(Factor.OLD, 1, "   "),
        lambda: parse_adjustment("pharmacy=2:an online pharmacy's customers"),
        lambda: parse_adjustment("controller=two:an online pharmacy's customers"),
    ],
)
def test_only_enisas_steps_with_a_written_reason_are_taken(adjustment: object) -> None:
    with pytest.raises(InvalidInputError):
        adjustment()  # type: ignore[operator]


def test_a_factor_is_typed_as_factor_step_and_reason() -> None:
    assert parse_adjustment(f"controller=2:{PHARMACY}") == Adjustment(
        Factor.CONTROLLER, 2, PHARMACY
    )
    assert parse_adjustment("public=0") == Adjustment(Factor.PUBLIC, 0)


factors = st.dictionaries(
    st.sampled_from(Factor),
    st.integers(0, 2),
).map(lambda d: {f: min(s, len(STEPS[f])) for f, s in d.items()})


def _entered(steps: dict[Factor, int]) -> list[Adjustment]:
    return [Adjustment(f, s, "a reason in words") for f, s in steps.items()]


@given(exposures, st.integers(1, 50), st.booleans(), factors, st.sampled_from(Factor))
def test_the_context_stays_within_one_to_four_and_each_factor_moves_it_one_way(
    counts: dict[str, int], subjects: int, children: bool, steps: dict[Factor, int],
    factor: Factor,
) -> None:  # fmt: skip
    """REQUIREMENTS.md:37: whatever is entered, DPC stays within 1 to 4; one step more of a
    raising factor never lowers the severity, of a lowering one never raises it."""
    exposed = Exposed(counts, subjects, children=children)
    before = assess(exposed, Circumstances(), _entered(steps))
    more = {**steps, factor: min(steps.get(factor, 0) + 1, len(STEPS[factor]))}
    after = assess(exposed, Circumstances(), _entered(more))
    assert 1 <= before.dpc <= 4 and 1 <= after.dpc <= 4
    if DIRECTION[factor] < 0:
        assert after.dpc <= before.dpc and after.score <= before.score
    else:
        assert after.dpc >= before.dpc and after.score >= before.score
