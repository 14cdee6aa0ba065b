# Τι τυπώνει μια εγγραφή όταν ολοκληρωθεί: `done-<εντολή>` (τα λόγια της), μετά πού
# γράφτηκε (`written-*`)· μια υπόδειξη για επικόλληση ακολουθεί το `written-next`.

## Πού γράφτηκε
written-position = (θέση { $position })
written-positions = (θέσεις { $start }..{ $end })
written-repeat = (επανάληψη προηγούμενης εντολής: δεν γράφτηκε τίποτα νέο)
written-nothing = (τίποτα προς αλλαγή)
written-next = στη συνέχεια:

## Κέντρα, προσωπικό, φορείς
done-centre-register = καταχωρίστηκε το κέντρο { $centre } με διαχειριστή { $staff }
done-centre-serve = προστέθηκε εξυπηρετούμενος δήμος
done-centre-antenna = άνοιξε η κεραία { $antenna }
done-centre-close-antenna = έκλεισε η κεραία { $antenna }
done-centre-programme = καταχωρίστηκε το πρόγραμμα
done-signing-key-recorded = καταχωρίστηκε το κλειδί υπογραφής { $value }
done-signing-key-rotated = το κλειδί υπογραφής είναι πλέον { $value }
done-signing-key-rotated-revoked = το κλειδί υπογραφής είναι πλέον { $value }· το παλιό ανακλήθηκε
done-signing-key-revoked = ανακλήθηκε το κλειδί υπογραφής { $value }
done-staff-add = προστέθηκε το μέλος προσωπικού { $staff }
done-staff-roles = άλλαξαν οι ρόλοι
done-staff-deactivate = απενεργοποιήθηκε
done-staff-reactivate = ενεργοποιήθηκε ξανά
done-agency-add = προστέθηκε ο φορέας { $agency }
done-agency-update = ενημερώθηκε ο φορέας
done-agency-deactivate = απενεργοποιήθηκε
done-agency-reactivate = ενεργοποιήθηκε ξανά

## Διαπιστευτήρια και συνεδρίες
done-issued-enrolment = κωδικός εγγραφής { $credential } για το μέλος προσωπικού { $staff }, ισχύει έως { $expires_at } (θέση { $position })· εμφανίζεται μόνο αυτή τη φορά:
done-issued-api_token = διακριτικό API { $credential } για το μέλος προσωπικού { $staff }, ισχύει έως { $expires_at } (θέση { $position })· εμφανίζεται μόνο αυτή τη φορά:
done-password-set = ορίστηκε κωδικός πρόσβασης για { $staff }· οι προηγούμενοι κωδικοί και τα διακριτικά ανακλήθηκαν
done-credential-revoked = το διαπιστευτήριο ανακλήθηκε
done-login = συνδεθήκατε στο { $value } ως μέλος προσωπικού { $staff } έως { $expires_at } (θέση { $position })· η συνεδρία φυλάσσεται στο { $text }
done-logout = αποσυνδεθήκατε από το { $value } (θέση { $position })
done-logout-ended = η συνεδρία με το { $value } είχε ήδη λήξει· ξεχάστηκε εδώ

## Ωφελούμενοι
done-beneficiary-register = καταχωρίστηκε ο ωφελούμενος { $beneficiary }
done-beneficiary-update = ενημερώθηκε ο ωφελούμενος { $beneficiary }
done-beneficiary-legal-basis = καταχωρίστηκε η νομική βάση για τον { $beneficiary }
done-beneficiary-consent = καταχωρίστηκε η συγκατάθεση του { $beneficiary }
done-beneficiary-withdraw-consent = ανακλήθηκε η συγκατάθεση του { $beneficiary }
done-beneficiary-erase = διαγράφηκε η ταυτότητα του ωφελούμενου { $beneficiary }· το αρχείο και οι δείκτες μένουν ως έχουν
own-copy-written = γράφτηκε το αντίγραφο του { $beneficiary } στο { $text } ({ $case }, { $n })

## Υποθέσεις
done-intake = άνοιξε η υπόθεση { $case } ({ $id })
done-assess = καταχωρίστηκε η αξιολόγηση
done-service = καταχωρίστηκε η υπηρεσία
done-note = προστέθηκε σημείωση
done-case-assign = η { $case } ανατέθηκε σε { $staff }
done-case-close = η υπόθεση έκλεισε
done-case-reopen = η υπόθεση άνοιξε ξανά

## Παραπομπές
done-refer = δημιουργήθηκε πρόχειρη παραπομπή { $referral } ({ $id })
done-referral-send = στάλθηκε η παραπομπή { $referral }
done-referral-accept = έγινε αποδεκτή η παραπομπή { $referral }
done-referral-decline = απορρίφθηκε η παραπομπή { $referral }
done-referral-start = ξεκίνησε η παραπομπή { $referral }
done-referral-hold = σε αναμονή η παραπομπή { $referral }
done-referral-resume = συνεχίζεται η παραπομπή { $referral }
done-referral-complete = ολοκληρώθηκε η παραπομπή { $referral }
done-referral-fail = απέτυχε η παραπομπή { $referral }
done-referral-cancel = ακυρώθηκε η παραπομπή { $referral }
done-referral-expire = έληξε η παραπομπή { $referral }
done-referral-reroute = η παραπομπή { $referral } δρομολογήθηκε ξανά ως { $next } ({ $id })
done-referral-note = προστέθηκε σημείωση στην παραπομπή { $referral }
done-referral-due = άλλαξε η προθεσμία της παραπομπής { $referral }
