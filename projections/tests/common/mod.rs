//! Fixtures and the one `check` helper of the projections' tests: given recorded events,
//! when a query, then the expected view.
#![allow(dead_code)]
// Fixture builders read best as one call per event, all facts in line.
#![allow(clippy::too_many_arguments)]

use std::collections::BTreeMap;

use parapompi_core::agency::{AgencyEvent, AgencyProfile};
use parapompi_core::beneficiary::BeneficiaryEvent;
use parapompi_core::case::{CaseEvent, SharingBasis};
use parapompi_core::identity::IdentityDigest;
use parapompi_core::staff::StaffEvent;
use parapompi_core::values::{
    AgencyId, AntennaId, BeneficiaryId, CaseId, CentreId, Date, MunicipalityName, OrganisationName, PersonName, Reason,
    ReferralId, StaffId, Timestamp,
};
use parapompi_core::vocab::{
    AgencyKind, Answer, Attributes, CloseReason, Flag, Gender, IntakeChannel, IscedBand, LabourStatus, Need,
    NeedDomain, NeedPriority, Outcome, ReferralPriority, Role, ServiceKind, VulnerableGroups,
};
use parapompi_core::Event;
use parapompi_projections::{Projections, Recorded};
use uuid::Uuid;

pub fn ok<T, E: std::fmt::Debug>(result: Result<T, E>) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("fixture must be valid: {e:?}"),
    }
}

pub fn date(text: &str) -> Date {
    ok(Date::parse(text))
}
/// A reason as a decided event holds it (inline; the Engine seals texts, the folds never
/// read them).
pub fn why(text: &str) -> parapompi_core::Text {
    parapompi_core::Text::inline(ok(Reason::new(text)).as_str())
}
pub fn town(text: &str) -> MunicipalityName {
    ok(MunicipalityName::new(text))
}

pub const CENTRE: u128 = 1;
pub const OTHER_CENTRE: u128 = 2;
pub const ANTENNA: u128 = 3;
pub const ALICE: u128 = 10;
pub const BOB: u128 = 11;
pub const SUPERVISOR: u128 = 12;
pub const AGENCY: u128 = 20;
pub const OTHER_AGENCY: u128 = 21;

pub fn centre(n: u128) -> CentreId {
    CentreId::new(Uuid::from_u128(n))
}
pub fn antenna() -> AntennaId {
    AntennaId::new(Uuid::from_u128(ANTENNA))
}
pub fn staff(n: u128) -> StaffId {
    StaffId::new(Uuid::from_u128(n))
}
pub fn agency(n: u128) -> AgencyId {
    AgencyId::new(Uuid::from_u128(n))
}
pub fn beneficiary(n: u128) -> BeneficiaryId {
    BeneficiaryId::new(Uuid::from_u128(100 + n))
}
pub fn case(n: u128) -> CaseId {
    CaseId::new(Uuid::from_u128(200 + n))
}
pub fn referral(n: u128) -> ReferralId {
    ReferralId::new(Uuid::from_u128(300 + n))
}

/// A log being written: positions from 1, stream versions per stream, the hash of position
/// p is p in hex on 64 digits. Each event is stamped at noon UTC of its business date.
#[derive(Default)]
pub struct Log {
    pub records: Vec<Recorded>,
    versions: BTreeMap<String, u64>,
}

pub fn hash_of(position: u64) -> String {
    format!("{position:064x}")
}

pub fn noon(on: Date) -> Timestamp {
    Timestamp::from_unix_ms(on.days_since_epoch() * 86_400_000 + 12 * 3_600_000)
}

impl Log {
    pub fn new() -> Log {
        Log::default()
    }

    /// Appends an event of `stream` by `actor`, occurred at noon UTC of `on`.
    pub fn push(&mut self, stream: String, actor: &str, on: &str, event: Event) -> &mut Log {
        let position = u64::try_from(self.records.len()).unwrap_or(0) + 1;
        let version = self.versions.entry(stream.clone()).or_default();
        *version += 1;
        let at = noon(date(on));
        self.records.push(Recorded {
            position,
            stream_id: stream,
            stream_version: *version,
            event_id: Uuid::from_u128(1_000_000 + u128::from(position)),
            command_id: Uuid::from_u128(2_000_000 + u128::from(position)),
            occurred_at: at,
            recorded_at: at,
            actor: actor.to_owned(),
            hash: hash_of(position),
            event,
        });
        self
    }

    /// A case event by staff `by`.
    pub fn case(&mut self, n: u128, by: u128, on: &str, event: CaseEvent) -> &mut Log {
        self.push(case(n).stream_id(), &staff(by).stream_id(), on, Event::Case(event))
    }

    pub fn beneficiary(&mut self, n: u128, by: u128, on: &str, event: BeneficiaryEvent) -> &mut Log {
        self.push(beneficiary(n).stream_id(), &staff(by).stream_id(), on, Event::Beneficiary(event))
    }

