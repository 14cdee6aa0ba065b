# Η συνεδρία: ο κατάλογος δεδομένων που ανοίγει, το μέλος του προσωπικού που ενεργεί, και η
# γραμμή εντολών ως πελάτης διακομιστή (σύνδεση, αποσύνδεση, η αποθηκευμένη σύνδεση, οι απαντήσεις του διακομιστή).
session-no-store = δεν υπάρχει αποθήκη στον { $text }· εκτελέστε πρώτα `parapompi init` (ή `parapompi demo`)
session-in-use = ο κατάλογος δεδομένων { $text } χρησιμοποιείται από άλλη διεργασία (αναμονή { $value } s, --wait)· αν τον κρατά διακομιστής, στείλτε την εντολή μέσω αυτού με --server URL
session-made-deployment-key = προειδοποίηση: δημιουργήθηκε το κλειδί εγκατάστασης { $text }. Φυλάξτε αντίγραφό του χωριστά από τα δεδομένα: χωρίς αυτό δεν διαβάζεται η ταυτότητα κανενός προσώπου. Δίπλα στα δεδομένα ταιριάζει σε δοκιμή, όχι σε παραγωγική λειτουργία: κρατήστε το σε άλλον τόμο και δηλώστε το με PARAPOMPI_DEPLOYMENT_KEY_FILE (docs/CLI.md, "Keys").
session-made-signing-key = προειδοποίηση: δημιουργήθηκε το κλειδί υπογραφής { $text } για τα σημεία ελέγχου αυτού του καταλόγου δεδομένων· το δημόσιο κλειδί του είναι { $key }. Δώστε αυτό το κλειδί στους αξιολογητές και στον μάρτυρα εκτός ζώνης. Δίπλα στα δεδομένα ταιριάζει σε δοκιμή, όχι σε παραγωγική λειτουργία: όποιος έχει αντίγραφο του καταλόγου μπορεί να υπογράψει ως το κέντρο, γι' αυτό φυλάξτε αντίγραφό του χωριστά και ελέγχετε τα αντίγραφα του καταλόγου (docs/CLI.md, "Checkpoints and witnesses").
session-needs-actor = η εντολή καταγράφεται ως πράξη και χρειάζεται το μέλος του προσωπικού που ενεργεί (--as STAFF ή PARAPOMPI_ACTOR)
session-no-staff = δεν υπάρχει μέλος του προσωπικού { $id }
store-in-use = ο κατάλογος δεδομένων { $text } χρησιμοποιείται από άλλη διεργασία· δοκιμάστε ξανά όταν τελειώσει
store-corrupt = η αποθήκη είναι αλλοιωμένη στη θέση { $position }: { $problem }· εκτελέστε `parapompi verify` και επαναφέρετε από εξαγωγή
store-import-line = γραμμή εισαγωγής { $n }: { $problem }
store-import-record = εγγραφή εισαγωγής { $n } (byte { $value }): { $problem }

## Η αποθηκευμένη σύνδεση και ο διακομιστής
client-no-config-dir = δεν υπάρχει κατάλογος ρυθμίσεων για να φυλαχτεί η σύνδεση: ορίστε PARAPOMPI_CONFIG_DIR ή HOME
client-cannot-save = η σύνδεση δεν αποθηκεύεται στο { $text }: { $problem }
client-session-damaged = η αποθηκευμένη σύνδεση { $text } είναι κατεστραμμένη ({ $problem })· εκτελέστε ξανά `parapompi login`
client-cannot-read-session = δεν διαβάζεται η αποθηκευμένη σύνδεση { $text }: { $problem }
client-cannot-remove-session = δεν αφαιρείται η αποθηκευμένη σύνδεση { $text }: { $problem }
client-not-a-url = το { $text } δεν είναι διεύθυνση URL όπως http://127.0.0.1:8080
client-ca-unreadable = δεν διαβάζεται: { $problem }
client-ca-not-pem = δεν είναι πιστοποιητικά PEM ({ $problem })
client-ca-untrusted = πιστοποιητικό που δεν μπορεί να γίνει έμπιστο ({ $problem })
client-ca-empty = δεν περιέχει πιστοποιητικό
client-answer-lacks = η απάντηση του διακομιστή σε εγγραφή δεν έχει το { $text }
client-answer-bad-events = η απάντηση του διακομιστή σε εγγραφή δεν είναι η αναμενόμενη: { $problem }
client-not-a-token = δεν είναι διακριτικό της μορφής pp1_…
client-not-logged-in = δεν έχετε συνδεθεί στον { $value }: εκτελέστε `parapompi --server { $value } login --staff STAFF` (ή ορίστε PARAPOMPI_TOKEN)
client-answered-badly = ο διακομιστής { $value } απάντησε με σφάλμα: { $problem }
client-answer-too-large = η απάντηση του διακομιστή ξεπερνά τα { $max } bytes: δεν διαβάστηκε
client-unreachable = ο διακομιστής { $value } δεν είναι προσβάσιμος: { $problem }
client-not-json = η απάντηση του διακομιστή δεν είναι JSON: { $problem }
client-unknown-rule = ο διακομιστής αρνήθηκε με άγνωστο κανόνα { $rule }: { $problem }
client-login-refused = ο διακομιστής δεν δέχτηκε τη σύνδεση ({ $problem }): εκτελέστε ξανά `parapompi login`
client-answered = ο διακομιστής απάντησε { $value }: { $problem }

## Σύνδεση και αποσύνδεση
login-stdin-unreadable = δεν διαβάζεται η τυπική είσοδος: { $problem }
login-refused-id = ο διακομιστής δεν δέχτηκε τη σύνδεση ({ $problem }): ελέγξτε το αναγνωριστικό του μέλους του προσωπικού και τον κωδικό πρόσβασης
login-refused-name = ο διακομιστής δεν δέχτηκε τη σύνδεση ({ $problem }): ελέγξτε το όνομα και τον κωδικό πρόσβασης
login-no-token = η απάντηση του διακομιστή στη σύνδεση δεν έχει διακριτικό
logout-token-from-environment = το διακριτικό έρχεται από το περιβάλλον: καταργήστε τον ορισμό του (ένα διακριτικό API ανακαλείται με `staff revoke-credential`)
client-head-no-position = η κεφαλή που έστειλε ο διακομιστής δεν έχει θέση
client-bad-person-found = ο διακομιστής έστειλε πρόσωπο αναζήτησης που δεν αναλύεται: { $problem }
client-bad-names = η απάντηση του διακομιστή σε ανάγνωση ονομάτων δεν αναλύεται: { $problem }
client-bad-reference = η απάντηση του διακομιστή σε αναζήτηση αναφοράς δεν αναλύεται: { $problem }
client-bad-listing = η απάντηση του διακομιστή δεν είναι ο αναμενόμενος κατάλογος: { $problem }
client-tls = TLS: { $problem }
