# The closed sets' value names as a person reads them: `<set>-<snake_case name>`.
# English shows the stable snake_case names, the same that --json and the log use.

## Staff roles
role-reception = reception
role-social_worker = social_worker
role-psychologist = psychologist
role-roma_mediator = roma_mediator
role-supervisor = supervisor
role-administrator = administrator

## Kinds of partner body
agency_kind-municipal_service = municipal_service
agency_kind-public_service = public_service
agency_kind-volunteer_organisation = volunteer_organisation
agency_kind-social_welfare_organisation = social_welfare_organisation
agency_kind-public_benefit_company = public_benefit_company
agency_kind-other = other

## Need domains
need-income_and_benefits = income_and_benefits
need-housing = housing
need-employment = employment
need-education = education
need-health = health
need-disability = disability
need-family_and_childcare = family_and_childcare
need-legal_and_documents = legal_and_documents
need-social_inclusion = social_inclusion

## Priorities of a need
need_priority-low = low
need_priority-medium = medium
need_priority-high = high

## Priorities of a referral
referral_priority-routine = routine
referral_priority-urgent = urgent
referral_priority-asap = asap
referral_priority-stat = stat

## Kinds of direct service
service-information = information
service-psychosocial_support = psychosocial_support
service-counselling = counselling
service-vocational_guidance = vocational_guidance
service-application_help = application_help

## Why a case closes
close_reason-goals_met = goals_met
close_reason-referred_elsewhere = referred_elsewhere
close_reason-beneficiary_withdrew = beneficiary_withdrew
close_reason-lost_contact = lost_contact
close_reason-moved_away = moved_away
close_reason-deceased = deceased
close_reason-other = other

## How a referral ended
outcome-got_help = got_help
outcome-partly = partly
outcome-not_eligible = not_eligible
outcome-no_capacity = no_capacity
outcome-could_not_contact = could_not_contact
outcome-no_longer_interested = no_longer_interested
outcome-referred_elsewhere = referred_elsewhere

## Legal bases for processing
legal_basis-consent = consent
legal_basis-legal_obligation = legal_obligation
legal_basis-vital_interests = vital_interests
legal_basis-public_task = public_task

## Purposes of a sharing consent
purpose-referral = referral
purpose-follow_up = follow_up

## Referral statuses
status-draft = draft
status-sent = sent
status-accepted = accepted
status-declined = declined
status-in_progress = in_progress
status-on_hold = on_hold
status-completed = completed
status-failed = failed
status-cancelled = cancelled
status-expired = expired

## Answers about a vulnerable group
flag-yes = yes
flag-no = no

## Genders
gender-female = female
gender-male = male
gender-other = other

## Labour-market statuses
labour_status-employed = employed
labour_status-unemployed = unemployed
labour_status-long_term_unemployed = long_term_unemployed
labour_status-inactive = inactive
labour_status-in_education = in_education
labour_status-retired = retired

## Education levels (ISCED bands)
education-isced_0 = isced_0
education-isced_1_2 = isced_1_2
education-isced_3_4 = isced_3_4
education-isced_5_8 = isced_5_8

## Degree of urbanisation of the residence (Eurostat DEGURBA)
area-cities = cities
area-towns_and_suburbs = towns_and_suburbs
area-rural_areas = rural_areas

## Age bands of the indicators report (the age reached in the year the period ends)
age_band-under_18 = under_18
age_band-18_29 = 18_29
age_band-30_54 = 30_54
age_band-55_plus = 55_plus

## Intake channels
channel-walk_in = walk_in
channel-phone = phone
channel-email = email
channel-outreach = outreach
channel-referred_in = referred_in

## Declined to answer (every set that has it)
answer-declined_to_answer = declined_to_answer
