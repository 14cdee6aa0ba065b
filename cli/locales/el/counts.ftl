# Μετρήσεις με τη μονάδα τους: `count-<unit>`, ο αριθμός ως `$n`, στον τύπο του πληθυντικού
# που ορίζει η γλώσσα (ελληνικά: one, other).

count-open_case = { $n ->
    [one] { $n } ανοιχτή υπόθεση
   *[other] { $n } ανοιχτές υποθέσεις
}
count-open_referral = { $n ->
    [one] { $n } ανοιχτή παραπομπή
   *[other] { $n } ανοιχτές παραπομπές
}
count-day = { $n ->
    [one] { $n } ημέρα
   *[other] { $n } ημέρες
}
count-referral = { $n ->
    [one] { $n } παραπομπή
   *[other] { $n } παραπομπές
}
count-event = { $n ->
    [one] { $n } γεγονός
   *[other] { $n } γεγονότα
}
count-person = { $n ->
    [one] { $n } πρόσωπο
   *[other] { $n } πρόσωπα
}
count-agency = { $n ->
    [one] { $n } φορέας
   *[other] { $n } φορείς
}
count-beneficiary = { $n ->
    [one] { $n } ωφελούμενος
   *[other] { $n } ωφελούμενοι
}
count-case = { $n ->
    [one] { $n } υπόθεση
   *[other] { $n } υποθέσεις
}
count-entry = { $n ->
    [one] { $n } εγγραφή
   *[other] { $n } εγγραφές
}
count-credential_entry = { $n ->
    [one] { $n } εγγραφή διαπιστευτηρίων
   *[other] { $n } εγγραφές διαπιστευτηρίων
}
count-key = { $n ->
    [one] { $n } κλειδί
   *[other] { $n } κλειδιά
}
count-erased_person = { $n ->
    [one] { $n } δεδομένα διαγραμμένου προσώπου
   *[other] { $n } δεδομένα διαγραμμένων προσώπων
}
count-record = { $n ->
    [one] { $n } εγγραφή
   *[other] { $n } εγγραφές
}
count-stream = { $n ->
    [one] { $n } ροή
   *[other] { $n } ροές
}
count-read = { $n ->
    [one] { $n } ανάγνωση
   *[other] { $n } αναγνώσεις
}
count-staff_member = { $n ->
    [one] { $n } μέλος του προσωπικού
   *[other] { $n } μέλη του προσωπικού
}
count-centre = { $n ->
    [one] { $n } κέντρο
   *[other] { $n } κέντρα
}
count-person_key = { $n ->
    [one] { $n } κλειδί προσώπου φυλάσσεται
   *[other] { $n } κλειδιά προσώπων φυλάσσονται
}
count-erasure = { $n ->
    [one] { $n } μεταγενέστερη διαγραφή
   *[other] { $n } μεταγενέστερες διαγραφές
}
