//! Business dates: which calendar date an event counts on.

use parapompi_core::agency::AgencyEvent;
use parapompi_core::beneficiary::BeneficiaryEvent;
use parapompi_core::case::CaseEvent;
use parapompi_core::centre::CentreEvent;
use parapompi_core::staff::StaffEvent;
use parapompi_core::values::{Date, Timestamp};
use parapompi_core::Event;

const MS_PER_DAY: i64 = 86_400_000;
const MS_PER_HOUR: i64 = 3_600_000;

/// The civil date in Greece (Europe/Athens) at an instant.
///
/// Greece keeps Eastern European Time, UTC+2, and summer time, UTC+3, from 01:00 UTC on the
/// last Sunday of March to 01:00 UTC on the last Sunday of October (the EU rule in force
/// since 1996; earlier years are computed with the same rule). Instants before 1900 or after
/// 2199 clamp to the first or last supported date.
pub fn athens_date(at: Timestamp) -> Date {
    let ms = at.unix_ms();
    let utc_days = ms.div_euclid(MS_PER_DAY);
    let offset_hours = match Date::from_days_since_epoch(utc_days) {
        Ok(utc_date) => {
            let start = last_sunday_days(utc_date.year(), 3) * MS_PER_DAY + MS_PER_HOUR;
            let end = last_sunday_days(utc_date.year(), 10) * MS_PER_DAY + MS_PER_HOUR;
            if (start..end).contains(&ms) {
                3
            } else {
                2
            }
        }
        Err(_) => 2,
    };
    let local_days = ms.saturating_add(offset_hours * MS_PER_HOUR).div_euclid(MS_PER_DAY);
    clamp_date(local_days)
}

/// Days since the epoch of the last Sunday of a month with 31 days (March or October).
fn last_sunday_days(year: i32, month: u8) -> i64 {
    let last = Date::from_ymd(year, month, 31).map(|d| d.days_since_epoch()).unwrap_or(0);
    // 1970-01-01 was a Thursday: with Sunday as 0, its weekday is 4.
    let weekday = (last + 4).rem_euclid(7);
    last - weekday
}

fn clamp_date(days: i64) -> Date {
    match Date::from_days_since_epoch(days) {
        Ok(date) => date,
        Err(_) if days < 0 => Date::from_ymd(parapompi_core::values::MIN_YEAR, 1, 1).expect("1 January is a date"),
        Err(_) => Date::from_ymd(parapompi_core::values::MAX_YEAR, 12, 31).expect("31 December is a date"),
    }
}

/// The business date of an event: the date the event itself carries (intake date, date of
/// the assessment, of the service, of the answer, of the closure...), or, for the few events
/// that carry none (`CaseAssigned`, `CaseReassigned`, `ReferralDueDateMoved`,
/// `BeneficiaryAttributesUpdated`, registrations of centres, staff and agencies...), the
/// date in Greece of its occurred-at instant ([`athens_date`]).
///
/// Every "in the period" and "as of a date" in this crate is by this date.
pub fn business_date(event: &Event, occurred_at: Timestamp) -> Date {
    own_date(event).unwrap_or_else(|| athens_date(occurred_at))
}

fn own_date(event: &Event) -> Option<Date> {
    match event {
        Event::Case(e) => case_event_date(e),
        Event::Beneficiary(e) => match e {
            BeneficiaryEvent::BeneficiaryRegistered { registered_on, .. } => Some(*registered_on),
            BeneficiaryEvent::LegalBasisRecorded { recorded_on, .. } => Some(*recorded_on),
            BeneficiaryEvent::SharingConsentGranted { granted_on, .. } => Some(*granted_on),
            BeneficiaryEvent::SharingConsentWithdrawn { withdrawn_on, .. } => Some(*withdrawn_on),
            BeneficiaryEvent::IdentityErased { erased_on } => Some(*erased_on),
            BeneficiaryEvent::RecordsAccessed { accessed_on, .. } => Some(*accessed_on),
            BeneficiaryEvent::IdentityDigestChanged { .. } | BeneficiaryEvent::BeneficiaryAttributesUpdated { .. } => {
                None
            }
        },
        Event::Agency(e) => match e {
            AgencyEvent::AgencyDeactivated { deactivated_on, .. } => Some(*deactivated_on),
            AgencyEvent::AgencyReactivated { reactivated_on } => Some(*reactivated_on),
            AgencyEvent::AgencyRegistered { .. } | AgencyEvent::AgencyUpdated { .. } => None,
        },
        Event::Staff(StaffEvent::StaffDeactivated { deactivated_on }) => Some(*deactivated_on),
        Event::Staff(StaffEvent::StaffReactivated { reactivated_on }) => Some(*reactivated_on),
        Event::Staff(_) => None,
        Event::Centre(e) => match e {
            CentreEvent::CentreRegistered { registered_on, .. } => *registered_on,
            CentreEvent::AntennaOpened { opened_on, .. } => Some(*opened_on),
            CentreEvent::AntennaClosed { closed_on, .. } => Some(*closed_on),
            _ => None,
        },
    }
}

