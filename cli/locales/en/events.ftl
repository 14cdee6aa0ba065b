# The descriptions of events in a case's history and in audit trails: `event-<event type>`,
# with the event's fields as arguments (ids by name or short reference, closed sets' values by
# their names). English shows the log's own sentence, its ids named (`$detail`).

## Cases
event-CaseOpened = { $detail }
event-CaseAssigned = { $detail }
event-CaseReassigned = { $detail }
event-NeedsAssessed = { $detail }
event-ServiceProvided = { $detail }
event-CaseNoteAdded = { $detail }
event-CaseClosed = { $detail }
event-CaseReopened = { $detail }
event-ParticipantEntered = { $detail }
event-ParticipantReturned = { $detail }
event-LeavingSituationRecorded = { $detail }

## Referrals
event-ReferralCreated = { $detail }
event-ReferralSent = { $detail }
event-ReferralAccepted = { $detail }
event-ReferralDeclined = { $detail }
event-ReferralStarted = { $detail }
event-ReferralPutOnHold = { $detail }
event-ReferralResumed = { $detail }
event-ReferralCompleted = { $detail }
event-ReferralFailed = { $detail }
event-ReferralCancelled = { $detail }
event-ReferralExpired = { $detail }
event-ReferralRerouted = { $detail }
event-ReferralFollowUpNoted = { $detail }
event-ReferralDueDateMoved = { $detail }
event-basis-consent = consent granted on { $date }
event-basis-override = override by supervisor { $staff }

## Beneficiaries
event-BeneficiaryRegistered = { $detail }
event-IdentityDigestChanged = { $detail }
event-BeneficiaryAttributesUpdated = { $detail }
event-LegalBasisRecorded = { $detail }
event-SharingConsentGranted = { $detail }
event-SharingConsentWithdrawn = { $detail }
event-IdentityErased = { $detail }
event-RecordsAccessed = { $detail }

## Staff
event-StaffRegistered = { $detail }
event-StaffRolesChanged = { $detail }
event-StaffDeactivated = { $detail }
event-StaffReactivated = { $detail }
event-CredentialIssued = { $detail }
event-CredentialRevoked = { $detail }
event-LoginFailed = { $detail }

## Agencies
event-AgencyRegistered = { $detail }
event-AgencyUpdated = { $detail }
event-AgencyDeactivated = { $detail }
event-AgencyReactivated = { $detail }

## Centres
event-CentreRegistered = { $detail }
event-ServedMunicipalityAdded = { $detail }
event-AntennaOpened = { $detail }
event-AntennaClosed = { $detail }
event-FundingProgrammeAdded = { $detail }
event-SigningKeyRecorded = { $detail }
event-SigningKeyRevoked = { $detail }
