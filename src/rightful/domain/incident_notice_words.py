"""The words breach notices are drafted from, per language: the likely consequences of each kind
of data exposed, every other sentence of a draft, and the words for the values the incident
records hold (incident_notices.py puts them together)."""

from __future__ import annotations

from typing import Final

from rightful.domain.incidents import IncidentKind, Nature, ReporterKind
from rightful.domain.severity import Level

# (category prefix, for the authority, for the person concerned)
CONSEQUENCES: Final = {
    "en": (
        ("user.biometric.voice",
         "Recipients could listen to recordings made in the subjects' homes: private "
         "conversations, voices of household members and visitors, daily routines.",
         "Someone else may have listened to recordings of what was said near your speaker at "
         "home."),
        ("user.content",
         "The content (transcripts, messages) may reveal private matters, names of other people "
         "and habits; it may cause distress or embarrassment.",
         "Someone else may have read what you said or wrote, which can reveal private matters."),
        ("user.health_and_medical",
         "Health information may cause discrimination or distress.",
         "Someone else may have learnt about your health."),
        ("user.financial",
         "Financial data may be used for fraud.",
         "Your financial data could be used for fraud; watch your statements."),
        ("user.payment",
         "Payment data may be used for fraud.",
         "Your payment data could be misused; watch your statements."),
        ("user.location",
         "Location data may reveal where the subjects live or spend time.",
         "Someone else may have learnt where you live or spend time."),
        ("user.contact",
         "Contact details may be used for unwanted contact or phishing.",
         "You may receive unwanted messages or attempts to trick you that use your contact "
         "details."),
        ("user.device",
         "Device identifiers link the data to a device and its owner.",
         "The data can be linked to your device."),
    ),
    "de": (
        ("user.biometric.voice",
         "Empfänger konnten Aufnahmen aus den Wohnungen der Betroffenen anhören: private "
         "Gespräche, Stimmen von Mitbewohnern und Besuchern, Tagesabläufe.",
         "Eine andere Person hat möglicherweise Aufnahmen von dem gehört, was bei Ihnen zu Hause "
         "in der Nähe Ihres Lautsprechers gesprochen wurde."),
        ("user.content",
         "Die Inhalte (Transkripte, Nachrichten) können Privates, Namen anderer Personen und "
         "Gewohnheiten offenbaren; sie können belasten oder bloßstellen.",
         "Eine andere Person hat möglicherweise gelesen, was Sie gesagt oder geschrieben haben; "
         "das kann Privates offenbaren."),
        ("user.health_and_medical",
         "Gesundheitsdaten können zu Diskriminierung oder Belastung führen.",
         "Eine andere Person hat möglicherweise etwas über Ihre Gesundheit erfahren."),
        ("user.financial",
         "Finanzdaten können für Betrug missbraucht werden.",
         "Ihre Finanzdaten könnten für Betrug missbraucht werden; prüfen Sie Ihre Kontoauszüge."),
        ("user.payment",
         "Zahlungsdaten können für Betrug missbraucht werden.",
         "Ihre Zahlungsdaten könnten missbraucht werden; prüfen Sie Ihre Kontoauszüge."),
        ("user.location",
         "Standortdaten können zeigen, wo die Betroffenen wohnen oder sich aufhalten.",
         "Eine andere Person hat möglicherweise erfahren, wo Sie wohnen oder sich aufhalten."),
        ("user.contact",
         "Kontaktdaten können für unerwünschte Kontaktaufnahme oder Phishing genutzt werden.",
         "Sie erhalten möglicherweise unerwünschte Nachrichten oder Täuschungsversuche, die Ihre "
         "Kontaktdaten verwenden."),
        ("user.device",
         "Gerätekennungen verknüpfen die Daten mit einem Gerät und seinem Besitzer.",
         "Die Daten können mit Ihrem Gerät in Verbindung gebracht werden."),
    ),
}  # fmt: skip

