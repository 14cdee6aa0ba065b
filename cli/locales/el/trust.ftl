# Τι τυπώνει ο έλεγχος πακέτων από αξιολογητή (verify --bundle).
trust-bundles-verify = τα πακέτα επαληθεύονται: { $what }, θέσεις { $start }..{ $end }, hash κεφαλής { $hash }
trust-range = τμήμα: καλύπτει μόνο τις θέσεις { $start }..{ $end }, δεμένο στο hash της θέσης { $position }· οι θέσεις 1..{ $position } δεν περιέχονται
trust-signed = υπογεγραμμένο σημείο ελέγχου της θέσης { $position } από { $value }
trust-signed-compare = υπογεγραμμένο σημείο ελέγχου της θέσης { $position } από { $value } (συγκρίνετε το κλειδί με αυτό που σας έδωσε το κέντρο εκτός ζώνης, ή δώστε --key)
trust-no-checkpoint = χωρίς σημείο ελέγχου: το πακέτο γράφτηκε χωρίς αυτό, άρα τίποτα υπογεγραμμένο δεν λέει ότι το κέντρο το αναγνωρίζει
trust-no-anchor = δεν ελέγχθηκε απέναντι σε εξωτερική άγκυρα (δώστε --witness, --pin ή --held)
trust-anchor-agrees = συμφωνεί με την εξωτερική άγκυρα: { $text }
trust-witness-signed = το αρχείο μάρτυρα είναι υπογεγραμμένο από { $value }
trust-bundle-bad = το πακέτο δεν επαληθεύεται: { $problem }
trust-witness-no-checkpoint = το πακέτο δεν επαληθεύεται απέναντι στον μάρτυρα: το { $text } δεν φέρει σημείο ελέγχου, άρα δεν ονομάζει προέλευση που θα μπορούσε να κρατά ο μάρτυρας (γράφτηκε πριν από τα σημεία ελέγχου· δώστε --pin ή --held)
trust-witness-no-origin = ο μάρτυρας { $text } δεν κρατά κανένα σημείο ελέγχου του { $origin } (κρατά: { $value }): δεν υπάρχει τίποτα για σύγκριση
trust-none = κανένα
trust-source-pin = η θέση --pin { $position }:{ $hash }
trust-source-witness = ο μάρτυρας { $text } (το σημείο ελέγχου του στη θέση { $position })
trust-source-held = το πακέτο που κρατήθηκε νωρίτερα ({ $text })
trust-source-at = { $text } στη θέση { $position }
trust-source-at-many = { $text } σε { $n } θέσεις, από { $start } έως { $end }
trust-checkpoint-too-long = το { $text } είναι πολύ μεγάλο για σημείο ελέγχου
trust-json-not-checkpoint = το { $text } είναι JSON αλλά ούτε πακέτο ούτε σημείο ελέγχου (δεν έχει "note")
trust-not-checkpoint = { $text }: δεν είναι πακέτο ούτε σημείο ελέγχου: { $problem }
progress-checking-bundle = έλεγχος του πακέτου
progress-verifying-bundles = επαλήθευση πακέτων
# Πού απέτυχε ο έλεγχος ενός πακέτου· το πρόβλημα είναι η πρόταση του ίδιου του ελέγχου.
bundle-place-file = { $text }: { $problem }
bundle-place-manifest = { $text }, δήλωση περιεχομένων: { $problem }
bundle-place-record = { $text }, εγγραφή { $n } (byte { $value }): { $problem }

## Σημεία ελέγχου (checkpoint --out)
trust-checkpoint-written = γράφτηκε το σημείο ελέγχου της θέσης { $position } (hash κεφαλής { $hash }) στο { $text }

## Μάρτυρες (witness init, witness add)
witness-made = δημιουργήθηκε ο μάρτυρας { $text } (το κλειδί του στο { $value }, αναγνώσιμο μόνο από τον κάτοχό του)
    το κλειδί επαλήθευσής του, προς δημοσίευση: { $key }
