# Οι ετικέτες και οι γραμμές των προβολών κειμένου (case show, beneficiary show και find,
# αναφορά αναγνώσεων, ιστορικό ελέγχου, σύνοψη φόρτου και πίνακα) και του φακέλου για εκτύπωση.

## Η κατάσταση μιας υπόθεσης
state-open = ανοιχτή
state-closed = κλειστή
state-closed-because = κλειστή ({ $reason })

## case show και beneficiary show
show-case = υπόθεση
show-beneficiary = ωφελούμενος
show-centre = κέντρο
show-opened-on = άνοιξε στις
show-status = κατάσταση
show-assignee = υπεύθυνος
show-needs = ανάγκες
show-referrals = παραπομπές
show-history = ιστορικό
show-texts = κείμενα
show-texts-read-at = κείμενα (η ανάγνωση καταγράφεται στη θέση { $position })
show-name = όνομα
show-amka = ΑΜΚΑ
show-phones = τηλέφωνα
show-identity = ταυτότητα
show-identity-erased = (διαγράφηκε από το θησαυροφυλάκιο)
show-registered = { $centre }, εγγραφή στις { $date }
show-attributes = χαρακτηριστικά
show-legal-basis = νομική βάση
show-consents = συγκαταθέσεις κοινοποίησης
show-cases = υποθέσεις
show-read-recorded = (η ανάγνωση καταγράφεται στη θέση { $position })

## Τα χαρακτηριστικά που μετρούν οι δείκτες
attribute-gender = φύλο
attribute-year_of_birth = έτος γέννησης
attribute-municipality_of_residence = δήμος κατοικίας
attribute-vulnerable_groups = ευάλωτες ομάδες:
attribute-roma_or_minority = Ρομά ή μειονότητα
attribute-migrant = μετανάστης
attribute-disability = αναπηρία
attribute-homeless = άστεγος
attribute-labour_status = εργασιακή κατάσταση
attribute-education = εκπαίδευση

## Κείμενα
text-not-read = (στο θησαυροφυλάκιο: προσθέστε --texts για να το διαβάσετε)
text-erased = (δεν υπάρχει πια στο θησαυροφυλάκιο: το πρόσωπο διαγράφηκε)

## beneficiary find και beneficiary accesses
find-closed = { $case } (κλειστή)
find-nobody = κανείς του κέντρου σας δεν ταιριάζει
find-found = βρέθηκαν: { $what }· κάθε ανάγνωση καταγράφεται (τις δείχνει το beneficiary accesses)
accesses-heading = αναγνώσεις των δεδομένων του { $beneficiary }: { $n }
access-identity = ταυτότητα
access-case-texts = κείμενα της υπόθεσης { $case }
access-own-copy = αντίγραφο του ίδιου (άρθρο 15)
access-reason-given = δόθηκε (στο θησαυροφυλάκιο)

## Ιστορικό ελέγχου
audit-heading = ιστορικό ελέγχου: { $subject }, { $events }
subject-case = υπόθεση
subject-beneficiary = ωφελούμενος
subject-referral = παραπομπή
subject-staff = μέλος προσωπικού

## Φόρτος και πίνακας
caseload-summary = { $case }, { $referral }
caseload-summary-yours = { $case }, { $referral } που σας έχουν ανατεθεί (--all για όλες)
board-summary = { $referral }
board-summary-yours = { $referral } των υποθέσεών σας (--all για όλες)

## Ο φάκελος για εκτύπωση (case show --print)· ετικέτες έως 13 χαρακτήρες
print-printed = στις { $date } από { $staff }
print-centre = κέντρο { $id }
print-title = Φάκελος υπόθεσης { $case }
print-person = Πρόσωπο
print-no-identity = (δεν τηρείται ταυτότητα: διαγράφηκε ή δεν καταγράφηκε ποτέ)
print-amka = ΑΜΚΑ
print-phone = Τηλέφωνο
print-address = Διεύθυνση
print-opened = Άνοιγμα
print-status = Κατάσταση
print-assignee = Υπεύθυνος
print-needs = Ανάγκες
print-referrals = Παραπομπές
print-due = { $outcome }, προθεσμία { $due_on }
print-history = Ιστορικό (ώρες UTC)
print-not-in-vault = (δεν υπάρχει στο θησαυροφυλάκιο)
print-foot = Εκτυπώθηκε { $text }. Οι αναγνώσεις αυτές καταγράφονται στο αρχείο: τα κείμενα στη θέση { $position }, η ταυτότητα στη θέση { $at }. Προσωπικά δεδομένα: φυλάξτε και καταστρέψτε τη σελίδα όπως ορίζουν οι κανόνες του κέντρου.

## centre show, staff show, agency show
show-host = έδρα
show-also-serves = εξυπηρετεί και
show-supervised-by = εποπτεία
show-registered-on = εγγραφή στις
show-staff = προσωπικό
show-staff-active = { $n } ενεργά μέλη
show-antennas = παραρτήματα
show-programmes = προγράμματα χρηματοδότησης
show-roles = ρόλοι
show-active = ενεργό
show-credentials = διαπιστευτήρια
show-agency = φορέας
show-kind = είδος
show-municipality = δήμος
show-email = email
show-web = ιστοσελίδα
