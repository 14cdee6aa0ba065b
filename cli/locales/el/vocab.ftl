# Τα ονόματα των τιμών των κλειστών συνόλων, όπως τα διαβάζει ο χρήστης: `<σύνολο>-<όνομα>`.
# Η γραμμή εντολών δέχεται και αυτά ως είσοδο (χωρίς διάκριση τόνων και πεζών-κεφαλαίων).

## Staff roles
role-reception = υποδοχή
role-social_worker = κοινωνικός λειτουργός
role-psychologist = ψυχολόγος
role-roma_mediator = διαμεσολαβητής Ρομά
role-supervisor = επόπτης
role-administrator = διαχειριστής

## Kinds of partner body
agency_kind-municipal_service = δημοτική υπηρεσία
agency_kind-public_service = δημόσια υπηρεσία
agency_kind-volunteer_organisation = εθελοντική οργάνωση
agency_kind-social_welfare_organisation = φορέας κοινωνικής πρόνοιας
agency_kind-public_benefit_company = κοινωφελής επιχείρηση
agency_kind-other = άλλο

## Need domains
need-income_and_benefits = εισόδημα και επιδόματα
need-housing = στέγαση
need-employment = απασχόληση
need-education = εκπαίδευση
need-health = υγεία
need-disability = αναπηρία
need-family_and_childcare = οικογένεια και φροντίδα παιδιών
need-legal_and_documents = νομικά και έγγραφα
need-social_inclusion = κοινωνική ένταξη

## Priorities of a need
need_priority-low = χαμηλή
need_priority-medium = μέτρια
need_priority-high = υψηλή

## Priorities of a referral
referral_priority-routine = κανονική
referral_priority-urgent = επείγουσα
referral_priority-asap = το συντομότερο
referral_priority-stat = άμεση

## Kinds of direct service
service-information = ενημέρωση
service-psychosocial_support = ψυχοκοινωνική υποστήριξη
service-counselling = συμβουλευτική
service-vocational_guidance = επαγγελματικός προσανατολισμός
service-application_help = βοήθεια με αιτήσεις

## Why a case closes
close_reason-goals_met = επίτευξη στόχων
close_reason-referred_elsewhere = παραπομπή αλλού
close_reason-beneficiary_withdrew = αποχώρηση ωφελούμενου
close_reason-lost_contact = απώλεια επαφής
close_reason-moved_away = μετακόμιση
close_reason-deceased = θάνατος
close_reason-other = άλλο

## How a referral ended
outcome-got_help = έλαβε βοήθεια
outcome-partly = εν μέρει
outcome-not_eligible = μη δικαιούχος
outcome-no_capacity = χωρίς δυνατότητα εξυπηρέτησης
outcome-could_not_contact = αδύνατη η επικοινωνία
outcome-no_longer_interested = δεν ενδιαφέρεται πλέον
outcome-referred_elsewhere = παραπομπή αλλού

## Legal bases for processing
legal_basis-consent = συγκατάθεση
legal_basis-legal_obligation = έννομη υποχρέωση
legal_basis-vital_interests = ζωτικό συμφέρον
legal_basis-public_task = δημόσιο συμφέρον

## Purposes of a sharing consent
purpose-referral = παραπομπή
purpose-follow_up = παρακολούθηση

## Referral statuses
status-draft = πρόχειρη
status-sent = απεσταλμένη
status-accepted = αποδεκτή
status-declined = απορριφθείσα
status-in_progress = σε εξέλιξη
status-on_hold = σε αναμονή
status-completed = ολοκληρωμένη
status-failed = αποτυχημένη
status-cancelled = ακυρωμένη
status-expired = ληγμένη

## Answers about a vulnerable group
flag-yes = ναι
flag-no = όχι

## Genders
gender-female = γυναίκα
gender-male = άνδρας
gender-other = άλλο

## Labour-market statuses
labour_status-employed = εργαζόμενος
labour_status-unemployed = άνεργος
labour_status-long_term_unemployed = μακροχρόνια άνεργος
labour_status-inactive = οικονομικά μη ενεργός
labour_status-in_education = σε εκπαίδευση
labour_status-retired = συνταξιούχος

## Education levels (ISCED bands)
education-isced_0 = προσχολική
education-isced_1_2 = πρωτοβάθμια ή γυμνάσιο
education-isced_3_4 = λύκειο ή μεταδευτεροβάθμια
education-isced_5_8 = τριτοβάθμια

## Degree of urbanisation of the residence (Eurostat DEGURBA)
area-cities = πόλη
area-towns_and_suburbs = κωμόπολη ή προάστιο
area-rural_areas = αγροτική περιοχή

## Age bands of the indicators report (the age reached in the year the period ends)
age_band-under_18 = κάτω των 18
age_band-18_29 = 18 έως 29
age_band-30_54 = 30 έως 54
age_band-55_plus = 55 και άνω

## Intake channels
channel-walk_in = αυτοπροσώπως
channel-phone = τηλεφωνικά
channel-email = με email
channel-outreach = επιτόπια προσέγγιση
channel-referred_in = παραπομπή από φορέα

## Declined to answer (every set that has it)
answer-declined_to_answer = δεν απάντησε
