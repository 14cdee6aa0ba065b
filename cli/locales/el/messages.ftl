# Μηνύματα και σφάλματα. Το μήνυμα ενός κανόνα είναι `rule-<το σταθερό όνομά του>`·
# το όνομα του κανόνα φαίνεται πάντα δίπλα στο μήνυμα.

## Framing
rejected = απορρίφθηκε από τον κανόνα { $rule }: { $message }
unknown-id = άγνωστο αναγνωριστικό (κανόνας { $rule }): { $message }
give-detail = { $message } (δώστε τη με το --detail)
field-error = { $field }: { $problem }
invalid-value = μη έγκυρη τιμή: { $problem }
date-malformed = { $text }: δεν είναι ημερομηνία· γράψτε ΗΗ/ΜΜ/ΕΕΕΕ (31/12/2024) ή ΕΕΕΕ-ΜΜ-ΗΗ (2024-12-31)
date-impossible = { $text }: δεν υπάρχει τέτοια ημέρα στο ημερολόγιο ({ $problem })

## The rules of core, by their stable names
rule-WrongStream = μια εντολή για { $command_kind } δεν αποφασίζεται σε ροή { $state_kind }
rule-EvaluatorCannotWrite = οι αξιολογητές δεν δίνουν εντολές ({ $command })
rule-SetupActorNotAllowed = η αρχική εγκατάσταση καταχωρίζει μόνο ένα κέντρο και τον πρώτο διαχειριστή του, όχι { $command }
rule-ActorDeactivated = το μέλος του προσωπικού { $staff } είναι απενεργοποιημένο
rule-OutsideCentre = το μέλος του προσωπικού { $staff } του κέντρου { $actor_centre } δεν μπορεί να ενεργήσει για το κέντρο { $centre }
rule-RoleNotPermitted = το μέλος του προσωπικού { $staff } δεν έχει κανέναν από τους ρόλους που χρειάζεται η ενέργεια { $command }: { $roles }
rule-MissingFact = δεν βρέθηκε: { $fact } { $id }
rule-AlreadyExists = το { $stream } υπάρχει ήδη
rule-NotFound = το { $stream } δεν υπάρχει
rule-TooMany = πάρα πολλά ({ $what }): το πολύ { $max }
rule-Duplicate = υπάρχει ήδη ({ $what }): { $value }
rule-NothingToChange = δεν υπάρχει τίποτα να αλλάξει: { $what }
rule-PeriodEndsBeforeStart = η περίοδος λήγει στις { $end }, πριν αρχίσει στις { $start }
rule-DateInFuture = η { $date } είναι μετά τη σημερινή ημερομηνία ({ $today })
rule-DateBeforeCaseOpened = η { $date } είναι πριν ανοίξει η υπόθεση στις { $opened_on }
rule-DueDateOutOfRange = η προθεσμία { $due_on } πρέπει να είναι από { $today } έως { $latest }
rule-YearOfBirthOutOfRange = το έτος γέννησης { $year } είναι αδύνατο στις { $today }
rule-AntennaNotOpen = το παράρτημα { $antenna } δεν λειτουργεί στο κέντρο { $centre }
rule-NoRoles = το μέλος του προσωπικού { $staff } χρειάζεται τουλάχιστον έναν ρόλο
rule-AgencyInactive = ο φορέας { $agency } είναι ανενεργός
rule-AgencyDoesNotServeNeed = ο φορέας { $agency } δεν καλύπτει: { $need }
rule-NoSharingConsent = ο/η ωφελούμενος/η { $beneficiary } δεν έχει σε ισχύ συγκατάθεση κοινοποίησης στον φορέα { $agency } στις { $date }
rule-ConsentAlreadyActive = ισχύει ήδη συγκατάθεση κοινοποίησης στον φορέα { $agency } για { $purpose }
rule-NoActiveConsent = δεν ισχύει συγκατάθεση κοινοποίησης στον φορέα { $agency } για { $purpose }
rule-CaseIsClosed = η υπόθεση { $case } είναι κλειστή
rule-CaseIsOpen = η υπόθεση { $case } είναι ανοιχτή
rule-AlreadyAssigned = η υπόθεση { $case } έχει ήδη ανατεθεί στο { $staff }
rule-NotAssigned = η υπόθεση { $case } δεν έχει ανατεθεί
rule-AssigneeNotEligible = το μέλος του προσωπικού { $staff } δεν μπορεί να αναλάβει: { $why }
rule-UnknownReferral = η παραπομπή { $referral } δεν ανήκει σε αυτή την υπόθεση
rule-TransitionNotAllowed = η παραπομπή { $referral } είναι { $from }: δεν μπορεί να γίνει { $action }· { $next }
rule-NotYetDue = η παραπομπή { $referral } έχει προθεσμία { $due_on }· δεν μπορεί να λήξει στις { $today }
rule-OpenReferralsRemain = η υπόθεση { $case } έχει ακόμη ανοιχτές παραπομπές: { $open }· ακυρώστε ή ολοκληρώστε τις πρώτα
rule-MissingReason = η ενέργεια { $action } χρειάζεται αιτιολογία
rule-MissingOutcome = η ενέργεια { $action } χρειάζεται έκβαση
rule-NoNeeds = μια αξιολόγηση χρειάζεται τουλάχιστον μία ανάγκη
rule-OccurredInFuture = η πράξη φέρει χρόνο { $occurred_at }, μετά το ρολόι του συστήματος ({ $now }) κατά περισσότερο από { $tolerance_s } δευτερόλεπτα
rule-DateBeforeRegistration = η { $date } είναι πριν από την καταχώριση ({ $what }) στις { $registered_on }
rule-OutcomeNotAllowed = η ενέργεια { $action } δέχεται μία από τις εκβάσεις { $allowed }, όχι «{ $outcome }»
rule-IdentityWasErased = τα στοιχεία ταυτότητας του/της ωφελούμενου/ης { $beneficiary } διαγράφηκαν: η ενέργεια { $command } δεν επιτρέπεται (μένει μόνο το κλείσιμο των υποθέσεων και η ακύρωση ή ο τερματισμός των παραπομπών)
rule-LastAdministrator = το { $staff } είναι ο τελευταίος ενεργός διαχειριστής του κέντρου { $centre }: προσθέστε ή ενεργοποιήστε πρώτα άλλον διαχειριστή
rule-MissingDetail = η ενέργεια { $action } με αιτία «{ $reason }» χρειάζεται διευκρίνιση
rule-DuplicateAmka = το κέντρο { $centre } έχει ήδη αυτόν τον ΑΜΚΑ: ανήκει στον/στην ωφελούμενο/η { $beneficiary }
rule-BusinessDateNotOfTheAct = η ημερομηνία { $today } δεν είναι η ημερομηνία της πράξης, που φέρει χρόνο { $occurred_at }
rule-CredentialNotValid = το διαπιστευτήριο { $credential } δεν ισχύει: { $why }
rule-CredentialLifetime = ένα διαπιστευτήριο τύπου { $kind } πρέπει να λήγει μετά την έκδοσή του και το πολύ { $max_s } δευτερόλεπτα αργότερα, όχι στις { $expires_at }
rule-NotOwnCredential = ο/η { $staff } δεν μπορεί να κάνει { $command } για άλλο μέλος του προσωπικού: μόνο ο κάτοχος μπορεί
rule-StaffInactive = το μέλος του προσωπικού { $staff } είναι απενεργοποιημένο: ενεργοποιήστε το πρώτα
rule-AuthenticatorOnly = { $command }: μόνο η υπηρεσία σύνδεσης καταγράφει αποτυχημένες συνδέσεις, και δεν κάνει τίποτε άλλο
rule-TextAboutErasedPerson = τα στοιχεία ταυτότητας του/της ωφελούμενου/ης { $beneficiary } διαγράφηκαν: δεν γράφεται τίποτε άλλο γι᾽ αυτόν/ήν, οπότε η ενέργεια { $command } δεν δέχεται { $field }
rule-ReadNeedsReason = η υπόθεση { $case } δεν σας έχει ανατεθεί: η ανάγνωση των κειμένων της χρειάζεται αιτιολογία, που καταγράφεται
rule-CaseOfAnotherPerson = η υπόθεση { $case } δεν είναι υπόθεση του/της ωφελούμενου/ης { $beneficiary }
rule-UnlistedMunicipality = «{ $municipality }» δεν είναι δήμος της Ελλάδας· οι πλησιέστεροι: { $nearest }
rule-NotDeploymentCentre = το μέλος του προσωπικού { $staff } διαχειρίζεται το κέντρο { $centre }· ένα αντίγραφο ασφαλείας αντιγράφει τα δεδομένα όλων των κέντρων, γι’ αυτό το παίρνει μόνο διαχειριστής του πρώτου κέντρου της εγκατάστασης, { $deployment_centre }