    /// Registers a beneficiary with attributes.
    pub fn register(&mut self, n: u128, on: &str, attributes: Attributes) -> &mut Log {
        let event = BeneficiaryEvent::BeneficiaryRegistered {
            beneficiary_id: beneficiary(n),
            identity_digest: ok(IdentityDigest::parse(&"ab".repeat(32))),
            attributes,
            centre_id: centre(CENTRE),
            registered_on: date(on),
        };
        self.beneficiary(n, ALICE, on, event)
    }

    pub fn agency(&mut self, n: u128, name: &str, kind: AgencyKind) -> &mut Log {
        let profile = AgencyProfile {
            name: ok(OrganisationName::new(name)),
            kind,
            description: None,
            need_domains: NeedDomain::ALL.iter().copied().collect(),
            municipality: town("Χανίων"),
            email: None,
            url: None,
            phones: Vec::new(),
        };
        let event = AgencyEvent::AgencyRegistered { agency_id: agency(n), profile };
        self.push(agency(n).stream_id(), "setup", "2023-01-01", Event::Agency(event))
    }

    /// Registers centre `n` with its host municipality.
    pub fn register_centre(&mut self, n: u128, host: &str) -> &mut Log {
        let event = parapompi_core::centre::CentreEvent::CentreRegistered {
            centre_id: centre(n),
            name: ok(OrganisationName::new(&format!("Κέντρο Κοινότητας {host}"))),
            host_municipality: town(host),
            supervising_service: ok(OrganisationName::new("Κοινωνική Υπηρεσία")),
            first_administrator: staff(900 + n),
            registered_on: Some(date("2023-01-01")),
        };
        self.push(centre(n).stream_id(), "setup", "2023-01-01", Event::Centre(event))
    }

    pub fn staff_member(&mut self, n: u128, name: &str) -> &mut Log {
        let event = StaffEvent::StaffRegistered {
            staff_id: staff(n),
            centre_id: centre(CENTRE),
            name: ok(PersonName::new(name)),
            roles: [Role::SocialWorker].into_iter().collect(),
        };
        self.push(staff(n).stream_id(), "setup", "2023-01-01", Event::Staff(event))
    }

    /// Opens case `n` for beneficiary `b` at `centre_n` (optionally at the antenna).
    pub fn open(
        &mut self,
        n: u128,
        b: u128,
        centre_n: u128,
        at_antenna: bool,
        on: &str,
        channel: IntakeChannel,
    ) -> &mut Log {
        let event = CaseEvent::CaseOpened {
            case_id: case(n),
            beneficiary_id: beneficiary(b),
            centre_id: centre(centre_n),
            antenna_id: at_antenna.then(antenna),
            intake_date: date(on),
            channel,
            request: parapompi_core::Text::inline("Χρειάζομαι βοήθεια"),
            opened_by: staff(ALICE),
        };
        self.case(n, ALICE, on, event)
    }

    pub fn assign(&mut self, n: u128, to: u128, on: &str) -> &mut Log {
        self.case(n, SUPERVISOR, on, CaseEvent::CaseAssigned { staff_id: staff(to), assigned_by: staff(SUPERVISOR) })
    }

    pub fn reassign(&mut self, n: u128, from: u128, to: u128, on: &str) -> &mut Log {
        let event = CaseEvent::CaseReassigned {
            from_staff_id: staff(from),
            staff_id: staff(to),
            reason: why("leave"),
            reassigned_by: staff(SUPERVISOR),
        };
        self.case(n, SUPERVISOR, on, event)
    }

    pub fn assess(&mut self, n: u128, on: &str, domains: &[NeedDomain]) -> &mut Log {
        let needs = domains.iter().map(|d| Need { domain: *d, priority: NeedPriority::High }).collect();
        let event = CaseEvent::NeedsAssessed { needs, assessed_on: date(on), summary: None, assessed_by: staff(ALICE) };
        self.case(n, ALICE, on, event)
    }

    pub fn serve(&mut self, n: u128, on: &str, kind: ServiceKind) -> &mut Log {
        let event = CaseEvent::ServiceProvided { kind, provided_on: date(on), note: None, provided_by: staff(ALICE) };
        self.case(n, ALICE, on, event)
    }

    pub fn close(&mut self, n: u128, on: &str, reason: CloseReason) -> &mut Log {
        let event = CaseEvent::CaseClosed { reason, detail: None, closed_on: date(on), closed_by: staff(ALICE) };
        self.case(n, ALICE, on, event)
    }

    pub fn reopen(&mut self, n: u128, on: &str) -> &mut Log {
        let event =
            CaseEvent::CaseReopened { reason: why("new need"), reopened_on: date(on), reopened_by: staff(SUPERVISOR) };
        self.case(n, SUPERVISOR, on, event)
    }

