//! Limits on everything: text lengths, collection sizes, amounts. A limit hit is a clear
//! error ([`crate::ValidationError`] for a value, [`crate::Rejection::TooMany`] for a count).

/// Characters in an organisation, centre, antenna, agency or fund name.
pub const MAX_NAME_CHARS: usize = 200;
/// Characters in a municipality name.
pub const MAX_MUNICIPALITY_CHARS: usize = 100;
/// Characters in a person's given or family name.
pub const MAX_PERSON_NAME_CHARS: usize = 100;
/// Characters in a programme code.
pub const MAX_CODE_CHARS: usize = 50;
/// The most signing keys a centre records over its life (a rotation a month for 16 years).
pub const MAX_SIGNING_KEYS: usize = 200;
/// Characters in free text (a request, a note, a description).
pub const MAX_NARRATIVE_CHARS: usize = 4000;
/// Characters in a reason.
pub const MAX_REASON_CHARS: usize = 1000;
/// Characters in a postal address.
pub const MAX_ADDRESS_CHARS: usize = 500;
/// Characters in an e-mail address (RFC 5321 path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Characters in a phone number as written.
pub const MAX_PHONE_CHARS: usize = 32;
/// Characters in a web address.
pub const MAX_URL_CHARS: usize = 500;
/// The largest amount of money: one hundred billion euro, in cents.
pub const MAX_EURO_CENTS: u64 = 10_000_000_000_000;

/// Municipalities a centre serves besides its host municipality.
pub const MAX_SERVED_MUNICIPALITIES: usize = 16;
/// Antennas a centre has ever opened.
pub const MAX_ANTENNAS: usize = 16;
/// Funding programmes recorded for a centre.
pub const MAX_FUNDING_PROGRAMMES: usize = 32;
/// Sharing consents (granted or withdrawn) recorded for a beneficiary.
pub const MAX_CONSENTS: usize = 256;
/// Phone numbers or e-mail addresses on one agency or identity record.
pub const MAX_CONTACTS: usize = 8;
/// Assessments of one case.
pub const MAX_ASSESSMENTS: usize = 100;
/// Direct services recorded in one case.
pub const MAX_SERVICES: usize = 1000;
/// Notes in one case.
pub const MAX_CASE_NOTES: usize = 1000;
/// Referrals in one case (re-routed ones included).
pub const MAX_REFERRALS: usize = 100;
/// Follow-up notes on one referral.
pub const MAX_FOLLOW_UP_NOTES: usize = 200;
/// Due-date moves on one referral.
pub const MAX_DUE_DATE_MOVES: usize = 20;
/// Times a case may be reopened.
pub const MAX_REOPENINGS: usize = 50;
/// How far ahead a follow-up due date may be set, in days.
pub const MAX_DUE_DAYS_AHEAD: i64 = 366;
/// The oldest age a year of birth may imply.
pub const MAX_AGE_YEARS: i32 = 120;

/// How far an act's business time (`occurred_at`) may lie after the engine's clock: the
/// clocks of a centre's desks and of the engine's host are never exactly alike.
pub const MAX_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;