## What may come next for a referral in each status
next-draft = στείλτε την πρώτα (ή ακυρώστε την)
next-sent = πρώτα ο φορέας την αποδέχεται ή την απορρίπτει (μπορεί επίσης να τεθεί σε αναμονή, να ακυρωθεί ή να λήξει μετά την προθεσμία της)
next-accepted = ξεκινήστε την πρώτα (ή καταγράψτε αποτυχία, αναμονή ή ακύρωση)
next-declined = έχει τελειώσει· παραπέμψτε ξανά σε άλλον φορέα
next-in_progress = μπορεί να ολοκληρωθεί, να αποτύχει, να τεθεί σε αναμονή ή να ακυρωθεί
next-on_hold = συνεχίστε την πρώτα (ή ακυρώστε την)
next-completed = έχει τελειώσει
next-failed = έχει τελειώσει· παραπέμψτε ξανά σε άλλον φορέα
next-cancelled = έχει τελειώσει
next-expired = έχει τελειώσει

## Validation errors of values
invalid-empty = { $what }: δεν μπορεί να είναι κενό
invalid-too_long = { $what }: έχει { $value } χαρακτήρες, επιτρέπονται το πολύ { $max }
invalid-control_character = { $what }: περιέχει χαρακτήρα ελέγχου (ή αλλαγή γραμμής)
invalid-malformed = { $what }: δεν έχει τη σωστή μορφή ({ $problem })
invalid-amka_check_digit = ο ΑΜΚΑ: το τελευταίο ψηφίο δεν είναι το ψηφίο ελέγχου των δέκα πρώτων
invalid-amka_birth_date = ο ΑΜΚΑ: { $problem }
invalid-out_of_range = { $what }: το { $value } είναι εκτός του εύρους { $start } έως { $end }
invalid-unknown_municipality = «{ $municipality }» δεν είναι δήμος της Ελλάδας· οι πλησιέστεροι: { $nearest }
invalid-ambiguous_municipality = «{ $municipality }» ονομάζει περισσότερους από έναν δήμους: { $nearest }· δώστε το όνομα με τον κωδικό του

