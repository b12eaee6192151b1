"""The words of index.html in English and German (data categories: domain/category_words.py)."""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "title": "Your personal data",
        "intro": "This is a copy of the personal data {controller} holds about you, as you asked "
        "for on {received}. It was put together on {generated}.",
        "request": "Request",
        "how_to_read": "How to read this package",
        "how_to_read_body": "Every kind of record has two files in the folder “data”: a JSON "
        "file for computers and a CSV file you can open in a spreadsheet. "
        "Recordings and other files are in the folder “files”. "
        "“manifest.json” lists every item with a fingerprint (SHA-256), and "
        "“manifest.sig” is our signature over it, so you can check that "
        "nothing was changed.",
        "summary": "At a glance",
        "category": "Kind of data",
        "count": "Items",
        "collections": "What we hold, and why",
        "record": "record",
        "records": "records",
        "file_label": "file",
        "files_label": "files",
        "open_json": "JSON",
        "open_csv": "CSV (spreadsheet)",
        "purposes": "Why we use it",
        "legal_basis": "Legal basis",
        "retention": "How long we keep it",
        "recipients": "Who receives it",
        "no_recipients": "Nobody outside {controller}.",
        "recipients_undeclared": "Not declared: our records do not say who receives this data.",
        "third_country": "outside the EU/EEA",
        "third_country_uk_gdpr": "outside the UK",
        "safeguards": "safeguards",
        "safeguards_uk_gdpr": "safeguards for the transfer out of the UK (UK GDPR Art. 15(2))",
        "source": "Where it comes from",
        "automated": "Automated decisions",
        "automated_none": "No decision with legal or similarly significant effect is made "
        "automatically.",
        "automated_yes": "Automated decisions are made.",
        "automated_undeclared": "Not declared: our records do not say whether decisions with "
        "legal or similarly significant effect are made automatically.",
        "logic": "How they work",
        "significance": "What they mean for you",
        "third_party": "Information about other people",
        "third_party_body": "These records also name other people (for example people in your "
        "contact list or household): {fields}. They are part of your data, "
        "so you receive them; please respect those people's privacy "
        "(GDPR Art. 15(4)).",
        "third_party_body_uk_gdpr": "These records also name other people (for example people in "
        "your contact list or household): {fields}. They are part of your data, so you receive "
        "them; please respect those people's privacy (UK GDPR Art. 15(4)).",
        "third_party_body_ccpa": "These records also name other people (for example people in "
        "your contact list or household): {fields}. They are part of your personal information, "
        "so you receive them; please respect those people's privacy.",
        "file_list": "Files",
        "more_files": "and {count} more in the folder {folder}",
        "withheld": "Data that needs a further check",
        "withheld_body": "Some of your data is especially sensitive. Before we send it, we need "
        "one more proof that you are you. We will ask you for it; this part "
        "of your data is waiting until then:",
        "left_out": "Left out to protect other people",
        "left_out_body": "Some of your data also concerns other people. Where giving it to you "
        "would harm their rights and freedoms, we left out only those parts and sent you the rest "
        "(GDPR Art. 15(4)):",
        "left_out_body_uk_gdpr": "Some of your data also concerns other people. Where giving it "
        "to you would harm their rights and freedoms, we left out only those parts and sent you "
        "the rest (UK GDPR Art. 15(4)):",
        "left_out_body_ccpa": "Some of your personal information also concerns other people. "
        "Where giving it to you would harm their rights and freedoms, we left out only those "
        "parts and sent you the rest:",
        "left_out_counts": "{rows} and {fields}",
        "left_out_row": "1 entry",
        "left_out_rows": "{n} entries",
        "left_out_field": "1 single value",
        "left_out_fields": "{n} single values",
        "undisclosed": "Held, but not sent (California law)",
        "undisclosed_body": "California law does not allow a business to send some kinds of "
        "information even to the person it is about, such as government ID numbers, financial "
        "account numbers and passwords (Cal. Code Regs. tit. 11, §7024(d)). We hold information "
        "of these kinds about you; in your files these values are empty:",
        "field": "field",
        "missing": "{count} files referred to by your records could not be found in our "
        "storage; the records themselves are included.",
        "missing_one": "1 file referred to by your records could not be found in our storage; "
        "the record itself is included.",
        "rights": "Your rights",
        "rights_body": "You can ask us to correct data that is wrong (Art. 16), to erase it "
        "(Art. 17), to restrict its use (Art. 18), to receive it in a "
        "machine-readable form or have it sent to another company (Art. 20), "
        "and you can object to its use (Art. 21), in particular for direct "
        "marketing.",
        "complaint": "You can also complain to a data protection supervisory authority, in "
        "particular in the EU country where you live or work or where you think "
        "the law was broken (Art. 77).",
        "complaint_uk_gdpr": "You can also complain to the Information Commissioner's Office "
        "(ICO), the UK's data protection regulator (UK GDPR Art. 77).",
        "rights_body_ccpa": "Under California law you can ask us to delete your personal "
        "information (Cal. Civ. Code §1798.105), to correct what is inaccurate (§1798.106), to "
        "tell you what we collect, use and disclose (§1798.110), to stop selling or sharing it "
        "(§1798.120) and to limit our use of sensitive personal information (§1798.121). We will "
        "not discriminate against you for using these rights (§1798.125).",
        "complaint_ccpa": "You can also complain to the California Privacy Protection Agency "
        "(cppa.ca.gov) or to the California Attorney General.",
        "disclosure_business_purpose": "disclosed for a business purpose",
        "disclosure_sale": "sold",
        "disclosure_sharing": "shared for cross-context behavioral advertising",
        "disclosure_undeclared": "not declared whether this is a sale or sharing",
        "selling": "Selling and sharing",
        "selling_body": "What California law asks us to tell you about selling, sharing and "
        "disclosing your personal information (Cal. Civ. Code §1798.110, §1798.115):",
        "not_sold_or_shared": "We do not sell your personal information, and we do not share it "
        "for cross-context behavioral advertising.",
        "sold_body": "We sell these kinds of your personal information, to:",
        "shared_body": "We share these kinds of your personal information for cross-context "
        "behavioral advertising, with:",
        "business_purpose_body": "We disclose these kinds of your personal information for a "
        "business purpose, to:",
        "sale_undeclared_body": "For the following, our records do not declare whether we sell "
        "or share it, so this page cannot tell you:",
        "authority": "Supervisory authority",
        "contact": "Questions? Contact",
        "extra_files": "Files added by our staff",
    },
    "de": {
        "title": "Ihre personenbezogenen Daten",
        "intro": "Dies ist eine Kopie der personenbezogenen Daten, die {controller} über Sie "
        "gespeichert hat, wie Sie sie am {received} angefordert haben. Zusammengestellt "
        "am {generated}.",
        "request": "Anfrage",
        "how_to_read": "So lesen Sie dieses Paket",
        "how_to_read_body": "Zu jeder Art von Datensätzen gibt es im Ordner „data“ zwei Dateien: "
        "eine JSON-Datei für Computer und eine CSV-Datei, die Sie in einer "
        "Tabellenkalkulation öffnen können. Aufnahmen und andere Dateien "
        "liegen im Ordner „files“. „manifest.json“ führt jedes Element mit "
        "einem Fingerabdruck (SHA-256) auf, und „manifest.sig“ ist unsere "
        "Signatur darüber; so können Sie prüfen, dass nichts verändert wurde.",
        "summary": "Auf einen Blick",
        "category": "Art der Daten",
        "count": "Anzahl",
        "collections": "Was wir speichern und warum",
        "record": "Datensatz",
        "records": "Datensätze",
        "file_label": "Datei",
        "files_label": "Dateien",
        "open_json": "JSON",
        "open_csv": "CSV (Tabelle)",
        "purposes": "Wozu wir sie verwenden",
        "legal_basis": "Rechtsgrundlage",
        "retention": "Wie lange wir sie speichern",
        "recipients": "Wer sie erhält",
        "no_recipients": "Niemand außerhalb von {controller}.",
        "recipients_undeclared": "Nicht angegeben: Unsere Unterlagen sagen nicht, wer diese "
        "Daten erhält.",
        "third_country": "außerhalb der EU/des EWR",
        "third_country_uk_gdpr": "außerhalb des Vereinigten Königreichs",
        "safeguards": "Garantien",
        "safeguards_uk_gdpr": "Garantien für die Übermittlung aus dem Vereinigten Königreich "
        "(Art. 15 Abs. 2 UK GDPR)",
        "source": "Woher sie stammen",
        "automated": "Automatisierte Entscheidungen",
        "automated_none": "Es werden keine Entscheidungen mit rechtlicher oder ähnlich "
        "erheblicher Wirkung automatisiert getroffen.",
        "automated_yes": "Es werden automatisierte Entscheidungen getroffen.",
        "automated_undeclared": "Nicht angegeben: Unsere Unterlagen sagen nicht, ob "
        "Entscheidungen mit rechtlicher oder ähnlich erheblicher Wirkung automatisiert "
        "getroffen werden.",
        "logic": "Wie sie funktionieren",
        "significance": "Was sie für Sie bedeuten",
        "third_party": "Angaben über andere Personen",
        "third_party_body": "Diese Datensätze nennen auch andere Personen (zum Beispiel aus "
        "Ihrem Adressbuch oder Haushalt): {fields}. Sie gehören zu Ihren "
        "Daten, deshalb erhalten Sie sie; bitte achten Sie die "
        "Privatsphäre dieser Personen (Art. 15 Abs. 4 DSGVO).",
        "third_party_body_uk_gdpr": "Diese Datensätze nennen auch andere Personen (zum Beispiel "
        "aus Ihrem Adressbuch oder Haushalt): {fields}. Sie gehören zu Ihren Daten, deshalb "
        "erhalten Sie sie; bitte achten Sie die Privatsphäre dieser Personen (Art. 15 Abs. 4 "
        "UK GDPR).",
        "third_party_body_ccpa": "Diese Datensätze nennen auch andere Personen (zum Beispiel "
        "aus Ihrem Adressbuch oder Haushalt): {fields}. Sie gehören zu Ihren personenbezogenen "
        "Informationen, deshalb erhalten Sie sie; bitte achten Sie die Privatsphäre dieser "
        "Personen.",
        "file_list": "Dateien",
        "more_files": "und {count} weitere im Ordner {folder}",
        "withheld": "Daten, die eine weitere Prüfung brauchen",
        "withheld_body": "Einige Ihrer Daten sind besonders schutzbedürftig. Bevor wir sie "
        "senden, brauchen wir einen weiteren Nachweis, dass Sie es sind. Wir "
        "bitten Sie darum; bis dahin wartet dieser Teil Ihrer Daten:",
        "left_out": "Zum Schutz anderer ausgelassen",
        "left_out_body": "Einige Ihrer Daten betreffen auch andere Menschen. Wo die Herausgabe "
        "deren Rechte und Freiheiten beeinträchtigen würde, haben wir nur diese Teile ausgelassen "
        "und Ihnen den Rest gesendet (Art. 15 Abs. 4 DSGVO):",
        "left_out_body_uk_gdpr": "Einige Ihrer Daten betreffen auch andere Menschen. Wo die "
        "Herausgabe deren Rechte und Freiheiten beeinträchtigen würde, haben wir nur diese Teile "
        "ausgelassen und Ihnen den Rest gesendet (Art. 15 Abs. 4 UK GDPR):",
        "left_out_body_ccpa": "Einige Ihrer personenbezogenen Informationen betreffen auch andere "
        "Menschen. Wo die Herausgabe deren Rechte und Freiheiten beeinträchtigen würde, haben "
        "wir nur diese Teile ausgelassen und Ihnen den Rest gesendet:",
        "left_out_counts": "{rows} und {fields}",
        "left_out_row": "1 Eintrag",
        "left_out_rows": "{n} Einträge",
        "left_out_field": "1 einzelne Angabe",
        "left_out_fields": "{n} einzelne Angaben",
        "undisclosed": "Gespeichert, aber nicht übermittelt (kalifornisches Recht)",
        "undisclosed_body": "Kalifornisches Recht verbietet Unternehmen, manche Angaben selbst "
        "der betroffenen Person zu übermitteln, etwa Ausweisnummern, Kontonummern und "
        "Passwörter (Cal. Code Regs. tit. 11, §7024(d)). Wir speichern Angaben dieser Art über "
        "Sie; in Ihren Dateien sind diese Werte leer:",
        "field": "Feld",
        "missing": "{count} Dateien, auf die Ihre Datensätze verweisen, wurden in unserem "
        "Speicher nicht gefunden; die Datensätze selbst sind enthalten.",
        "missing_one": "1 Datei, auf die Ihre Datensätze verweisen, wurde in unserem Speicher "
        "nicht gefunden; der Datensatz selbst ist enthalten.",
        "rights": "Ihre Rechte",
        "rights_body": "Sie können verlangen, dass wir falsche Daten berichtigen (Art. 16), "
        "Daten löschen (Art. 17) oder ihre Verarbeitung einschränken (Art. 18), "
        "Sie können Ihre Daten in maschinenlesbarer Form erhalten oder an ein "
        "anderes Unternehmen übermitteln lassen (Art. 20), und Sie können der "
        "Verarbeitung widersprechen (Art. 21), insbesondere der Direktwerbung.",
        "complaint": "Sie können sich außerdem bei einer Datenschutz-Aufsichtsbehörde "
        "beschweren, insbesondere in dem EU-Land, in dem Sie leben oder arbeiten "
        "oder in dem der mutmaßliche Verstoß stattfand (Art. 77).",
        "complaint_uk_gdpr": "Sie können sich außerdem beim Information Commissioner's Office "
        "(ICO) beschweren, der Datenschutzaufsicht des Vereinigten Königreichs (UK GDPR Art. 77).",
        "rights_body_ccpa": "Nach kalifornischem Recht können Sie verlangen, dass wir Ihre "
        "personenbezogenen Informationen löschen (Cal. Civ. Code §1798.105), unrichtige "
        "berichtigen (§1798.106), Ihnen mitteilen, was wir erheben, nutzen und weitergeben "
        "(§1798.110), ihren Verkauf oder ihre Weitergabe beenden (§1798.120) und die Nutzung "
        "sensibler Informationen beschränken (§1798.121). Wir benachteiligen Sie nicht, wenn Sie "
        "diese Rechte ausüben (§1798.125).",
        "complaint_ccpa": "Sie können sich außerdem bei der California Privacy Protection Agency "
        "(cppa.ca.gov) oder beim Attorney General von Kalifornien beschweren.",
        "disclosure_business_purpose": "für einen Geschäftszweck offengelegt",
        "disclosure_sale": "verkauft",
        "disclosure_sharing": "für kontextübergreifende verhaltensbezogene Werbung weitergegeben",
        "disclosure_undeclared": "nicht angegeben, ob dies ein Verkauf oder eine Weitergabe ist",
        "selling": "Verkauf und Weitergabe",
        "selling_body": "Was wir Ihnen nach kalifornischem Recht über Verkauf, Weitergabe und "
        "Offenlegung Ihrer personenbezogenen Informationen mitteilen (Cal. Civ. Code §1798.110, "
        "§1798.115):",
        "not_sold_or_shared": "Wir verkaufen Ihre personenbezogenen Informationen nicht und geben "
        "sie nicht für kontextübergreifende verhaltensbezogene Werbung weiter.",
        "sold_body": "Diese Arten Ihrer personenbezogenen Informationen verkaufen wir, und zwar "
        "an:",
        "shared_body": "Diese Arten Ihrer personenbezogenen Informationen geben wir für "
        "kontextübergreifende verhaltensbezogene Werbung weiter, und zwar an:",
        "business_purpose_body": "Diese Arten Ihrer personenbezogenen Informationen legen wir für "
        "einen Geschäftszweck offen, und zwar gegenüber:",
        "sale_undeclared_body": "Für Folgendes geben unsere Unterlagen nicht an, ob wir es "
        "verkaufen oder weitergeben; diese Seite kann es Ihnen daher nicht sagen:",
        "authority": "Aufsichtsbehörde",
        "contact": "Fragen? Kontakt",
        "extra_files": "Von unseren Mitarbeitenden hinzugefügte Dateien",
    },
}


def texts(language: str) -> dict[str, str]:
    """The texts in a language (English when the language is not offered)."""
    return TEXTS.get(language, TEXTS["en"])


def for_law(t: dict[str, str], key: str, law: str) -> str:
    """A text as the request's law words it: its own variant (`key_uk_gdpr`, `key_ccpa`) where
    there is one, the GDPR's otherwise."""
    return t.get(f"{key}_{law}", t[key])
