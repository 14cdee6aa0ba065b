# Τι τυπώνουν οι εντολές του αρχείου: init, stats, export, import, verify, rebuild, αντίγραφα ασφαλείας.
log-init-exists = ο { $text } έχει ήδη αποθήκη ({ $events })· έμεινε ως έχει
log-init-created = δημιουργήθηκε κενή αποθήκη στον { $text }
stats-data-dir = κατάλογος δεδομένων
stats-events = γεγονότα
stats-streams = ροές
stats-head-position = θέση κεφαλής
stats-head-hash = hash κεφαλής
stats-size = μέγεθος στον δίσκο
stats-bytes = { $n } bytes
log-wrote-bundle = γράφτηκαν { $what } (θέσεις { $start }..{ $end }) στο { $text }
    hash κεφαλής { $hash }
log-wrote-lines = γράφτηκαν { $what } (θέσεις { $start }..{ $end }) ως JSON Lines στο { $text }
    τελευταίο hash { $hash }
log-imported = εισήχθησαν { $what } από το { $text }· το αρχείο τελειώνει τώρα στη θέση { $position } ({ $hash })
log-verifies = το αρχείο επαληθεύεται: { $what } σε { $value }, κεφαλή { $position } { $hash }
log-rebuilt = τα μοντέλα ανάγνωσης ανακατασκευάστηκαν από { $what }

## Αντίγραφα ασφαλείας
backup-written = γράφτηκε το αντίγραφο ασφαλείας { $text }: το αρχείο έως τη θέση { $position } ({ $hash }), { $what } στο θησαυροφυλάκιο, { $value }, { $n }
backup-verifies = το αντίγραφο ασφαλείας επαληθεύεται: το αρχείο έως τη θέση { $position } ({ $hash }), η σύνοψη κάθε μέρους (δώστε --key-file για να ελεγχθούν και τα αρχεία κλειδιών)
backup-verifies-keys = το αντίγραφο ασφαλείας επαληθεύεται: το αρχείο έως τη θέση { $position } ({ $hash }), η σύνοψη κάθε μέρους, τα αρχεία κλειδιών ανοίγουν με το κλειδί εγκατάστασης
backup-restored = το { $text } επαναφέρθηκε στον { $value }: το αρχείο έως τη θέση { $position } ({ $hash }), επαληθευμένο· αφαιρέθηκαν ξανά { $what }
backup-increment = (επαυξητικό αντίγραφο του αντιγράφου ασφαλείας έως τη θέση { $position })
backup-increment-alone = (επαυξητικό αντίγραφο του αντιγράφου ασφαλείας έως τη θέση { $position }, ελέγχθηκε μόνο του)
backup-increment-with-base = (επαυξητικό αντίγραφο του αντιγράφου ασφαλείας έως τη θέση { $position }, ελέγχθηκε μαζί με τη βάση του)
backup-cut-short = το αντίγραφο ασφαλείας κόπηκε πριν ολοκληρωθεί: { $problem }
backup-give-file = δώστε το αρχείο του αντιγράφου ασφαλείας
progress-backup = γράψιμο του αντιγράφου ασφαλείας
progress-restore = επαναφορά
restore-give-data-dir = δώστε τον νέο κατάλογο δεδομένων όπου θα γίνει η επαναφορά (ή PARAPOMPI_DATA)
restore-give-key = το κλειδί εγκατάστασης δεν περιέχεται ποτέ σε αντίγραφο ασφαλείας: δώστε αντίγραφο του κλειδιού με το οποίο δημιουργήθηκε ο κατάλογος δεδομένων (--key-file FILE), ή δηλώστε το με PARAPOMPI_DEPLOYMENT_KEY_FILE ή PARAPOMPI_DEPLOYMENT_KEY
restore-later-erasures = καταγράφηκαν { $what } μετά τη θέση του αντιγράφου ασφαλείας
restore-erased-already = είχαν ήδη διαγραφεί στο αντίγραφο ασφαλείας: { $text }
restore-not-in-backup = δεν υπάρχουν στο αντίγραφο ασφαλείας (καταχωρίστηκαν αφού έγινε;), δεν έγινε τίποτα: { $text }
restore-actor-id = { $text }: η επαναφορά δέχεται αναγνωριστικό μέλους του προσωπικού
restore-line-no-person = γραμμή { $n }: το { $text } δεν αρχίζει με αναγνωριστικό προσώπου
restore-line-no-staff = γραμμή { $n }: το { $text } δεν έχει αναγνωριστικό μέλους του προσωπικού μετά από αυτό του προσώπου
restore-line-no-supervisor = γραμμή { $n }: το { $text } δεν ονομάζει επόπτη που θα καταγράψει τη διαγραφή: δώστε --as STAFF ή αναγνωριστικό μέλους του προσωπικού μετά από αυτό του προσώπου
restore-line-too-long = γραμμή { $n }: το { $text } έχει περισσότερα από ένα αναγνωριστικό προσώπου και ένα μέλους του προσωπικού