witness-countersigned = { $text }: ο μάρτυρας προσυπέγραψε το σημείο ελέγχου του { $origin } στη θέση { $position } (hash κεφαλής { $hash })
witness-countersigned-bare = { $text }: ο μάρτυρας προσυπέγραψε το σημείο ελέγχου του { $origin } στη θέση { $position } (hash κεφαλής { $hash })· σκέτο σημείο ελέγχου: το ιστορικό πίσω του ελέγχεται όταν φτάσει σε αυτό ένα πακέτο
witness-countersigned-extends = { $text }: ο μάρτυρας προσυπέγραψε το σημείο ελέγχου του { $origin } στη θέση { $position } (hash κεφαλής { $hash })· συνεχίζει το ιστορικό που έχει βεβαιώσει (ελέγχθηκε στις θέσεις { $value })
witness-already-held = { $text }: ο μάρτυρας είχε ήδη το σημείο ελέγχου του { $origin } στη θέση { $position } (hash κεφαλής { $hash })
witness-already-held-bare = { $text }: ο μάρτυρας είχε ήδη το σημείο ελέγχου του { $origin } στη θέση { $position } (hash κεφαλής { $hash })· σκέτο σημείο ελέγχου: το ιστορικό πίσω του ελέγχεται όταν φτάσει σε αυτό ένα πακέτο
witness-already-held-extends = { $text }: ο μάρτυρας είχε ήδη το σημείο ελέγχου του { $origin } στη θέση { $position } (hash κεφαλής { $hash })· συνεχίζει το ιστορικό που έχει βεβαιώσει (ελέγχθηκε στις θέσεις { $value })
witness-first-seen = πρώτη φορά που ο μάρτυρας βλέπει αυτή την εγκατάσταση: συγκρίνετε το κλειδί της με αυτό που σας έδωσε το κέντρο
# Τι αρνείται ή δεν μπορεί να κάνει ένας μάρτυρας (ένα μήνυμα για κάθε είδος άρνησης).
witness-key-unreadable = δεν διαβάζεται το κλειδί του μάρτυρα { $text }: { $problem }
witness-not-a-key-file = το { $text } δεν είναι αρχείο κλειδιού μάρτυρα (πρώτη γραμμή "{ $value }")
witness-exists = το { $text } υπάρχει ήδη: ένας μάρτυρας δημιουργείται μία φορά
witness-bad-name = --name: { $problem }
witness-no-random-key = δεν ήταν δυνατό να παραχθεί τυχαίο κλειδί: { $problem }
witness-file-unreadable = δεν διαβάζεται το αρχείο μάρτυρα { $text }: { $problem }
witness-file-too-large = το αρχείο μάρτυρα { $text } είναι μεγαλύτερο από { $max } bytes
witness-altered = το αρχείο μάρτυρα { $text } δεν περνά τον έλεγχο: { $problem }
witness-history-refused = απορρίφθηκε: { $problem }
witness-no-checkpoint-in-bundle = { $text }: το πακέτο δεν φέρει σημείο ελέγχου, άρα δεν υπάρχει τίποτα υπογεγραμμένο για προσυπογραφή (γράφτηκε πριν από τα σημεία ελέγχου· εξαγάγετέ το ξανά)
witness-bad-bundle-checkpoint = { $text }: { $problem }
witness-bad-checkpoint = το σημείο ελέγχου: { $problem }
witness-bad-checkpoint-key = το κλειδί του σημείου ελέγχου: { $problem }
witness-never-seen = ο μάρτυρας δεν έχει δει ποτέ το { $origin }: δώστε πρώτα το πρώτο του πακέτο, ή το κλειδί του κέντρου με --producer-key, πριν από σκέτο σημείο ελέγχου
witness-signature-refused = απορρίφθηκε: { $problem }
witness-fork = απορρίφθηκε: θέση { $position }: το σημείο ελέγχου δηλώνει hash { $hash }, αλλά ο μάρτυρας κρατά εκεί το { $value }: το κέντρο έχει υπογράψει δύο διαφορετικά ιστορικά (διακλάδωση)
witness-cut-short = απορρίφθηκε: το σημείο ελέγχου δηλώνει τη θέση { $position }, πριν από τη θέση { $value } που ο μάρτυρας ήδη κρατά: ιστορικό που περικόπηκε, ή παλιό σημείο ελέγχου (ένα σκέτο σημείο ελέγχου δεν μπορεί να δείξει ότι συμφωνεί· ένα πακέτο μπορεί)
witness-wrong-producer-key = απορρίφθηκε: το σημείο ελέγχου είναι υπογεγραμμένο από { $key }, όχι από το κλειδί του κέντρου που δόθηκε, { $value }
witness-key-mismatch = το κλειδί μάρτυρα { $key } δεν είναι το κλειδί του αρχείου μάρτυρα { $text } ({ $value })
witness-full = ο μάρτυρας κρατά ήδη { $max } σημεία ελέγχου του { $origin }
witness-checkpoint-not-read = { $text }: το σημείο ελέγχου του πακέτου δεν διαβάστηκε
witness-state = η κατάσταση του μάρτυρα: { $problem }
vkey-not-a-key = το { $text } δεν είναι κλειδί επαλήθευσης (όνομα+keyid+κλειδί)
vkey-bad-name = το { $name } δεν είναι όνομα κλειδιού (1 έως 256 χαρακτήρες, χωρίς κενά, χωρίς «+»)
vkey-not-base64 = το κλειδί επαλήθευσης { $name }: το κλειδί του δεν είναι σε base64
vkey-not-ed25519 = το κλειδί επαλήθευσης { $name } δεν είναι κλειδί Ed25519 (τύπος 0x01 και 32 bytes)
vkey-not-a-curve-point = το κλειδί επαλήθευσης { $name } δεν είναι σημείο της καμπύλης
vkey-id-mismatch = το κλειδί επαλήθευσης { $name }: το αναγνωριστικό κλειδιού { $id } δεν αντιστοιχεί στο κλειδί του
pin-not-position-hash = το { $text } δεν είναι της μορφής ΘΕΣΗ:HASH
pin-not-a-position = το { $text } δεν είναι θέση
pin-not-a-hash = το { $text } δεν είναι 64 δεκαεξαδικά ψηφία
pin-position-zero = η θέση 0 δεν περιέχει τίποτα που να μπορεί να οριστεί με --pin: οι θέσεις αρχίζουν από το 1
