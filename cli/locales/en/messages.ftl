# Messages and errors a person reads. A rule's message is `rule-<its stable name>`; in English
# it is core's own sentence (`$detail`). A validation error is `invalid-<kind>`.

## Framing
rejected = rejected by rule { $rule }: { $message }
unknown-id = unknown id (rule { $rule }): { $message }
give-detail = { $message } (give it with --detail)
field-error = { $field }: { $problem }
invalid-value = invalid value: { $problem }
date-malformed = { $text } is not a date: write YYYY-MM-DD (2024-12-31) or DD/MM/YYYY (31/12/2024)
date-impossible = { $text } is not a day of the calendar: { $problem }

## The rules of core, by their stable names
rule-WrongStream = { $detail }
rule-EvaluatorCannotWrite = { $detail }
rule-SetupActorNotAllowed = { $detail }
rule-ActorDeactivated = { $detail }
rule-OutsideCentre = { $detail }
rule-RoleNotPermitted = { $detail }
rule-MissingFact = { $detail }
rule-AlreadyExists = { $detail }
rule-NotFound = { $detail }
rule-TooMany = { $detail }
rule-Duplicate = { $detail }
rule-NothingToChange = { $detail }
rule-PeriodEndsBeforeStart = { $detail }
rule-DateInFuture = { $detail }
rule-DateBeforeCaseOpened = { $detail }
rule-DueDateOutOfRange = { $detail }
rule-YearOfBirthOutOfRange = { $detail }
rule-AntennaNotOpen = { $detail }
rule-NoRoles = { $detail }
rule-AgencyInactive = { $detail }
rule-AgencyDoesNotServeNeed = { $detail }
rule-NoSharingConsent = { $detail }
rule-ConsentAlreadyActive = { $detail }
rule-NoActiveConsent = { $detail }
rule-CaseIsClosed = { $detail }
rule-CaseIsOpen = { $detail }
rule-AlreadyAssigned = { $detail }
rule-NotAssigned = { $detail }
rule-AssigneeNotEligible = { $detail }
rule-UnknownReferral = { $detail }
rule-TransitionNotAllowed = { $detail }
rule-NotYetDue = { $detail }
rule-OpenReferralsRemain = { $detail }
rule-MissingReason = { $detail }
rule-MissingOutcome = { $detail }
rule-NoNeeds = { $detail }
rule-OccurredInFuture = { $detail }
rule-DateBeforeRegistration = { $detail }
rule-OutcomeNotAllowed = { $detail }
rule-IdentityWasErased = { $detail }
rule-LastAdministrator = { $detail }
rule-MissingDetail = { $detail }
rule-DuplicateAmka = { $detail }
rule-BusinessDateNotOfTheAct = { $detail }
rule-CredentialNotValid = { $detail }
rule-CredentialLifetime = { $detail }
rule-NotOwnCredential = { $detail }
rule-StaffInactive = { $detail }
rule-AuthenticatorOnly = { $detail }
rule-TextAboutErasedPerson = { $detail }
rule-ReadNeedsReason = { $detail }
rule-CaseOfAnotherPerson = { $detail }
rule-UnlistedMunicipality = { $detail }
rule-NotDeploymentCentre = { $detail }

## What may come next for a referral in each status
next-draft = send it first (or cancel it)
next-sent = the agency accepts or declines it first (it may also be put on hold, cancelled, or expire past its due date)
next-accepted = start it first (or fail, hold or cancel it)
next-declined = it has ended; re-route it to another agency
next-in_progress = it can be completed, failed, put on hold or cancelled
next-on_hold = resume it first (or cancel it)
next-completed = it has ended
next-failed = it has ended; re-route it to another agency
next-cancelled = it has ended
next-expired = it has ended

## Validation errors of values
invalid-empty = { $detail }
invalid-too_long = { $detail }
invalid-control_character = { $detail }
invalid-malformed = { $detail }
invalid-amka_check_digit = { $detail }
invalid-amka_birth_date = { $detail }
invalid-out_of_range = { $detail }
invalid-unknown_municipality = { $detail }
invalid-ambiguous_municipality = { $detail }

## The kinds of value core names
what-a_beneficiary_id = a beneficiary id
what-a_case_id = a case id
what-a_centre_id = a centre id
what-a_date = a date
what-a_fund_s_name = a fund's name
what-a_name = a name
what-a_person_s_name = a person's name
what-a_phone_number = a phone number
what-a_programme_code = a programme code
what-a_reason = a reason
what-a_referral_id = a referral id
what-a_staff_id = a staff id
what-a_text = a text
what-a_web_address = a web address
what-an_AMKA = an AMKA
what-an_address = an address
what-an_agency_id = an agency id
what-an_antenna_id = an antenna id
what-an_e_mail_address = an e-mail address
what-a_municipality_s_name = a municipality's name

## clap's errors, on one line
clap-required = { $field } is required
clap-required-several = { $field } and { $value } are required
clap-not-one-of = { $field }: '{ $value }' is not one of { $allowed }{ $text }
clap-needs-value = { $field }: needs a value, one of { $allowed }{ $text }
clap-did-you-mean = ; did you mean { $value }?
clap-or = {" or "}
see-help = (see --help)

## The indicators report people read
report-title = Indicators of { $centre }, { $from } to { $to }
report-all-centres = all centres
report-participants = Participants (unique people with activity in the period)
report-by-gender = by gender
report-by-age-band = by age band (at the period end's year)
report-by-labour-status = by labour-market status
report-by-education = by education (ISCED)
report-by-municipality = by municipality of residence
report-vulnerable-groups = vulnerable groups (yes / no / declined to answer)
report-intakes = Intakes
report-by-channel = by channel
report-assessed = Cases assessed (a case may have several needs)
report-by-need = by need
report-services = Direct services
report-by-kind = by kind
report-referrals = Referrals sent in the period
report-all = all
report-by-agency-kind = by the agency's kind
report-overdue = overdue at the period end
report-cases = Cases
report-opened = opened
report-closed = closed
report-reopened = reopened
report-closure-reasons = closure reasons
report-caseload = Caseload at the period end (open cases)
report-unassigned = unassigned
report-by-staff = by staff member
report-sent = sent { $n }
report-outcomes = accepted { $accepted }, declined { $declined }, completed { $completed }, failed { $failed }, cancelled { $cancelled }, expired { $expired }
report-rates = acceptance { $acceptance }, completion { $completion }, median days to answer { $answer }, to outcome { $outcome }
report-foot = Computed from the log up to position { $position }, head hash { $hash } (definitions version { $version }).
report-zeros-left-out = Rows with no count are left out (--zeros shows them).
