"""The texts of the portal and the download pages: (key, English, German). Data, not logic."""

from __future__ import annotations

_TEXTS: list[tuple[str, str, str]] = [
    # --- frame ----------------------------------------------------------------------------
    ("skip_to_content", "Skip to content", "Zum Inhalt springen"),
    ("privacy_requests", "Privacy requests", "Datenschutzanfragen"),
    ("language", "Language", "Sprache"),
    (
        "footer_note",
        "We never send your data by e-mail. Every download is confirmed again.",
        "Wir schicken Ihre Daten nie per E-Mail. Jeder Download wird erneut bestätigt.",
    ),
    ("demo_inbox", "Demo inbox", "Demo-Postfach"),
    ("optional", "optional", "freiwillig"),
    ("there_is_a_problem", "There is a problem", "Es gibt ein Problem"),
    ("go_back", "Go back", "Zurück"),
    ("continue", "Continue", "Weiter"),
    ("confirm", "Confirm", "Bestätigen"),
    # --- home and new request -------------------------------------------------------------
    ("home_title", "Your personal data", "Ihre personenbezogenen Daten"),
    (
        "home_lead",
        "Ask {controller} for a copy of your personal data, or to correct or delete it.",
        "Fragen Sie {controller} nach einer Kopie Ihrer personenbezogenen Daten, oder "
        "lassen Sie sie berichtigen oder löschen.",
    ),
    (
        "home_safety",
        "Before anything is disclosed we confirm that you are you, and we confirm "
        "it again when you download.",
        "Bevor wir etwas herausgeben, bestätigen wir, dass Sie es "
        "sind, und beim Download noch einmal.",
    ),
    ("make_request", "Make a request", "Anfrage stellen"),
    ("check_request", "Check a request", "Anfrage ansehen"),
    ("new_title", "Make a request", "Anfrage stellen"),
    (
        "new_intro",
        "We will send a code to your e-mail address to confirm it is yours.",
        "Wir schicken einen Code an Ihre E-Mail-Adresse, um zu bestätigen, dass sie Ihnen gehört.",
    ),
    ("field_type", "What would you like?", "Was möchten Sie?"),
    (
        "field_type_hint",
        "Choose one; you can make another request later.",
        "Wählen Sie eines; weitere Anfragen sind später möglich.",
    ),
    ("field_jurisdiction", "Where do you live?", "Wo leben Sie?"),
    (
        "field_jurisdiction_hint",
        "This decides which law and which deadline apply.",
        "Davon hängen das geltende Recht und die Frist ab.",
    ),
    ("jurisdiction_gdpr", "European Union or EEA (GDPR)", "Europäische Union oder EWR (DSGVO)"),
    ("jurisdiction_uk_gdpr", "United Kingdom (UK GDPR)", "Vereinigtes Königreich (UK GDPR)"),
    ("jurisdiction_ccpa", "California (CCPA)", "Kalifornien (CCPA)"),
    ("field_email", "E-mail address", "E-Mail-Adresse"),
    (
        "field_email_hint",
        "Use the address you use with us.",
        "Nutzen Sie die Adresse, die Sie bei uns verwenden.",
    ),
    ("field_phone", "Mobile number", "Mobilnummer"),
    (
        "field_phone_hint",
        "Only if you use it with us, for example 0151 2345678.",
        "Nur wenn Sie sie bei uns nutzen, zum Beispiel 0151 2345678.",
    ),
    ("field_name", "Your name", "Ihr Name"),
    ("field_name_hint", "Only so that we can address you.", "Nur für die Anrede."),
    (
        "field_direct_marketing",
        "My objection is to direct marketing (advertising)",
        "Mein Widerspruch richtet sich gegen Direktwerbung",
    ),
    (
        "field_direct_marketing_hint",
        "Only for an objection. We must then stop using your data for direct marketing.",
        "Nur bei einem Widerspruch. Wir dürfen Ihre Daten dann nicht mehr für Direktwerbung "
        "verwenden.",
    ),
    ("field_details", "Anything we should know", "Was wir wissen sollten"),
    ("restriction", "Restriction of processing", "Einschränkung der Verarbeitung"),
    (
        "restriction_in_force",
        "In force since {day}. We will tell you before it is lifted.",
        "Gilt seit {day}. Bevor wir sie aufheben, teilen wir Ihnen das mit.",
    ),
    (
        "restriction_lifts_on",
        "In force; we told you it will be lifted on {day}.",
        "Gilt; wir haben Ihnen mitgeteilt, dass sie am {day} aufgehoben wird.",
    ),
    ("restriction_lifted", "Lifted on {day}.", "Am {day} aufgehoben."),
    (
        "field_details_hint",
        "For a correction: what is wrong and what is right.",
        "Bei einer Berichtigung: was falsch ist und was richtig ist.",
    ),
    ("send_request", "Send request", "Anfrage senden"),
    ("type_access", "A copy of my data", "Eine Kopie meiner Daten"),
    ("type_portability", "My data to take elsewhere", "Meine Daten zum Mitnehmen"),
    ("type_erasure", "Delete my data", "Meine Daten löschen"),
    ("type_rectification", "Correct my data", "Meine Daten berichtigen"),
    ("type_restriction", "Restrict the use of my data", "Die Nutzung meiner Daten einschränken"),
    (
        "type_objection",
        "Stop using my data (objection)",
        "Meine Daten nicht mehr nutzen (Widerspruch)",
    ),
    # --- verification ---------------------------------------------------------------------
    ("verify_title", "Enter your code", "Code eingeben"),
    (
        "verify_intro",
        "Your request has the reference {ref}. Enter the code from our e-mail.",
        "Ihre Anfrage hat den Vorgang {ref}. Geben Sie den Code aus unserer E-Mail ein.",
    ),
    (
        "verify_intro_step_up",
        "Your request has the reference {ref}. Enter the second code, which we sent to the "
        "contact detail you chose.",
        "Ihre Anfrage hat den Vorgang {ref}. Geben Sie den zweiten Code ein, den wir an die "
        "gewählte Kontaktangabe geschickt haben.",
    ),
    ("field_code", "Code", "Code"),
    # --- the link in a verification mail (/verify/link) -------------------------------------
    ("link_confirm_title", "Confirm your request", "Anfrage bestätigen"),
    (
        "link_confirm_text",
        "Confirm that you asked us about your personal data.",
        "Bestätigen Sie, dass Sie uns nach Ihren personenbezogenen Daten gefragt haben.",
    ),
    ("link_thanks", "Thank you", "Danke"),
    ("link_not_confirmed", "Not confirmed", "Nicht bestätigt"),
    ("link_incomplete_title", "Link incomplete", "Link unvollständig"),
    (
        "link_incomplete",
        "This link is missing its code. Open the link in our e-mail again, or copy all of it "
        "into the address bar.",
        "Diesem Link fehlt sein Code. Öffnen Sie den Link in unserer E-Mail noch einmal, oder "
        "kopieren Sie ihn ganz in die Adresszeile.",
    ),
    ("field_code_hint", "6 digits, valid for {n} minutes.", "6 Ziffern, {n} Minuten gültig."),
    ("field_code_hint_one", "6 digits, valid for 1 minute.", "6 Ziffern, 1 Minute gültig."),
    ("no_code_title", "No code arrived?", "Kein Code angekommen?"),
    (
        "no_code_text",
        "Check your spam folder, or ask for a new code. A new code leaves the earlier ones "
        "working, and the link in each of our mails works even when its code does not.",
        "Sehen Sie im Spam-Ordner nach oder fordern Sie einen neuen Code an. Ein neuer Code "
        "lässt die früheren gelten, und der Link in jeder unserer Mails gilt auch dann, wenn "
        "ihr Code nicht mehr gilt.",
    ),
    ("send_new_code", "Send a new code", "Neuen Code senden"),
    (
        "no_code_text_step_up",
        "Check your spam folder and your text messages, or ask for a new code on the page of "
        "your request.",
        "Sehen Sie im Spam-Ordner und in Ihren SMS nach, oder fordern Sie auf der Seite Ihrer "
        "Anfrage einen neuen Code an.",
    ),
    ("back_to_request", "Back to your request", "Zurück zu Ihrer Anfrage"),
    ("account_title", "Signed in with us?", "Bei uns angemeldet?"),
    ("account_ready", "Your account is ready to confirm this.", "Ihr Konto kann dies bestätigen."),
    ("field_assertion", "Sign-in token from your account", "Anmelde-Token aus Ihrem Konto"),
    (
        "field_assertion_hint",
        "Your account page gives you this token.",
        "Diesen Token erhalten Sie auf Ihrer Kontoseite.",
    ),
    ("continue_with_account", "Confirm with my account", "Mit meinem Konto bestätigen"),
    ("received_title", "We have your request", "Wir haben Ihre Anfrage"),
    (
        "received_no_proof",
        "Your request has the reference {ref}. We do not ask you to prove who you are for "
        "this request; we use the details you gave only to find your records. We will write "
        "to you at the address you gave once we have acted on it.",
        "Ihre Anfrage hat das Zeichen {ref}. Für diese Anfrage müssen Sie nicht nachweisen, "
        "wer Sie sind; Ihre Angaben nutzen wir nur, um Ihre Daten zu finden. Wir schreiben "
        "Ihnen an die angegebene Adresse, sobald wir gehandelt haben.",
    ),
    (
        "sent_message",
        "If this address is on file with us, a code is on its way to it.",
        "Wenn diese Adresse bei uns hinterlegt ist, ist ein Code an sie unterwegs.",
    ),
    (
        "sent_message_step_up",
        "If this contact detail is on file with us, a code is on its way to it.",
        "Wenn diese Kontaktangabe bei uns hinterlegt ist, ist ein Code an sie unterwegs.",
    ),
    ("verified_flash", "Thank you, you are verified.", "Danke, Sie sind bestätigt."),
    (
        "outcome_bound",
        "You are verified. We are preparing the answer to your request.",
        "Sie sind bestätigt. Wir bereiten die Antwort auf Ihre Anfrage vor.",
    ),
    (
        "outcome_bound_waiting",
        "You are verified, but we cannot answer yet: California law asks for more proof that "
        "the request is yours. The page of your request says what is still missing.",
        "Sie sind bestätigt, aber wir können noch nicht antworten: Das kalifornische Recht "
        "verlangt mehr Nachweise, dass die Anfrage von Ihnen kommt. Was noch fehlt, steht auf "
        "der Seite Ihrer Anfrage.",
    ),
    (
        "outcome_rejected",
        "We refused this request. The page of your request gives the reasons.",
        "Wir haben diese Anfrage abgelehnt. Die Gründe stehen auf der Seite Ihrer Anfrage.",
    ),
    (
        "outcome_no_subject",
        "You are verified. We hold no personal data about you under the "
        "details you confirmed, so the request is closed.",
        "Sie sind bestätigt. Unter den "
        "bestätigten Angaben haben wir keine Daten über Sie; die Anfrage ist abgeschlossen.",
    ),
    (
        "outcome_ambiguous",
        "Thank you. A member of our team must check one detail before we go on.",
        "Danke. Eine Person aus unserem Team muss eine Angabe prüfen, bevor es weitergeht.",
    ),
    (
        "outcome_answered",
        "You are verified, and we have answered your request: see below.",
        "Sie sind bestätigt, und wir haben Ihre Anfrage beantwortet: siehe unten.",
    ),
    (
        "outcome_held",
        "Thank you. Your request is on hold for now; the page of your request says why.",
        "Danke. Ihre Anfrage ruht vorerst; warum, steht auf der Seite Ihrer Anfrage.",
    ),
    (
        "outcome_cancelled",
        "This request was withdrawn, so we stopped working on it. The page of your request "
        "shows how it ended.",
        "Diese Anfrage wurde zurückgezogen, daher bearbeiten wir sie nicht weiter. Wie sie "
        "endete, steht auf der Seite Ihrer Anfrage.",
    ),
    (
        "outcome_closed",
        "This request is closed. The page of your request shows how it ended.",
        "Diese Anfrage ist abgeschlossen. Wie sie endete, steht auf der Seite Ihrer Anfrage.",
    ),
    (
        "outcome_expired",
        "This request was closed because it was not verified in time. The page of your "
        "request says more.",
        "Diese Anfrage wurde geschlossen, weil sie nicht rechtzeitig überprüft werden konnte. "
        "Mehr steht auf der Seite Ihrer Anfrage.",
    ),
    (
        "outcome_other",
        "Thank you. The page of your request shows where it stands.",
        "Danke. Wie Ihre Anfrage steht, zeigt die Seite Ihrer Anfrage.",
    ),
    (
        "outcome_awaiting_approval",
        "Thank you. A member of our team must approve the request before we go on.",
        "Danke. Eine Person aus unserem Team muss die Anfrage freigeben.",
    ),
    (
        "outcome_unverified",
        "Not verified yet: enter a code we sent you.",
        "Noch nicht bestätigt: Geben Sie einen Code ein, den wir Ihnen geschickt haben.",
    ),
    # --- checking and signing in ----------------------------------------------------------
    ("check_title", "Check a request", "Anfrage ansehen"),
    (
        "check_intro",
        "Enter the reference from our e-mail. We will send a code to the address you confirmed.",
        "Geben Sie den Vorgang aus unserer E-Mail ein. Wir schicken einen Code "
        "an die Adresse, die Sie bestätigt haben.",
    ),
    ("field_reference", "Reference", "Vorgang"),
    (
        "field_reference_hint",
        "As in our e-mail, for example 3f2b9c1a, or the full one from your status page",
        "Wie in unserer E-Mail, zum Beispiel 3f2b9c1a, oder vollständig von Ihrer Statusseite",
    ),
    ("sign_in_title", "Sign in to your request", "Bei Ihrer Anfrage anmelden"),
    (
        "sign_in_intro",
        "We send a code to the contact detail you confirmed for this request.",
        "Wir schicken einen Code an die Kontaktangabe, die Sie für diese Anfrage bestätigt haben.",
    ),
    (
        "sign_in_sent",
        "If this request exists and has a confirmed contact, a code is on its way.",
        "Wenn es diese Anfrage gibt und sie eine bestätigte Kontaktangabe hat, ist ein Code "
        "unterwegs.",
    ),
    ("send_sign_in_code", "Send me a code", "Code senden"),
    ("sign_in_unconfirmed_title", "Not confirmed your request yet?", "Noch nicht bestätigt?"),
    (
        "sign_in_unconfirmed_text",
        "Sign-in codes go only to a contact you confirmed. If you have not yet typed the code of "
        "our first mail, ask for a new confirmation code.",
        "Anmeldecodes gehen nur an eine bestätigte Kontaktangabe. Wenn Sie den Code aus unserer "
        "ersten E-Mail noch nicht eingegeben haben, fordern Sie einen neuen Bestätigungscode an.",
    ),
    ("send_confirmation_code", "Send a confirmation code", "Bestätigungscode senden"),
    ("sign_in", "Sign in", "Anmelden"),
    (
        "sign_in_link_intro",
        "You opened the sign-in link from our message. Sign in to see your request.",
        "Sie haben den Anmeldelink aus unserer Nachricht geöffnet. Melden Sie sich an, um Ihre "
        "Anfrage zu sehen.",
    ),
    ("sign_out", "Sign out", "Abmelden"),
    # --- status ---------------------------------------------------------------------------
    ("status_title", "Your request", "Ihre Anfrage"),
    ("reference", "Reference", "Vorgang"),
    ("kind_of_request", "Request", "Anfrage"),
    ("status", "Status", "Stand"),
    ("received", "Received", "Eingegangen"),
    ("answer_by", "We answer by", "Wir antworten bis"),
    ("days_left", "{n} days left", "noch {n} Tage"),
    ("days_left_one", "1 day left", "noch 1 Tag"),
    ("days_overdue", "{n} days overdue", "{n} Tage überfällig"),
    ("days_overdue_one", "1 day overdue", "1 Tag überfällig"),
    (
        "deadline_basis_gdpr",
        "One month from receipt (GDPR Art. 12(3)).",
        "Ein Monat ab Eingang (DSGVO Art. 12 Abs. 3).",
    ),
    (
        "deadline_basis_uk_gdpr",
        "One month from receipt (UK GDPR Art. 12(3)).",
        "Ein Monat ab Eingang (UK GDPR Art. 12 Abs. 3).",
    ),
    (
        "deadline_basis_ccpa",
        "45 days from receipt (CCPA, Cal. Code Regs. tit. 11 § 7021).",
        "45 Tage ab Eingang (CCPA, Cal. Code Regs. tit. 11 § 7021).",
    ),
    (
        "deadline_basis_extended_gdpr",
        "One month from receipt, extended by up to two further months, as GDPR Art. 12(3) allows.",
        "Ein Monat ab Eingang, verlängert um bis zu zwei weitere Monate, wie DSGVO Art. 12 "
        "Abs. 3 es erlaubt.",
    ),
    (
        "deadline_basis_extended_uk_gdpr",
        "One month from receipt, extended by up to two further months, as UK GDPR Art. 12(3) "
        "allows.",
        "Ein Monat ab Eingang, verlängert um bis zu zwei weitere Monate, wie UK GDPR Art. 12 "
        "Abs. 3 es erlaubt.",
    ),
    (
        "deadline_basis_extended_ccpa",
        "45 days from receipt, extended by up to 45 further days, as Cal. Code Regs. tit. 11 "
        "§ 7021(b) allows.",
        "45 Tage ab Eingang, verlängert um bis zu 45 weitere Tage, wie Cal. Code Regs. tit. 11 "
        "§ 7021(b) es erlaubt.",
    ),
    ("extended", "Extended", "Verlängert"),
    ("refusal_reasons", "Why we cannot act", "Warum wir nicht tätig werden können"),
    ("status_received", "Received", "Eingegangen"),
    (
        "status_awaiting_verification",
        "Waiting for your confirmation",
        "Wartet auf Ihre Bestätigung",
    ),
    ("status_verified", "Confirmed", "Bestätigt"),
    ("status_collecting", "Gathering your data", "Wir stellen Ihre Daten zusammen"),
    ("status_in_review", "Being checked", "In Prüfung"),
    ("status_approved", "Approved, about to be sent", "Freigegeben, gleich bereit"),
    ("status_delivered", "Ready to download", "Bereit zum Download"),
    ("status_closed", "Closed", "Abgeschlossen"),
    ("status_rejected", "Refused", "Abgelehnt"),
    ("status_cancelled", "Cancelled", "Zurückgezogen"),
    ("status_expired", "Expired", "Verfallen"),
    ("status_on_hold", "On hold", "Angehalten"),
    (
        "explain_received",
        "We have your request and will ask you to confirm it.",
        "Ihre Anfrage ist da; wir bitten Sie um eine Bestätigung.",
    ),
    (
        "explain_awaiting_verification",
        "Enter the code we sent you to go on.",
        "Geben Sie den Code ein, den wir Ihnen geschickt haben.",
    ),
    (
        "explain_verified",
        "You are confirmed. We are about to gather your data.",
        "Sie sind bestätigt. Wir stellen gleich Ihre Daten zusammen.",
    ),
    (
        "explain_verified_staff_act",
        "You are confirmed. Our team now carries out your request and writes to you when it is "
        "done.",
        "Sie sind bestätigt. Unser Team führt Ihre Anfrage jetzt aus und schreibt Ihnen, sobald "
        "sie erledigt ist.",
    ),
    (
        "explain_verified_disclosure_waits",
        "You are confirmed. Before we gather your data, California law asks us to be surer that "
        "the request is yours: see below what is still missing.",
        "Sie sind bestätigt. Bevor wir Ihre Daten zusammenstellen, verlangt das kalifornische "
        "Recht mehr Gewissheit, dass die Anfrage von Ihnen kommt: Was noch fehlt, steht unten.",
    ),
    (
        "explain_verified_deletion_waits",
        "You are confirmed. Before we delete your data, California law asks us to be surer that "
        "the request is yours: see below what is still missing.",
        "Sie sind bestätigt. Bevor wir Ihre Daten löschen, verlangt das kalifornische Recht mehr "
        "Gewissheit, dass die Anfrage von Ihnen kommt: Was noch fehlt, steht unten.",
    ),
    (
        "explain_collecting",
        "We are gathering your data from our systems.",
        "Wir stellen Ihre Daten aus unseren Systemen zusammen.",
    ),
    (
        "status_look_again",
        "You can close this page: we tell you when your data is ready.",
        "Sie können diese Seite schließen: Wir sagen Ihnen Bescheid, sobald Ihre Daten "
        "bereitliegen.",
    ),
    ("look_again", "Look again now", "Jetzt erneut nachsehen"),
    (
        "explain_in_review",
        "A person checks that everything belongs to you and nobody else.",
        "Eine Person prüft, dass alles Ihnen gehört und niemand anderem.",
    ),
    (
        "explain_approved",
        "Your data has been checked and will be ready in a moment.",
        "Ihre Daten sind geprüft und gleich bereit.",
    ),
    (
        "explain_delivered",
        "Your data is ready. Download it below; we confirm it is you first.",
        "Ihre Daten liegen bereit. Laden Sie sie unten herunter; vorher bestätigen wir, dass Sie "
        "es sind.",
    ),
    (
        "explain_handed_over",
        "We gave you your data another way than a download link (by post or in person).",
        "Wir haben Ihnen Ihre Daten auf anderem Weg als über einen Download-Link übergeben (per "
        "Post oder persönlich).",
    ),
    ("explain_closed", "This request is finished.", "Diese Anfrage ist erledigt."),
    (
        "explain_rejected",
        "We could not act on this request; the reasons are below. You may "
        "complain to a supervisory authority or go to court.",
        "Wir konnten dieser Anfrage nicht "
        "nachkommen; die Gründe stehen unten. Sie können sich bei einer Aufsichtsbehörde "
        "beschweren oder ein Gericht anrufen.",
    ),
    ("explain_cancelled", "This request was withdrawn.", "Diese Anfrage wurde zurückgezogen."),
    (
        "explain_expired",
        "This request was closed because it was not verified in time: we could not be sure "
        "enough that it came from you.",
        "Diese Anfrage wurde geschlossen, weil sie nicht rechtzeitig überprüft werden konnte: "
        "Wir konnten nicht sicher genug sein, dass sie von Ihnen kam.",
    ),
    (
        "explain_on_hold",
        "This request is paused; we will contact you.",
        "Diese Anfrage ruht; wir melden uns bei Ihnen.",
    ),
    # --- a denied CCPA deletion: the opt-out of sale or sharing (§7062(f)) -------------------
    ("opt_out_title", "Selling and sharing", "Verkauf und Weitergabe"),
    (
        "opt_out_text",
        "We could not delete your data. Would you like to opt out of the sale or sharing of your "
        "personal information? You may do so at any time, without proving who you are.",
        "Wir konnten Ihre Daten nicht löschen. Möchten Sie dem Verkauf oder der Weitergabe Ihrer "
        "personenbezogenen Informationen widersprechen (Opt-out)? Das können Sie jederzeit, ohne "
        "Ihre Identität nachzuweisen.",
    ),
    ("opt_out_link", "Make a request to opt out", "Opt-out-Antrag stellen"),
    (
        "opt_out_notice",
        "Our notice of the right to opt out (Do Not Sell or Share My Personal Information)",
        "Unser Hinweis zum Recht auf Opt-out (Do Not Sell or Share My Personal Information)",
    ),
    ("step_up_title", "One more confirmation", "Noch eine Bestätigung"),
    ("declaration_title", "Your signed declaration", "Ihre unterschriebene Erklärung"),
    ("account_sign_in_title", "Sign in with your account", "Mit Ihrem Konto anmelden"),
    (
        "account_sign_in_text",
        "You have an account with us. California law lets us tell you the personal information "
        "we hold about you, its specific pieces or its categories, only once you have signed in "
        "with that account for this request. A signed declaration does not replace the sign-in, "
        "so we do not ask you for one.",
        "Sie haben bei uns ein Konto. Nach kalifornischem Recht dürfen wir Ihnen die "
        "personenbezogenen Daten, die wir über Sie haben, einzeln oder nach Kategorien, erst "
        "mitteilen, wenn Sie sich für diese Anfrage mit diesem Konto angemeldet haben. Eine "
        "unterschriebene Erklärung ersetzt die Anmeldung nicht; deshalb bitten wir Sie um keine.",
    ),
    (
        "declaration_text",
        "California law lets us give you the specific pieces of personal information only "
        "once you have matched three details we hold and signed this declaration. Type your "
        "full name to sign it.",
        "Nach kalifornischem Recht dürfen wir Ihnen die einzelnen Daten erst geben, wenn Sie drei "
        "bei uns hinterlegte Angaben bestätigt und diese Erklärung unterschrieben haben. Geben "
        "Sie zum Unterschreiben Ihren vollständigen Namen ein.",
    ),
    ("field_full_name", "Your full name", "Ihr vollständiger Name"),
    (
        "field_full_name_hint",
        "Typing your name here signs the declaration above.",
        "Mit Ihrem Namen hier unterschreiben Sie die Erklärung oben.",
    ),
    ("sign_declaration", "Sign the declaration", "Erklärung unterschreiben"),
    (
        "declaration_signed",
        "You signed the declaration.",
        "Sie haben die Erklärung unterschrieben.",
    ),
    (
        "declaration_waiting",
        "We prepare your data once you have signed in with your account, or confirmed three "
        "details we hold and signed the declaration. Until then we wait.",
        "Wir stellen Ihre Daten zusammen, sobald Sie sich mit Ihrem Konto angemeldet oder drei "
        "bei uns hinterlegte Angaben bestätigt und die Erklärung unterschrieben haben. Bis "
        "dahin warten wir.",
    ),
    (
        "declaration_checking",
        "Thank you. Your declaration signed on paper has reached us, and a member of our team is "
        "checking it. We prepare your data once it is approved.",
        "Danke. Ihre auf Papier unterschriebene Erklärung ist bei uns eingegangen; eine Person "
        "aus unserem Team prüft sie. Wir stellen Ihre Daten zusammen, sobald sie freigegeben ist.",
    ),
    ("declaration_missing", "Where things stand:", "Stand:"),
    ("deletion_wait_title", "Before we delete your data", "Bevor wir Ihre Daten löschen"),
    (
        "step_up_text_deletion",
        "Before we delete your data, please confirm one more detail we hold for you.",
        "Bevor wir Ihre Daten löschen, bestätigen Sie bitte eine weitere bei uns hinterlegte "
        "Angabe.",
    ),
    (
        "declaration_ask_us",
        "You cannot confirm another detail on this page. Reply to our message and we will "
        "check one with you, for example by calling the phone number we hold for you.",
        "Eine weitere Angabe können Sie auf dieser Seite nicht bestätigen. Antworten Sie auf "
        "unsere Nachricht, dann prüfen wir eine mit Ihnen, etwa per Rückruf unter der bei uns "
        "hinterlegten Telefonnummer.",
    ),
    (
        "outcome_declared",
        "Thank you; your declaration is recorded.",
        "Danke; Ihre Erklärung ist festgehalten.",
    ),
    (
        "step_up_text",
        "Some of your data is sensitive (for example recordings or location). "
        "Before we include it, please confirm a second way.",
        "Ein Teil Ihrer Daten ist sensibel "
        "(zum Beispiel Aufnahmen oder Standorte). Bevor wir ihn einbeziehen, bestätigen Sie bitte "
        "auf einem zweiten Weg.",
    ),
    (
        "step_up_text_staff_act",
        "Some of your data is sensitive (for example recordings or location). "
        "Before we act on your request, please confirm a second way.",
        "Ein Teil Ihrer Daten ist sensibel "
        "(zum Beispiel Aufnahmen oder Standorte). Bevor wir Ihre Anfrage ausführen, bestätigen Sie "
        "bitte auf einem zweiten Weg.",
    ),
    ("field_phone_on_file", "Mobile number you use with us", "Mobilnummer, die Sie bei uns nutzen"),
    (
        "field_phone_on_file_hint",
        "We send a code only to a number we already hold for you.",
        "Wir schicken einen Code nur an eine Nummer, die wir schon für Sie haben.",
    ),
    ("send_code_phone", "Send a code by text message", "Code per SMS senden"),
    ("send_code_email", "Send a code by e-mail", "Code per E-Mail senden"),
    (
        "field_email_on_file",
        "E-mail address you use with us",
        "E-Mail-Adresse, die Sie bei uns nutzen",
    ),
    (
        "field_email_on_file_hint",
        "We send a code only to an address we already hold for you.",
        "Wir schicken einen Code nur an eine Adresse, die wir schon für Sie haben.",
    ),
    (
        "delivery_email_title",
        "To receive your data we need an e-mail address confirmed by a code",
        "Damit Sie Ihre Daten erhalten, brauchen wir eine per Code bestätigte E-Mail-Adresse",
    ),
    (
        "delivery_email_text",
        "You confirmed this request by text message, and a text message cannot carry your "
        "data: we send the download link only to an e-mail address you confirm with a code we "
        "mail to it. Once you have, the link goes there as soon as your data is ready.",
        "Sie haben diese Anfrage per SMS bestätigt, und eine SMS kann Ihre Daten nicht "
        "überbringen: Den Download-Link schicken wir nur an eine E-Mail-Adresse, die Sie mit "
        "einem Code bestätigen, den wir dorthin schicken. Danach geht der Link dorthin, sobald "
        "Ihre Daten bereit sind.",
    ),
    ("downloads_title", "Your download", "Ihr Download"),
    ("open_download", "Open the download page", "Downloadseite öffnen"),
    (
        "link_state_active",
        "works until {until}, {n} downloads left.",
        "gilt bis {until}, noch {n} Downloads.",
    ),
    (
        "link_state_active_one",
        "works until {until}, 1 download left.",
        "gilt bis {until}, noch 1 Download.",
    ),
    ("link_state_revoked", "This link was stopped.", "Dieser Link wurde gesperrt."),
    (
        "link_state_exhausted",
        "Every download of this link was used.",
        "Alle Downloads dieses Links sind verbraucht.",
    ),
    ("link_state_expired", "This link has expired.", "Dieser Link ist abgelaufen."),
    # --- download -------------------------------------------------------------------------
    ("download_title", "Download your data", "Ihre Daten herunterladen"),
    ("link_valid_until", "Link valid until", "Link gültig bis"),
    ("downloads_left", "Downloads left", "Verbleibende Downloads"),
    ("protection", "Protection", "Schutz"),
    ("protected_yes", "Encrypted with your passphrase", "Mit Ihrer Passphrase verschlüsselt"),
    ("confirm_it_is_you", "First, confirm it is you", "Bestätigen Sie zuerst, dass Sie es sind"),
    (
        "link_alone_opens_nothing",
        "This link alone opens nothing. We send a fresh code to the "
        "contact you confirmed for this request.",
        "Dieser Link allein öffnet nichts. Wir schicken "
        "einen neuen Code an die Kontaktangabe, die Sie für diese Anfrage bestätigt haben.",
    ),
    ("send_code_to", "Send a code to {hint}", "Code an {hint} senden"),
    ("enter_code_title", "Enter your download code", "Download-Code eingeben"),
    (
        "download_code_sent",
        "We sent a code to {hint}.",
        "Wir haben einen Code an {hint} geschickt.",
    ),
    (
        "download_code_and_link_sent",
        "We sent a code to {hint}. Type it here, or open the link in that mail in this browser.",
        "Wir haben einen Code an {hint} geschickt. Geben Sie ihn hier ein, oder öffnen Sie den "
        "Link aus dieser Mail in diesem Browser.",
    ),
    (
        "download_link_sent",
        "We sent a link to {hint}. Open it in this browser to start the download.",
        "Wir haben einen Link an {hint} geschickt. Öffnen Sie ihn in diesem Browser, um den "
        "Download zu starten.",
    ),
    (
        "download_link_intro",
        "You opened the link from our message with a download code. Confirm to start the "
        "download in this browser.",
        "Sie haben den Link aus unserer Nachricht mit dem Download-Code geöffnet. Bestätigen "
        "Sie, um den Download in diesem Browser zu starten.",
    ),
    ("ready_title", "Ready to download", "Bereit zum Download"),
    (
        "ready_text",
        "You are confirmed. If the download breaks, start it again: it continues "
        "where it stopped and counts once.",
        "Sie sind bestätigt. Bricht der Download ab, starten "
        "Sie ihn neu: er macht dort weiter und zählt einmal.",
    ),
    ("download_now", "Download", "Herunterladen"),
    ("protect_title", "Extra protection", "Zusätzlicher Schutz"),
    (
        "protect_text",
        "We can encrypt the file with a passphrase that we show only here, never by "
        "e-mail. Anyone who copies the file cannot open it without the passphrase.",
        "Wir können "
        "die Datei mit einer Passphrase verschlüsseln, die wir nur hier zeigen, nie per E-Mail. "
        "Wer die Datei kopiert, kann sie ohne Passphrase nicht öffnen.",
    ),
    ("protect_button", "Protect with a passphrase", "Mit Passphrase schützen"),
    ("protect_again", "Make a new passphrase", "Neue Passphrase erzeugen"),
    ("passphrase_title", "Your passphrase", "Ihre Passphrase"),
    (
        "passphrase_intro",
        "Write this passphrase down now. You need it to open the file.",
        "Schreiben Sie diese Passphrase jetzt auf. Sie brauchen sie zum Öffnen der Datei.",
    ),
    (
        "passphrase_warning",
        "We do not keep the passphrase and will not send it to you. If you "
        "lose it, make a new one on the download page.",
        "Wir speichern die Passphrase nicht und schicken sie Ihnen nicht. "
        "Geht sie verloren, erzeugen Sie auf der Downloadseite eine neue.",
    ),
    ("passphrase_how_title", "How to open the file", "So öffnen Sie die Datei"),
    (
        "passphrase_how",
        "The file uses the open age format. Open it with age, rage or any "
        "compatible tool and enter the passphrase, for example:",
        "Die Datei nutzt das offene "
        "Format age. Öffnen Sie sie mit age, rage oder einem kompatiblen Programm und geben Sie "
        "die Passphrase ein, zum Beispiel:",
    ),
    ("refused_unknown_title", "This link is not valid", "Dieser Link ist ungültig"),
    (
        "refused_unknown_text",
        "We know no link like this. Check that you copied all of it.",
        "Diesen Link kennen wir nicht. Prüfen Sie, ob Sie ihn vollständig kopiert haben.",
    ),
    ("refused_expired_title", "This link has expired", "Dieser Link ist abgelaufen"),
    (
        "refused_expired_text",
        "Download links work for a limited time, so that a forgotten "
        "e-mail cannot open your data later.",
        "Download-Links gelten nur begrenzt, damit eine "
        "vergessene E-Mail Ihre Daten später nicht öffnen kann.",
    ),
    ("refused_revoked_title", "This link was stopped", "Dieser Link wurde gesperrt"),
    (
        "refused_revoked_text",
        "This link no longer works: it was stopped on purpose.",
        "Dieser Link funktioniert nicht mehr: er wurde bewusst gesperrt.",
    ),
    ("refused_exhausted_title", "This link has been used up", "Dieser Link ist aufgebraucht"),
    (
        "refused_exhausted_text",
        "This link was used for every download it allows.",
        "Dieser Link wurde für alle erlaubten Downloads genutzt.",
    ),
    (
        "refused_next",
        "If this is your request, sign in to it to see where it stands, or contact us.",
        "Ist das Ihre Anfrage, melden Sie sich an, um den Stand zu sehen, oder schreiben Sie uns.",
    ),
    # --- the requester stops a link someone else holds ----------------------------------
    ("stop_title", "Stop your download link", "Ihren Download-Link sperren"),
    (
        "stop_text",
        "Someone asked for a code to download your data with your link. If that was not you, "
        "stop the link: nobody can download with it any more, and you can ask us for a new one.",
        "Jemand hat mit Ihrem Link einen Code angefordert, um Ihre Daten herunterzuladen. Waren "
        "Sie das nicht, sperren Sie den Link: Niemand kann damit mehr etwas herunterladen, und "
        "Sie können einen neuen bei uns anfordern.",
    ),
    ("stop_button", "Stop the link", "Link sperren"),
    ("stop_done_title", "The link is stopped", "Der Link ist gesperrt"),
    (
        "stop_done_text",
        "Nobody can download your data with it any more. Contact us when you want a new link.",
        "Niemand kann Ihre Daten damit mehr herunterladen. Schreiben Sie uns, wenn Sie einen "
        "neuen Link möchten.",
    ),
    # --- not my data ----------------------------------------------------------------------
    ("not_mine_title", "This is not my data", "Das sind nicht meine Daten"),
    (
        "not_mine_text",
        "Did you not ask for this, or is it someone else's data? Tell us with "
        "one click; you need not sign in.",
        "Haben Sie das nicht angefordert, oder sind es Daten "
        "einer anderen Person? Sagen Sie es uns mit einem Klick; eine Anmeldung ist nicht nötig.",
    ),
    (
        "not_mine_page_text",
        "If you received a link to data that is not yours, press the button. At once:",
        "Wenn Sie einen Link zu Daten bekommen haben, die nicht Ihre sind, drücken "
        "Sie den Knopf. Sofort:",
    ),
    (
        "not_mine_effect_revoke",
        "every link to that data stops working;",
        "funktioniert kein Link zu diesen Daten mehr;",
    ),
    (
        "not_mine_effect_incident",
        "we open an incident and investigate;",
        "eröffnen wir einen Vorfall und klären ihn auf;",
    ),
    (
        "not_mine_effect_ack",
        "you get a confirmation here and by e-mail.",
        "bekommen Sie eine Bestätigung hier und per E-Mail.",
    ),
    ("not_mine_button", "This is not my data", "Das sind nicht meine Daten"),
    ("not_mine_done_title", "Thank you: the link is stopped", "Danke: der Link ist gesperrt"),
    (
        "not_mine_done_text",
        "We stopped {n} links to this data at {when}. Nobody can download it any more.",
        "Wir haben {n} Links zu diesen Daten am {when} gesperrt. Niemand kann "
        "sie mehr herunterladen.",
    ),
    (
        "not_mine_done_text_one",
        "We stopped the link to this data at {when}. Nobody can download it any more.",
        "Wir haben den Link zu diesen Daten am {when} gesperrt. Niemand kann sie mehr "
        "herunterladen.",
    ),
    (
        "not_mine_incident",
        "We opened an incident with the reference {ref} and will look into how it happened.",
        "Wir haben einen Vorfall mit dem Vorgang {ref} eröffnet und klären, wie es dazu kam.",
    ),
    (
        "not_mine_mailed",
        "We also sent you this confirmation by e-mail.",
        "Diese Bestätigung haben wir Ihnen auch per E-Mail geschickt.",
    ),
    (
        "not_mine_repeated",
        "You told us already, at {when}; nothing more needs to be stopped.",
        "Sie haben uns das bereits am {when} mitgeteilt; es muss nichts weiter gesperrt werden.",
    ),
    (
        "not_mine_use_mail",
        "If you downloaded or kept any of the data, please delete every copy; the link in the "
        "e-mail we sent you then lets you tell us.",
        "Falls Sie Daten heruntergeladen oder behalten haben, löschen Sie bitte jede Kopie; mit "
        "dem Link in der E-Mail, die wir Ihnen damals geschickt haben, können Sie es uns sagen.",
    ),
    ("deletion_title", "One more request", "Noch eine Bitte"),
    (
        "deletion_text",
        "If you downloaded or kept any of the data, please delete every copy. "
        "Telling us is optional, but it helps the person the data belongs to.",
        "Falls Sie Daten "
        "heruntergeladen oder behalten haben, löschen Sie bitte jede Kopie. Es uns zu sagen ist "
        "freiwillig, hilft aber der Person, der die Daten gehören.",
    ),
    ("deletion_question", "What applies?", "Was trifft zu?"),
    ("deletion_deleted", "I deleted every copy", "Ich habe jede Kopie gelöscht"),
    ("deletion_never", "I never downloaded it", "Ich habe nichts heruntergeladen"),
    ("deletion_confirm", "Tell them", "Mitteilen"),
    (
        "deletion_thanks",
        "Thank you. We recorded your answer.",
        "Danke. Wir haben Ihre Antwort festgehalten.",
    ),
    # --- errors ---------------------------------------------------------------------------
    ("err_email_required", "Enter your e-mail address", "Geben Sie Ihre E-Mail-Adresse ein"),
    (
        "err_email_invalid",
        "Enter an e-mail address like name@example.com",
        "Geben Sie eine E-Mail-Adresse wie name@example.com ein",
    ),
    (
        "err_full_name",
        "Type your full name (2 to {most} characters) to sign",
        "Geben Sie zum Unterschreiben Ihren vollständigen Namen ein (2 bis {most} Zeichen)",
    ),
    (
        "err_phone_invalid",
        "Enter a mobile number like 0151 2345678 or +49 151 2345678",
        "Geben Sie eine Mobilnummer wie 0151 2345678 oder +49 151 2345678 ein",
    ),
    (
        "err_no_contact_sms",
        "Enter the mobile number you use with us: this request has none to send the code to",
        "Geben Sie die Mobilnummer ein, die Sie bei uns nutzen: Für diese Anfrage haben wir "
        "keine, an die wir den Code schicken können",
    ),
    (
        "err_no_contact_email",
        "Enter the e-mail address you use with us: this request has none to send the code to",
        "Geben Sie die E-Mail-Adresse ein, die Sie bei uns nutzen: Für diese Anfrage haben wir "
        "keine, an die wir den Code schicken können",
    ),
    ("err_choice", "Choose one of the options", "Wählen Sie eine der Möglichkeiten"),
    ("err_too_long", "This is too long", "Das ist zu lang"),
    (
        "err_marketing_objection_only",
        "Tick this only for an objection; choose 'Stop using my data (objection)' above",
        "Kreuzen Sie das nur bei einem Widerspruch an; wählen Sie oben 'Meine Daten nicht mehr "
        "nutzen (Widerspruch)'",
    ),
    ("err_code_format", "Enter the 6 digits of the code", "Geben Sie die 6 Ziffern des Codes ein"),
    (
        "err_code_wrong",
        "This code is not right; {n} attempts left",
        "Dieser Code stimmt nicht; noch {n} Versuche",
    ),
    (
        "err_code_wrong_one",
        "This code is not right; 1 attempt left",
        "Dieser Code stimmt nicht; noch 1 Versuch",
    ),
    (
        "err_code_locked",
        "Too many wrong attempts: this code is locked. Ask for a new one.",
        "Zu viele Fehlversuche: dieser Code ist gesperrt. Fordern Sie einen neuen an.",
    ),
    (
        "err_code_expired",
        "This code has expired or was replaced. Ask for a new one.",
        "Dieser Code ist abgelaufen oder ersetzt. Fordern Sie einen neuen an.",
    ),
    (
        "err_code_used",
        "This code was used already. Ask for a new one.",
        "Dieser Code wurde schon benutzt. Fordern Sie einen neuen an.",
    ),
    (
        "err_link_used",
        "This link was used already; each link works once. Ask for a new code if you still "
        "need one.",
        "Dieser Link wurde schon benutzt; jeder Link gilt nur einmal. Fordern Sie einen neuen "
        "Code an, wenn Sie noch einen brauchen.",
    ),
    (
        "err_code_link_only",
        "Our mails for this download now carry a link instead of a code: open the link in the "
        "newest mail, in this browser, or ask for a new one.",
        "Unsere Mails für diesen Download enthalten jetzt einen Link statt eines Codes: Öffnen "
        "Sie den Link aus der neuesten Mail in diesem Browser, oder fordern Sie einen neuen an.",
    ),
    (
        "err_no_code",
        "No code was sent yet. Ask for one.",
        "Es wurde noch kein Code geschickt. Fordern Sie einen an.",
    ),
    (
        "err_no_code_here",
        "This browser did not ask for that code: enter it in the browser you asked from, or "
        "use the link in the e-mail, or ask for a new code here.",
        "Dieser Browser hat den Code nicht angefordert: Geben Sie ihn in dem Browser ein, in "
        "dem Sie ihn angefordert haben, nutzen Sie den Link in der E-Mail, oder fordern Sie "
        "hier einen neuen Code an.",
    ),
    (
        "err_resend_wait",
        "A code was sent moments ago. Try again in {n} seconds.",
        "Gerade wurde ein Code geschickt. Versuchen Sie es in {n} Sekunden erneut.",
    ),
    (
        "err_resend_wait_one",
        "A code was sent moments ago. Try again in 1 second.",
        "Gerade wurde ein Code geschickt. Versuchen Sie es in 1 Sekunde erneut.",
    ),
    (
        "err_too_many_submissions",
        "Too many requests were sent from your network in the last hour. Please try again in "
        "{n} minutes, or write to us.",
        "Aus Ihrem Netz wurden in der letzten Stunde zu viele Anfragen geschickt. Bitte versuchen "
        "Sie es in {n} Minuten erneut oder schreiben Sie uns.",
    ),
    (
        "err_too_many_submissions_one",
        "Too many requests were sent from your network in the last hour. Please try again in "
        "1 minute, or write to us.",
        "Aus Ihrem Netz wurden in der letzten Stunde zu viele Anfragen geschickt. Bitte versuchen "
        "Sie es in 1 Minute erneut oder schreiben Sie uns.",
    ),
    (
        "err_form_sent_before",
        "This form was already sent, as request {reference}, with other details. To make these "
        "details a new request, check them and send the form again.",
        "Dieses Formular wurde schon geschickt, als Vorgang {reference}, mit anderen Angaben. "
        "Um mit diesen Angaben eine neue Anfrage zu stellen, prüfen Sie sie und senden Sie das "
        "Formular erneut.",
    ),
    (
        "err_too_many_codes",
        "Too many codes were sent. Please contact us.",
        "Es wurden zu viele Codes geschickt. Bitte schreiben Sie uns.",
    ),
    (
        "err_codes_capped",
        "This request was sent as many codes as it may have for now. Open the link in the "
        "newest of our mails, or ask again in {n} hours.",
        "Für diesen Vorgang wurden vorerst so viele Codes geschickt, wie er haben kann. Öffnen "
        "Sie den Link in der neuesten unserer Mails, oder fragen Sie in {n} Stunden erneut.",
    ),
    (
        "err_codes_capped_one",
        "This request was sent as many codes as it may have for now. Open the link in the "
        "newest of our mails, or ask again in an hour.",
        "Für diesen Vorgang wurden vorerst so viele Codes geschickt, wie er haben kann. Öffnen "
        "Sie den Link in der neuesten unserer Mails, oder fragen Sie in einer Stunde erneut.",
    ),
    (
        "err_code_window_full",
        "This request was sent as many codes as it may have for now. A code we sent in the "
        "last {minutes} minutes still works; or ask again in {n} hours.",
        "Für diesen Vorgang wurden vorerst so viele Codes geschickt, wie er haben kann. Ein "
        "Code, den wir in den letzten {minutes} Minuten geschickt haben, gilt noch; oder fragen "
        "Sie in {n} Stunden erneut.",
    ),
    (
        "err_code_window_full_one",
        "This request was sent as many codes as it may have for now. A code we sent in the "
        "last {minutes} minutes still works; or ask again in an hour.",
        "Für diesen Vorgang wurden vorerst so viele Codes geschickt, wie er haben kann. Ein "
        "Code, den wir in den letzten {minutes} Minuten geschickt haben, gilt noch; oder fragen "
        "Sie in einer Stunde erneut.",
    ),
    (
        "err_link_invalid",
        "This link is not valid. Copy the whole link from the message, or ask for a new code.",
        "Dieser Link ist ungültig. Kopieren Sie den ganzen Link aus der Nachricht, oder fordern "
        "Sie einen neuen Code an.",
    ),
    (
        "err_sign_in_refused",
        "This code is not right, or no longer works. Type the code of a mail we sent in the "
        "last {minutes} minutes, or ask for a new one.",
        "Dieser Code stimmt nicht oder gilt nicht mehr. Geben Sie den Code einer Mail ein, die "
        "wir in den letzten {minutes} Minuten geschickt haben, oder fordern Sie einen neuen an.",
    ),
    (
        "err_open_link",
        "This request was sent all its codes: our newest mail has a link instead. Open it.",
        "Für diesen Vorgang wurden alle Codes geschickt: unsere neueste Mail enthält stattdessen "
        "einen Link. Öffnen Sie ihn.",
    ),
    (
        "err_assertion",
        "Your account could not confirm this: {reason}",
        "Ihr Konto konnte das nicht bestätigen: {reason}",
    ),
    (
        "err_reference",
        "We know no request by this reference; enter it as in our e-mail, for example 3f2b9c1a",
        "Diesen Vorgang kennen wir nicht; geben Sie ihn wie in unserer E-Mail ein, zum Beispiel "
        "3f2b9c1a",
    ),
    (
        "err_forged_form",
        "This form expired. Reload the page and try again.",
        "Dieses Formular ist abgelaufen. Laden Sie die Seite neu und versuchen Sie es noch einmal.",
    ),
    ("err_title", "Something is not right", "Etwas stimmt nicht"),
    ("err_not_found", "We could not find this page.", "Diese Seite gibt es nicht."),
    (
        "err_wrong_method",
        "This page cannot be used that way. Please start again from the link or the form.",
        "Diese Seite lässt sich so nicht aufrufen. Bitte beginnen Sie erneut über den Link "
        "oder das Formular.",
    ),
    (
        "err_bad_form",
        "The form did not arrive complete. Please go back, check each field and send it again.",
        "Das Formular ist nicht vollständig angekommen. Bitte gehen Sie zurück, prüfen Sie "
        "jedes Feld und senden Sie es erneut.",
    ),
    (
        "err_needs_link",
        "Open the link from our e-mail, or sign in to your request first.",
        "Öffnen Sie den Link aus unserer E-Mail oder melden Sie sich zuerst bei Ihrer Anfrage an.",
    ),
    (
        "err_code_link_needs_link",
        "This browser does not hold your download, so the link with your download code cannot "
        "start it here: it works in the browser where you asked for the code. Open the link "
        "from our e-mail that says your data is ready in this browser, or sign in to your "
        "request, and then open the link with your download code again: it still works.",
        "Dieser Browser hält Ihren Download nicht, daher kann der Link mit Ihrem Download-Code "
        "ihn hier nicht starten: Er funktioniert in dem Browser, in dem Sie den Code angefordert "
        "haben. Öffnen Sie in diesem Browser den Link aus unserer E-Mail, dass Ihre Daten "
        "bereitliegen, oder melden Sie sich bei Ihrer Anfrage an, und öffnen Sie dann den Link "
        "mit Ihrem Download-Code erneut: Er funktioniert noch.",
    ),
    (
        "err_no_session",
        "Confirm it is you first: ask for a fresh code.",
        "Bestätigen Sie zuerst, dass Sie es sind: Fordern Sie einen neuen Code an.",
    ),
    (
        "err_protect_again",
        "This download was protected with a passphrase before we changed our keys, so that "
        "passphrase no longer opens it. Protect it again on the download page for a new one.",
        "Dieser Download wurde mit einer Passphrase geschützt, bevor wir unsere Schlüssel "
        "gewechselt haben; sie öffnet ihn nicht mehr. Schützen Sie ihn auf der Download-Seite "
        "erneut, um eine neue zu erhalten.",
    ),
    (
        "err_not_deliverable",
        "This data cannot be downloaded right now. We are looking into it.",
        "Diese Daten können gerade nicht heruntergeladen werden. Wir kümmern uns darum.",
    ),
    (
        "err_generic",
        "Please try again, or contact us.",
        "Bitte versuchen Sie es erneut oder schreiben Sie uns.",
    ),
]

MESSAGES: dict[str, dict[str, str]] = {key: {"en": en, "de": de} for key, en, de in _TEXTS}
