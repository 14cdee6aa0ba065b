# What a write prints when it is done: `done-<command>` (its words), then where it was
# written (`written-*`); a hint to paste follows `written-next`.

## Where it was written
written-position = (position { $position })
written-positions = (positions { $start }..{ $end })
written-repeat = (a repeat of an earlier command: nothing new written)
written-nothing = (nothing to change)
written-next = next:

## Centres, staff, agencies
done-centre-register = registered centre { $centre } with its administrator { $staff }
done-centre-serve = served municipality added
done-centre-antenna = opened antenna { $antenna }
done-centre-close-antenna = closed antenna { $antenna }
done-centre-programme = programme recorded
done-signing-key-recorded = recorded the signing key { $value }
done-signing-key-rotated = the signing key is now { $value }
done-signing-key-rotated-revoked = the signing key is now { $value }; the old one is revoked
done-signing-key-revoked = revoked the signing key { $value }
done-staff-add = added staff member { $staff }
done-staff-roles = roles changed
done-staff-deactivate = deactivated
done-staff-reactivate = reactivated
done-agency-add = added agency { $agency }
done-agency-update = agency updated
done-agency-deactivate = deactivated
done-agency-reactivate = reactivated

## Credentials and sessions
done-issued-enrolment = enrolment { $credential } for staff member { $staff }, valid until { $expires_at } (position { $position }); it is shown only this once:
done-issued-api_token = api token { $credential } for staff member { $staff }, valid until { $expires_at } (position { $position }); it is shown only this once:
done-password-set = password set for { $staff }; earlier passwords and tokens revoked
done-credential-revoked = credential revoked
done-login = logged in to { $value } as staff member { $staff } until { $expires_at } (position { $position }); the session is kept in { $text }
done-logout = logged out of { $value } (position { $position })
done-logout-ended = the session with { $value } had ended already; forgotten here

## Beneficiaries
done-beneficiary-register = beneficiary register: { $beneficiary }
done-beneficiary-update = beneficiary update: { $beneficiary }
done-beneficiary-legal-basis = beneficiary legal-basis: { $beneficiary }
done-beneficiary-consent = beneficiary consent: { $beneficiary }
done-beneficiary-withdraw-consent = beneficiary withdraw-consent: { $beneficiary }
done-beneficiary-erase = erased the identity of beneficiary { $beneficiary }; the log and the indicators stay as they are
own-copy-written = wrote the own copy of { $beneficiary } to { $text } ({ $case }, { $n } listed)

## Cases
done-intake = opened case { $case } ({ $id })
done-assess = assessment recorded
done-service = service recorded
done-note = note added
done-case-assign = assigned { $case } to { $staff }
done-case-close = case closed
done-case-reopen = case reopened

## Referrals
done-refer = created draft referral { $referral } ({ $id })
done-referral-send = referral send: { $referral }
done-referral-accept = referral accept: { $referral }
done-referral-decline = referral decline: { $referral }
done-referral-start = referral start: { $referral }
done-referral-hold = referral hold: { $referral }
done-referral-resume = referral resume: { $referral }
done-referral-complete = referral complete: { $referral }
done-referral-fail = referral fail: { $referral }
done-referral-cancel = referral cancel: { $referral }
done-referral-expire = referral expire: { $referral }
done-referral-reroute = referral reroute: { $referral } re-routed as { $next } ({ $id })
done-referral-note = referral note: { $referral }
done-referral-due = referral due: { $referral }
