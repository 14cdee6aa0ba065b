# The labels and lines of the text views (case show, beneficiary show and find, the access
# report, audit trails, caseload and board summaries) and of the printed case file.

## A case's state
state-open = open
state-closed = closed
state-closed-because = closed ({ $reason })

## case show and beneficiary show
show-case = case
show-beneficiary = beneficiary
show-centre = centre
show-opened-on = opened on
show-status = status
show-assignee = assignee
show-needs = needs
show-referrals = referrals
show-history = history
show-texts = texts
show-texts-read-at = texts (this read is recorded at position { $position })
show-name = name
show-amka = AMKA
show-phones = phones
show-identity = identity
show-identity-erased = (erased from the vault)
show-registered = { $centre }, registered on { $date }
show-attributes = attributes
show-legal-basis = legal basis
show-consents = consents to share
show-cases = cases
show-read-recorded = (this read is recorded at position { $position })

## The attributes indicators use
attribute-gender = gender
attribute-year_of_birth = year of birth
attribute-municipality_of_residence = municipality of residence
attribute-vulnerable_groups = vulnerable groups:
attribute-roma_or_minority = Roma or minority
attribute-migrant = migrant
attribute-disability = disability
attribute-homeless = homeless
attribute-labour_status = labour status
attribute-education = education

## Texts
text-not-read = (in the vault: add --texts to read it)
text-erased = (no longer in the vault: the person was erased)

## beneficiary find and beneficiary accesses
find-closed = { $case } (closed)
find-nobody = nobody of your centre matches
find-found = { $what } found; each read is recorded (beneficiary accesses shows them)
accesses-heading = reads of { $beneficiary }'s data: { $n }
access-identity = identity
access-case-texts = texts of case { $case }
access-own-copy = own copy (Art. 15)
access-reason-given = given (in the vault)

## Audit trails
audit-heading = audit trail of { $subject }: { $events }
subject-case = case
subject-beneficiary = beneficiary
subject-referral = referral
subject-staff = staff member

## Caseload and board
caseload-summary = { $case }, { $referral }
caseload-summary-yours = { $case }, { $referral } assigned to you (--all for every case)
board-summary = { $referral }
board-summary-yours = { $referral } of your cases (--all for every referral)

## The printed case file (case show --print); labels at most 13 characters
print-printed = on { $date } by { $staff }
print-centre = centre { $id }
print-title = Case file { $case }
print-person = Person
print-no-identity = (no identity held: erased, or never recorded)
print-amka = AMKA
print-phone = Phone
print-address = Address
print-opened = Opened
print-status = Status
print-assignee = Assignee
print-needs = Needs
print-referrals = Referrals
print-due = { $outcome }, due { $due_on }
print-history = History (times in UTC)
print-not-in-vault = (not in the vault)
print-foot = Printed { $text }. These reads are recorded in the log: the texts at position { $position }, the identity at position { $at }. Personal data: keep and destroy this page as the centre's rules say.

## centre show, staff show, agency show
show-host = host
show-also-serves = also serves
show-supervised-by = supervised by
show-registered-on = registered on
show-staff = staff
show-staff-active = { $n } active
show-antennas = antennas
show-programmes = funding programmes
show-roles = roles
show-active = active
show-credentials = credentials
show-agency = agency
show-kind = kind
show-municipality = municipality
show-email = e-mail
show-web = web