# Every sentence of a draft that is not a consequence, per language.
SENTENCES: Final = {
    "en": {
        "not_yet": "not yet",
        "time_format": "%Y-%m-%d %H:%M",
        "none_known": "None known: no personal data is known to have been exposed.",
        "confidentiality": "Loss of confidentiality of the data listed.",
        IncidentKind.NEAR_MISS: "The leak gate stopped an access package before release because "
        "it held items that could not be proven to belong to the requester.",
        IncidentKind.MISDELIVERY: "Personal data reached a person it did not belong to through "
        "an answer to a data subject access request.",
        IncidentKind.BREACH: "A personal data breach.",
        "foreign_items": " The access package prepared for the requester also held data of "
        "other people.",
        "whole_package": " The whole access package of one person went to someone else.",
        "found_inside": "found by the controller itself",
        "found_outside": "reported to the controller from outside ({reporter})",
        "circumstances": "{what} Circumstances: {nature}; {found}.{extra}",
        "undetermined": "Not yet determined.",
        "unknown_people": "an unknown number of people",
        "categories": "Data concerned: {summary}. Approximately {people} and {records} "
        "({files}). Categories: {categories}.",
        "no_categories": "none",
        "ambiguous": " {n} items could belong to the requester or to someone else; they are "
        "counted as exposed.",
        "ambiguous_one": " 1 item could belong to the requester or to someone else; it is "
        "counted as exposed.",
        "containing": "Containment is under way.",
        "contained_links": "Contained at {at}: every download link stopped ({links}), {frozen} "
        "frozen.",
        "contained": "Contained at {at}: {frozen} frozen; no download link had been issued.",
        "downloads": "Successful downloads before revocation: {n}.",
        "deleted": "The recipient confirmed deletion at {at}.",
        "never_downloaded": "The recipient confirmed never having downloaded the data.",
        "not_confirmed": "The recipient was asked to delete every copy; not yet confirmed.",
        "not_asked": "The recipient has not yet been asked to delete the data.",
        "proposed": "Find and correct the cause (data map, collector or procedure); rebuild and "
        "re-check every package built under the same cause before release; tell the people "
        "concerned where required; follow up the recipient's deletion.",
        "undue_delay": "without undue delay",
        "timing": "Aware since {aware}; incident opened {opened}; notification due under "
        "{regime}: {due}.",
        "supplements": "This notification supplements our notification of {dates}: the "
        "information is provided in phases (Article 33(4)).",
        "phases_follow": "Not all of the information is available yet; we will provide the rest "
        "in phases without undue further delay (Article 33(4)).",
        "not_assessed": "not assessed",
        "assessment": "Severity {level} (ENISA method).",
        "calculation": "The calculation:",
        "subject_nature": "On {at} we learnt that some of your data held by {controller} was "
        "sent to another person by mistake: {your_data}.",
        "subject_measures": "We stopped every download link at once and asked the recipient to "
        "delete the data. We are correcting the cause so that it cannot happen again.",
        "subject_breach": "On {at} we learnt of a personal data breach at {controller} that "
        "concerns some of your data: {your_data}.",
        "subject_breach_measures": "We acted to contain the breach as soon as we knew of it, and "
        "we are correcting its cause so that it cannot happen again.",
    },
    "de": {
        "not_yet": "noch nicht",
        "time_format": "%d.%m.%Y %H:%M",
        "none_known": "Keine bekannt: Es ist nicht bekannt, dass personenbezogene Daten "
        "offengelegt wurden.",
        "confidentiality": "Verlust der Vertraulichkeit der genannten Daten.",
        IncidentKind.NEAR_MISS: "Die Leak-Prüfung hat ein Auskunftspaket vor der Freigabe "
        "angehalten, weil es Einträge enthielt, die nicht nachweislich zur antragstellenden "
        "Person gehörten.",
        IncidentKind.MISDELIVERY: "Personenbezogene Daten haben mit der Antwort auf ein "
        "Auskunftsersuchen eine Person erreicht, der sie nicht gehörten.",
        IncidentKind.BREACH: "Eine Verletzung des Schutzes personenbezogener Daten.",
        "foreign_items": " Das für die antragstellende Person erstellte Auskunftspaket enthielt "
        "auch Daten anderer Personen.",
        "whole_package": " Das gesamte Auskunftspaket einer Person ging an jemand anderen.",
        "found_inside": "vom Verantwortlichen selbst entdeckt",
        "found_outside": "dem Verantwortlichen von außen gemeldet ({reporter})",
        "circumstances": "{what} Umstände: {nature}; {found}.{extra}",
        "undetermined": "Noch nicht ermittelt.",
        "unknown_people": "eine unbekannte Zahl von Personen",
        "categories": "Betroffene Daten: {summary}. Ungefähr {people} und {records} ({files}). "
        "Kategorien: {categories}.",
        "no_categories": "keine",
        "ambiguous": " {n} Einträge könnten zur antragstellenden Person oder zu jemand anderem "
        "gehören; sie werden als offengelegt gezählt.",
        "ambiguous_one": " 1 Eintrag könnte zur antragstellenden Person oder zu jemand anderem "
        "gehören; er wird als offengelegt gezählt.",
        "containing": "Die Eindämmung läuft.",
        "contained_links": "Eingedämmt am {at}: jeder Download-Link gesperrt ({links}), "
        "{frozen} eingefroren.",
        "contained": "Eingedämmt am {at}: {frozen} eingefroren; es war kein Download-Link "
        "versandt worden.",
        "downloads": "Erfolgreiche Downloads vor der Sperrung: {n}.",
        "deleted": "Der Empfänger hat die Löschung am {at} bestätigt.",
        "never_downloaded": "Der Empfänger hat bestätigt, die Daten nie heruntergeladen zu haben.",
        "not_confirmed": "Der Empfänger wurde gebeten, jede Kopie zu löschen; noch nicht "
        "bestätigt.",
        "not_asked": "Der Empfänger wurde noch nicht um Löschung der Daten gebeten.",
        "proposed": "Ursache finden und beheben (Datenkarte, Erhebung oder Ablauf); jedes "
        "unter derselben Ursache erstellte Paket vor der Freigabe neu erstellen und erneut "
        "prüfen; die betroffenen Personen benachrichtigen, wo erforderlich; die Löschung beim "
        "Empfänger nachverfolgen.",
        "undue_delay": "unverzüglich",
        "timing": "Kenntnis seit {aware}; Vorfall eröffnet {opened}; Meldung fällig nach "
        "{regime}: {due}.",
        "supplements": "Diese Meldung ergänzt unsere Meldung vom {dates}; die Informationen "
        "werden schrittweise bereitgestellt (Art. 33 Abs. 4).",
        "phases_follow": "Noch liegen nicht alle Informationen vor; wir stellen die übrigen "
        "ohne unangemessene weitere Verzögerung schrittweise bereit (Art. 33 Abs. 4).",
        "not_assessed": "nicht bewertet",
        "assessment": "Schwere: {level} (ENISA-Methode).",
        "calculation": "Berechnung:",
        "subject_nature": "Am {at} haben wir erfahren, dass ein Teil Ihrer Daten, die "
        "{controller} verarbeitet, versehentlich an eine andere Person gesandt wurde: "
        "{your_data}.",
        "subject_measures": "Wir haben sofort jeden Download-Link gesperrt und den Empfänger "
        "gebeten, die Daten zu löschen. Wir beheben die Ursache, damit es nicht wieder "
        "geschieht.",
        "subject_breach": "Am {at} haben wir von einer Verletzung des Schutzes "
        "personenbezogener Daten bei {controller} erfahren, die einen Teil Ihrer Daten betrifft: "
        "{your_data}.",
        "subject_breach_measures": "Wir haben die Verletzung eingedämmt, sobald wir davon "
        "wussten, und beheben ihre Ursache, damit es nicht wieder geschieht.",
    },
}
# Words for the values the records hold, per language (English: the value itself).
VALUE_WORDS: Final = {
    "de": {
        Nature.NEAR_MISS: "Beinahe-Vorfall", Nature.KNOWN_RECIPIENT: "bekannter Empfänger",
        Nature.UNKNOWN_RECIPIENTS: "unbekannte Empfänger", Nature.MALICIOUS: "böswillig",
        Nature.LOST: "verloren", Nature.ALTERED: "verändert",
        ReporterKind.GATE: "Leak-Prüfung", ReporterKind.RECIPIENT: "Empfänger",
        ReporterKind.STAFF: "Mitarbeitende", ReporterKind.AUTHORITY: "Aufsichtsbehörde",
        ReporterKind.PRESS: "Presse", ReporterKind.RESEARCHER: "Forschende",
        ReporterKind.SUBJECT: "betroffene Person", ReporterKind.OTHER: "andere",
        Level.LOW: "niedrig", Level.MEDIUM: "mittel", Level.HIGH: "hoch",
        Level.VERY_HIGH: "sehr hoch",
    },
}  # fmt: skip


NOUNS: Final = {
    "en": {"person": ("person", "people"), "record": ("record", "records"),
           "file": ("file", "files"), "link": ("link", "links"),
           "package": ("package", "packages")},
    "de": {"person": ("Person", "Personen"), "record": ("Datensatz", "Datensätze"),
           "file": ("Datei", "Dateien"), "link": ("Link", "Links"),
           "package": ("Paket", "Pakete")},
}  # fmt: skip
