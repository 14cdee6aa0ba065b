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
