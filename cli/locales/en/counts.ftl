# Counts with their units: `count-<unit>`, the count as the number `$n`, in the plural form
# the language gives it (English: one, other).

count-open_case = { $n ->
    [one] { $n } open case
   *[other] { $n } open cases
}
count-open_referral = { $n ->
    [one] { $n } open referral
   *[other] { $n } open referrals
}
count-day = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
count-referral = { $n ->
    [one] { $n } referral
   *[other] { $n } referrals
}
count-event = { $n ->
    [one] { $n } event
   *[other] { $n } events
}
count-person = { $n ->
    [one] { $n } person
   *[other] { $n } people
}
count-agency = { $n ->
    [one] { $n } agency
   *[other] { $n } agencies
}
count-beneficiary = { $n ->
    [one] { $n } beneficiary
   *[other] { $n } beneficiaries
}
count-case = { $n ->
    [one] { $n } case
   *[other] { $n } cases
}
count-entry = { $n ->
    [one] { $n } entry
   *[other] { $n } entries
}
count-credential_entry = { $n ->
    [one] { $n } credential entry
   *[other] { $n } credential entries
}
count-key = { $n ->
    [one] { $n } key
   *[other] { $n } keys
}
count-erased_person = { $n ->
    [one] { $n } erased person's data
   *[other] { $n } erased people's data
}
count-record = { $n ->
    [one] { $n } record
   *[other] { $n } records
}
count-stream = { $n ->
    [one] { $n } stream
   *[other] { $n } streams
}
count-read = { $n ->
    [one] { $n } read
   *[other] { $n } reads
}
count-staff_member = { $n ->
    [one] { $n } staff member
   *[other] { $n } staff members
}
count-centre = { $n ->
    [one] { $n } centre
   *[other] { $n } centres
}
count-person_key = { $n ->
    [one] { $n } person key is
   *[other] { $n } person keys are
}
count-erasure = { $n ->
    [one] { $n } later erasure
   *[other] { $n } later erasures
}