/// The date a case event carries, if it carries one.
pub(crate) fn case_event_date(event: &CaseEvent) -> Option<Date> {
    use CaseEvent as E;
    Some(match event {
        E::CaseOpened { intake_date, .. } => *intake_date,
        E::CaseAssigned { .. } | E::CaseReassigned { .. } | E::ReferralDueDateMoved { .. } => return None,
        E::NeedsAssessed { assessed_on, .. } => *assessed_on,
        E::ServiceProvided { provided_on, .. } => *provided_on,
        E::CaseNoteAdded { written_on, .. } => *written_on,
        E::CaseClosed { closed_on, .. } => *closed_on,
        E::CaseReopened { reopened_on, .. } => *reopened_on,
        E::ReferralCreated { created_on, .. } | E::ReferralRerouted { created_on, .. } => *created_on,
        E::ReferralSent { sent_on, .. } => *sent_on,
        E::ReferralAccepted { answered_on, .. } | E::ReferralDeclined { answered_on, .. } => *answered_on,
        E::ReferralStarted { started_on, .. } => *started_on,
        E::ReferralPutOnHold { held_on, .. } => *held_on,
        E::ReferralResumed { resumed_on, .. } => *resumed_on,
        E::ReferralCompleted { completed_on, .. } => *completed_on,
        E::ReferralFailed { failed_on, .. } => *failed_on,
        E::ReferralCancelled { cancelled_on, .. } => *cancelled_on,
        E::ReferralExpired { expired_on, .. } => *expired_on,
        E::ReferralFollowUpNoted { noted_on, .. } => *noted_on,
        E::ParticipantEntered { entered_on, .. } => *entered_on,
        E::ParticipantReturned { returned_on, .. } => *returned_on,
        E::LeavingSituationRecorded { left_on, .. } => *left_on,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, hour: i64) -> Timestamp {
        let days = Date::parse(text).map(|d| d.days_since_epoch()).unwrap_or(0);
        Timestamp::from_unix_ms(days * MS_PER_DAY + hour * MS_PER_HOUR)
    }

    #[test]
    fn athens_is_two_hours_ahead_in_winter_and_three_in_summer() {
        // 2023-01-15 22:30 UTC is 00:30 on the 16th in Athens.
        assert_eq!(
            athens_date(Timestamp::from_unix_ms(at("2023-01-15", 22).unix_ms() + 1_800_000)).to_string(),
            "2023-01-16"
        );
        assert_eq!(athens_date(at("2023-01-15", 21)).to_string(), "2023-01-15");
        // Summer: 21:00 UTC on 2023-06-30 is midnight on 1 July in Athens.
        assert_eq!(athens_date(at("2023-06-30", 21)).to_string(), "2023-07-01");
        assert_eq!(athens_date(at("2023-06-30", 20)).to_string(), "2023-06-30");
        // Summer time began on 2023-03-26 at 01:00 UTC and ended on 2023-10-29 at 01:00 UTC.
        assert_eq!(athens_date(at("2023-03-25", 21)).to_string(), "2023-03-25");
        assert_eq!(athens_date(at("2023-03-26", 21)).to_string(), "2023-03-27");
        assert_eq!(athens_date(at("2023-10-28", 21)).to_string(), "2023-10-29");
        assert_eq!(athens_date(at("2023-10-29", 21)).to_string(), "2023-10-29");
        assert_eq!(athens_date(Timestamp::from_unix_ms(i64::MIN)).to_string(), "1900-01-01");
        assert_eq!(athens_date(Timestamp::from_unix_ms(i64::MAX)).to_string(), "2199-12-31");
    }
}