## Το κλειδί εγκατάστασης (keys rotate)
keys-no-store = δεν υπάρχει αποθήκη στον { $text }· δεν υπάρχει κλειδί για εναλλαγή
keys-variable-not-set = το { $value } δεν έχει οριστεί (64 δεκαεξαδικά ψηφία)
keys-new-key-outside = το κλειδί εγκατάστασης έρχεται από το PARAPOMPI_DEPLOYMENT_KEY ή το PARAPOMPI_DEPLOYMENT_KEY_FILE, άρα και το νέο φυλάσσεται έξω από τον κατάλογο δεδομένων: δώστε --new-key-file FILE (δημιουργείται εκεί αν λείπει) ή --new-key-from-env (PARAPOMPI_NEW_DEPLOYMENT_KEY)
keys-rotated = έγινε εναλλαγή του κλειδιού εγκατάστασης: { $what } με το νέο κλειδί, το ευρετήριο ΑΜΚΑ ανακατασκευάστηκε με αυτό
keys-rotation-finished = ολοκληρώθηκε μια εναλλαγή που είχε διακοπεί: { $what } με το νέο κλειδί, το ευρετήριο ΑΜΚΑ ανακατασκευάστηκε με αυτό
keys-removed-old-file = αφαιρέθηκε το παλιό αρχείο κλειδιού { $text }
keys-old-backups = Τα αντίγραφα ασφαλείας που έγιναν ως τώρα ανοίγουν μόνο με το παλιό κλειδί: κρατήστε το παλιό κλειδί όσο κρατάτε κι εκείνα, και φυλάξτε αντίγραφο του νέου χωριστά από τα δεδομένα.
keys-new-key-in = το νέο κλειδί βρίσκεται στο { $text }
keys-give-new-key-next = από εδώ και πέρα, δίνετε το νέο κλειδί σε κάθε εντολή:
    στη συνέχεια:
keys-give-new-key-variable = από εδώ και πέρα, δίνετε το νέο κλειδί σε κάθε εντολή: ορίστε στο PARAPOMPI_DEPLOYMENT_KEY ό,τι περιέχει το { $value }

## Ο κόσμος επίδειξης (demo)
demo-not-empty = ο { $text } δεν είναι κενός· η επίδειξη χρειάζεται κενό ή νέο κατάλογο
progress-demo = ο κόσμος επίδειξης:
demo-made = δημιουργήθηκε ο κόσμος επίδειξης στον { $text } (σπόρος { $value }):
demo-centre = κέντρο  { $name }
demo-referrals = παραπομπές
demo-ending-outcome = { $text } ({ $outcome })
demo-next = στη συνέχεια, δοκιμάστε:

## Οι έλεγχοι ορισμάτων του αρχείου και η εξαγωγή από τον διακομιστή
log-not-in-log = η θέση { $position } δεν υπάρχει στο αρχείο (1..={ $end })
log-past-bundles = η θέση { $position } είναι μετά την τελευταία εγγραφή των πακέτων ({ $end })
log-export-server-jsonl = μέσω του διακομιστή οι εγγραφές εξάγονται ως JSON Lines (δώστε --jsonl)· πακέτο γράφεται μόνο στον ίδιο τον κατάλογο δεδομένων
log-export-server-failed = η εξαγωγή από τον διακομιστή απέτυχε: { $problem }
log-server-bad-record = ο διακομιστής έστειλε εγγραφή που δεν αναλύεται: { $problem }
log-export-ended-early = η εξαγωγή του διακομιστή σταμάτησε στη θέση { $position }, πριν από την κεφαλή { $end }: δεν κρατήθηκε τίποτα
progress-counting = καταμέτρηση του αρχείου
progress-exporting = εξαγωγή
progress-importing = εισαγωγή:
progress-the-log = το αρχείο:
progress-replaying = αναπαραγωγή
progress-rebuilding = ανακατασκευή:
progress-time-left = απομένουν περίπου { $value }
progress-work-checking = έλεγχος
progress-work-writing = γράψιμο
progress-work-verifying = επαλήθευση
progress-work-folding = ενημέρωση των μοντέλων ανάγνωσης
progress-work-simulating = προσομοίωση ημερών
progress-work-exporting = γράψιμο των εγγραφών
progress-work-replaying = έλεγχος και αναπαραγωγή των εγγραφών