    /// Creates referral `r` in case `n` to agency `a` for `need`, due on `due`.
    pub fn create(
        &mut self,
        n: u128,
        r: u128,
        a: u128,
        kind: AgencyKind,
        need: NeedDomain,
        on: &str,
        due: &str,
    ) -> &mut Log {
        let event = CaseEvent::ReferralCreated {
            referral_id: referral(r),
            agency_id: agency(a),
            agency_kind: kind,
            need,
            reason: why("needs support"),
            due_on: date(due),
            priority: ReferralPriority::Routine,
            created_on: date(on),
        };
        self.case(n, ALICE, on, event)
    }

    pub fn send(&mut self, n: u128, r: u128, on: &str) -> &mut Log {
        let event = CaseEvent::ReferralSent {
            referral_id: referral(r),
            sent_on: date(on),
            sharing_basis: SharingBasis::Consent { granted_on: date("2023-01-01") },
        };
        self.case(n, ALICE, on, event)
    }

    pub fn accept(&mut self, n: u128, r: u128, on: &str) -> &mut Log {
        self.case(n, ALICE, on, CaseEvent::ReferralAccepted { referral_id: referral(r), answered_on: date(on) })
    }

    pub fn decline(&mut self, n: u128, r: u128, on: &str) -> &mut Log {
        let event =
            CaseEvent::ReferralDeclined { referral_id: referral(r), reason: why("full"), answered_on: date(on) };
        self.case(n, ALICE, on, event)
    }

    pub fn start(&mut self, n: u128, r: u128, on: &str) -> &mut Log {
        self.case(n, ALICE, on, CaseEvent::ReferralStarted { referral_id: referral(r), started_on: date(on) })
    }

    pub fn complete(&mut self, n: u128, r: u128, on: &str) -> &mut Log {
        let event = CaseEvent::ReferralCompleted {
            referral_id: referral(r),
            outcome: Outcome::GotHelp,
            note: None,
            completed_on: date(on),
        };
        self.case(n, ALICE, on, event)
    }

    pub fn fail(&mut self, n: u128, r: u128, on: &str) -> &mut Log {
        let event = CaseEvent::ReferralFailed {
            referral_id: referral(r),
            outcome: Outcome::NoCapacity,
            reason: why("no places"),
            failed_on: date(on),
        };
        self.case(n, ALICE, on, event)
    }

    pub fn reroute(
        &mut self,
        n: u128,
        from: u128,
        to: u128,
        a: u128,
        need: NeedDomain,
        on: &str,
        due: &str,
    ) -> &mut Log {
        let event = CaseEvent::ReferralRerouted {
            from_referral_id: referral(from),
            referral_id: referral(to),
            agency_id: agency(a),
            agency_kind: AgencyKind::VolunteerOrganisation,
            need,
            reason: why("declined"),
            due_on: date(due),
            priority: ReferralPriority::Urgent,
            created_on: date(on),
        };
        self.case(n, ALICE, on, event)
    }

    pub fn move_due(&mut self, n: u128, r: u128, from: &str, to: &str, on: &str) -> &mut Log {
        let event = CaseEvent::ReferralDueDateMoved {
            referral_id: referral(r),
            from_due_on: date(from),
            due_on: date(to),
            reason: None,
        };
        self.case(n, ALICE, on, event)
    }

    /// The projections of the whole log.
    pub fn projections(&self) -> Projections {
        let mut p = Projections::new();
        p.apply_all(&self.records);
        p
    }

    /// The records at the given positions, as the Engine would read them back.
    pub fn at(&self, positions: &[u64]) -> Vec<Recorded> {
        positions
            .iter()
            .filter_map(|p| usize::try_from(*p).ok().and_then(|p| self.records.get(p - 1)).cloned())
            .collect()
    }
}

/// Given the log, when the query, then the expected answer. The query is asked of the
/// projections folded in one go and of the same projections after a checkpoint round
/// trip at every third position, so every test also checks catch-up.
pub fn check<T: PartialEq + std::fmt::Debug>(given: &Log, when: impl Fn(&Projections) -> T, then: T) {
    let whole = given.projections();
    assert_eq!(when(&whole), then, "folded in one go");
    let mut caught_up = Projections::new();
    for (i, record) in given.records.iter().enumerate() {
        caught_up.apply(record);
        if i % 3 == 0 {
            caught_up = ok(Projections::from_checkpoint(&caught_up.to_checkpoint()));
        }
    }
    assert_eq!(when(&caught_up), then, "caught up through checkpoints");
}

/// Attributes for a test person.
pub fn person(gender: Answer<Gender>, year: Answer<i32>, municipality: &str) -> Attributes {
    Attributes {
        gender,
        year_of_birth: year,
        municipality_of_residence: town(municipality),
        vulnerable_groups: VulnerableGroups {
            roma_or_minority: Flag::No,
            migrant: Flag::No,
            disability: Flag::No,
            homeless: Flag::No,
            third_country_national: Some(Flag::No),
            foreign_background: Some(Flag::No),
        },
        labour_status: Answer::Given(LabourStatus::Unemployed),
        education: Answer::Given(IscedBand::Isced3To4),
        area_of_residence: None,
    }
}