## The kinds of value core names
what-a_beneficiary_id = αναγνωριστικό ωφελούμενου
what-a_case_id = αναγνωριστικό υπόθεσης
what-a_centre_id = αναγνωριστικό κέντρου
what-a_date = ημερομηνία
what-a_fund_s_name = όνομα ταμείου
what-a_name = όνομα
what-a_person_s_name = όνομα προσώπου
what-a_phone_number = αριθμός τηλεφώνου
what-a_programme_code = κωδικός προγράμματος
what-a_reason = αιτιολογία
what-a_referral_id = αναγνωριστικό παραπομπής
what-a_staff_id = αναγνωριστικό μέλους προσωπικού
what-a_text = κείμενο
what-a_web_address = διεύθυνση ιστού
what-an_AMKA = ΑΜΚΑ
what-an_address = διεύθυνση
what-an_agency_id = αναγνωριστικό φορέα
what-an_antenna_id = αναγνωριστικό παραρτήματος
what-an_e_mail_address = διεύθυνση email
what-a_municipality_s_name = όνομα δήμου

## clap's errors, on one line
clap-required = { $field }: είναι υποχρεωτικό
clap-required-several = { $field } και { $value }: είναι υποχρεωτικά
clap-not-one-of = { $field }: «{ $value }» δεν είναι ένα από: { $allowed }{ $text }
clap-needs-value = { $field }: χρειάζεται τιμή, μία από: { $allowed }{ $text }
clap-did-you-mean = · μήπως εννοείτε { $value };
clap-or = {" ή "}
see-help = (δείτε --help)

## Η αναφορά δεικτών για ανάγνωση
report-title = Δείκτες: { $centre }, από { $from } έως { $to }
report-all-centres = όλα τα κέντρα
report-participants = Συμμετέχοντες (μοναδικά πρόσωπα με δραστηριότητα στην περίοδο)
report-by-gender = κατά φύλο
report-by-age-band = κατά ηλικιακή ομάδα (στο έτος λήξης της περιόδου)
report-by-labour-status = κατά κατάσταση στην αγορά εργασίας
report-by-education = κατά εκπαίδευση (ISCED)
report-by-municipality = κατά δήμο κατοικίας
report-vulnerable-groups = ευάλωτες ομάδες (ναι / όχι / δεν απάντησε)
report-intakes = Υποδοχές
report-by-channel = κατά τρόπο προσέλευσης
report-assessed = Υποθέσεις με εκτίμηση αναγκών (μία υπόθεση μπορεί να έχει πολλές ανάγκες)
report-by-need = κατά ανάγκη
report-services = Άμεσες υπηρεσίες
report-by-kind = κατά είδος
report-referrals = Παραπομπές που στάλθηκαν στην περίοδο
report-all = όλες
report-by-agency-kind = κατά είδος φορέα
report-overdue = εκπρόθεσμες στη λήξη της περιόδου
report-cases = Υποθέσεις
report-opened = άνοιξαν
report-closed = έκλεισαν
report-reopened = ξανάνοιξαν
report-closure-reasons = λόγοι κλεισίματος
report-caseload = Φόρτος στη λήξη της περιόδου (ανοιχτές υποθέσεις)
report-unassigned = χωρίς υπεύθυνο
report-by-staff = κατά μέλος του προσωπικού
report-sent = στάλθηκαν { $n }
report-outcomes = αποδεκτές { $accepted }, απορρίφθηκαν { $declined }, ολοκληρώθηκαν { $completed }, απέτυχαν { $failed }, ακυρώθηκαν { $cancelled }, έληξαν { $expired }
report-rates = αποδοχή { $acceptance }, ολοκλήρωση { $completion }, διάμεσος ημερών ως την απάντηση { $answer }, ως την έκβαση { $outcome }
report-foot = Υπολογίστηκε από το αρχείο ως τη θέση { $position }, κατακερματισμός κεφαλής { $hash } (έκδοση ορισμών { $version }).
report-zeros-left-out = Οι γραμμές χωρίς καταμέτρηση παραλείπονται (--zeros για να εμφανιστούν).
