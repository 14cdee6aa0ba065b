# Οι περιγραφές των γεγονότων στο ιστορικό μιας υπόθεσης και στο ιστορικό ελέγχου:
# `event-<τύπος γεγονότος>`, με ορίσματα τα πεδία του γεγονότος (αναγνωριστικά ως ονόματα ή
# σύντομες αναφορές, τιμές κλειστών συνόλων με τα ονόματά τους).

## Cases
event-CaseOpened = η υπόθεση { $case_id } άνοιξε για τον ωφελούμενο { $beneficiary_id } στο { $centre_id }: υποδοχή στις { $intake_date }, { $channel }, από { $opened_by }
event-CaseAssigned = η υπόθεση ανατέθηκε σε { $staff_id } από { $assigned_by }
event-CaseReassigned = η υπόθεση μεταβιβάστηκε από { $from_staff_id } σε { $staff_id } από { $reassigned_by }
event-NeedsAssessed = αξιολόγηση αναγκών στις { $assessed_on } από { $assessed_by }: { $needs }
event-ServiceProvided = υπηρεσία «{ $kind }» στις { $provided_on } από { $provided_by }
event-CaseNoteAdded = σημείωση στις { $written_on } από { $author }
event-CaseClosed = η υπόθεση έκλεισε στις { $closed_on } από { $closed_by }: { $reason }
event-CaseReopened = η υπόθεση άνοιξε ξανά στις { $reopened_on } από { $reopened_by }
event-ParticipantEntered = είσοδος στην πράξη του ΕΚΤ+ { $programme } στις { $entered_on }, με καταγραφή της κατάστασης κατά την είσοδο
event-ParticipantReturned = επάνοδος στην πράξη του ΕΚΤ+ { $programme } στις { $returned_on } (η κατάσταση κατά την είσοδο είχε ήδη καταγραφεί)
event-LeavingSituationRecorded = καταγράφηκε η κατάσταση κατά την έξοδο στις { $left_on }: αναζήτηση εργασίας { $job_searching }, σε εκπαίδευση ή κατάρτιση { $in_education_or_training }, απόκτηση πιστοποίησης { $gained_qualification }, σε απασχόληση { $in_employment }

## Referrals
event-ReferralCreated = η παραπομπή { $referral_id } δημιουργήθηκε στις { $created_on } προς { $agency_id } ({ $agency_kind }) για { $need }, { $priority }, προθεσμία { $due_on }
event-ReferralSent = η παραπομπή { $referral_id } στάλθηκε στις { $sent_on } ({ $sharing_basis })
event-ReferralAccepted = η παραπομπή { $referral_id } έγινε αποδεκτή στις { $answered_on }
event-ReferralDeclined = η παραπομπή { $referral_id } απορρίφθηκε στις { $answered_on }
event-ReferralStarted = η παραπομπή { $referral_id } σε εξέλιξη από { $started_on }
event-ReferralPutOnHold = η παραπομπή { $referral_id } τέθηκε σε αναμονή στις { $held_on } (ήταν { $held_from })
event-ReferralResumed = η παραπομπή { $referral_id } συνεχίστηκε στις { $resumed_on } ως { $resumed_to }
event-ReferralCompleted = η παραπομπή { $referral_id } ολοκληρώθηκε στις { $completed_on }: { $outcome }
event-ReferralFailed = η παραπομπή { $referral_id } απέτυχε στις { $failed_on }: { $outcome }
event-ReferralCancelled = η παραπομπή { $referral_id } ακυρώθηκε στις { $cancelled_on }
event-ReferralExpired = η παραπομπή { $referral_id } έληξε στις { $expired_on } χωρίς απάντηση (προθεσμία { $due_on })
event-ReferralRerouted = η παραπομπή { $from_referral_id } δρομολογήθηκε ξανά στις { $created_on } ως { $referral_id } προς { $agency_id } ({ $agency_kind }) για { $need }, προθεσμία { $due_on }
event-ReferralFollowUpNoted = σημείωση παρακολούθησης στην παραπομπή { $referral_id } στις { $noted_on } από { $author }
event-ReferralDueDateMoved = η προθεσμία της παραπομπής { $referral_id } μετακινήθηκε από { $from_due_on } σε { $due_on }
event-basis-consent = συγκατάθεση της { $date }
event-basis-override = παράκαμψη από τον επόπτη { $staff }

## Beneficiaries
event-BeneficiaryRegistered = ο ωφελούμενος { $beneficiary_id } καταχωρίστηκε στο { $centre_id } στις { $registered_on }
event-IdentityDigestChanged = διορθώθηκε η ταυτότητα (νέα σύνοψη ταυτότητας)
event-BeneficiaryAttributesUpdated = ενημερώθηκαν τα χαρακτηριστικά
event-LegalBasisRecorded = καταχωρίστηκε η νομική βάση «{ $basis }» στις { $recorded_on }
event-SharingConsentGranted = δόθηκε συγκατάθεση κοινοποίησης στον φορέα { $agency_id } για { $purpose } στις { $granted_on }
event-SharingConsentWithdrawn = ανακλήθηκε η συγκατάθεση κοινοποίησης στον φορέα { $agency_id } για { $purpose } στις { $withdrawn_on }
event-IdentityErased = η ταυτότητα διαγράφηκε από το θησαυροφυλάκιο στις { $erased_on } (άρθρο 17 ΓΚΠΔ)
event-RecordsAccessed = ανάγνωση ({ $access }) από { $accessed_by } στις { $accessed_on }

## Staff
event-StaffRegistered = το μέλος προσωπικού { $staff_id } καταχωρίστηκε στο { $centre_id } ως { $roles }
event-StaffRolesChanged = οι ρόλοι άλλαξαν σε { $roles }
event-StaffDeactivated = το μέλος του προσωπικού απενεργοποιήθηκε στις { $deactivated_on }
event-StaffReactivated = το μέλος του προσωπικού ενεργοποιήθηκε ξανά στις { $reactivated_on }
event-CredentialIssued = εκδόθηκε διαπιστευτήριο ({ $kind }) { $credential_id }
event-CredentialRevoked = ανακλήθηκε το διαπιστευτήριο { $credential_id } ({ $reason })
event-LoginFailed = αποτυχημένη σύνδεση ({ $reason })

## Agencies
event-AgencyRegistered = καταχωρίστηκε ο φορέας { $agency_id } ({ $kind })
event-AgencyUpdated = ενημερώθηκε η καταχώριση του φορέα ({ $name }, { $kind })
event-AgencyDeactivated = ο φορέας απενεργοποιήθηκε στις { $deactivated_on }
event-AgencyReactivated = ο φορέας ενεργοποιήθηκε ξανά στις { $reactivated_on }

## Centres
event-CentreRegistered = καταχωρίστηκε το κέντρο { $centre_id } στον δήμο { $host_municipality }, πρώτος διαχειριστής { $first_administrator }
event-ServedMunicipalityAdded = εξυπηρετεί πλέον και τον δήμο { $municipality }
event-AntennaOpened = άνοιξε το παράρτημα { $name } στον δήμο { $municipality } στις { $opened_on }
event-AntennaClosed = έκλεισε το παράρτημα { $antenna_id } στις { $closed_on }
event-FundingProgrammeAdded = πρόγραμμα χρηματοδότησης { $code } ({ $fund }) από { $starts_on } έως { $ends_on }, προϋπολογισμός { $budget } €
event-SigningKeyRecorded = καταχωρίστηκε το κλειδί υπογραφής { $key } στις { $recorded_on }
event-SigningKeyRevoked = ανακλήθηκε το κλειδί υπογραφής { $key } στις { $revoked_on }
