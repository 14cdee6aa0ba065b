//! Centres: registration, served municipalities, antennas and funding programmes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::context::{Actor, CentreFacts, Context, FactsNeeded};
use crate::limits;
use crate::policy::{self, ADMINISTRATION};
use crate::rejection::Rejection;
use crate::stream::{Aggregate, StreamKind};
use crate::values::{
    AntennaId, CentreId, Date, EuroCents, FundName, LogHashText, MunicipalityName, OrganisationName, ProgrammeCode,
    SigningKeyText, StaffId,
};
use crate::vocab::Role;

/// A command to a centre's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CentreCommand {
    /// The centre (and so the stream `centre-<uuid>`).
    pub centre_id: CentreId,
    /// What to do.
    pub action: CentreAction,
}

/// What can be asked of a centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CentreAction {
    /// Register the centre. Allowed to the set-up actor or an active administrator.
    Register {
        /// The centre's name.
        name: OrganisationName,
        /// The municipality that hosts it.
        host_municipality: MunicipalityName,
        /// The municipal Social Service that supervises it.
        supervising_service: OrganisationName,
        /// The id the first administrator will be registered with.
        first_administrator: StaffId,
    },
    /// Serve a further municipality (a neighbour without a centre).
    AddServedMunicipality {
        /// The municipality.
        municipality: MunicipalityName,
    },
    /// Open an antenna (branch office) in another municipality.
    OpenAntenna {
        /// The new antenna's id.
        antenna_id: AntennaId,
        /// Its name.
        name: OrganisationName,
        /// Its municipality.
        municipality: MunicipalityName,
    },
    /// Close an open antenna.
    CloseAntenna {
        /// The antenna.
        antenna_id: AntennaId,
    },
    /// Record a funding programme.
    AddFundingProgramme {
        /// The programme.
        programme: FundingProgramme,
    },
    /// Record the public key that signs the deployment's checkpoints, as the centre's own
    /// (an administrator of the centre). A key once recorded is never recorded again.
    RecordSigningKey {
        /// The verifier key.
        key: SigningKeyText,
    },
    /// Revoke a signing key the centre recorded (an administrator): checkpoints it signs at
    /// or after the revocation's position are no longer the centre's.
    RevokeSigningKey {
        /// The verifier key.
        key: SigningKeyText,
    },
    /// Record that a backup of the whole data directory was taken, up to `position` (an
    /// administrator of the deployment's first-registered centre: `policy::may_take_backup`).
    /// The Engine records it as it takes a backup (`Engine::backup`), after reading what the
    /// backup holds and before writing it out.
    TakeBackup {
        /// The log's position the backup holds up to.
        position: u64,
        /// The hash of the record at that position.
        head_hash: LogHashText,
        /// For an increment: the position of the backup it continues (it holds the log after
        /// it); `None` for a full backup.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since_position: Option<u64>,
    },
}

/// A funding programme: code, fund, period and budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FundingProgramme {
    /// The programme's code.
    pub code: ProgrammeCode,
    /// The fund.
    pub fund: FundName,
    /// First day of the period.
    pub starts_on: Date,
    /// Last day of the period (inclusive).
    pub ends_on: Date,
    /// The budget.
    pub budget: EuroCents,
}

/// What happened to a centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CentreEvent {
    /// "CentreRegistered", v2 (v1 had no `registered_on`; it reads as `None`).
    CentreRegistered {
        /// The centre.
        centre_id: CentreId,
        /// Name.
        name: OrganisationName,
        /// Host municipality.
        host_municipality: MunicipalityName,
        /// Supervising Social Service.
        supervising_service: OrganisationName,
        /// The first administrator's id.
        first_administrator: StaffId,
        /// Business date (added in version 2; `None` only for a version-1 event).
        registered_on: Option<Date>,
    },
    /// "ServedMunicipalityAdded", v1.
    ServedMunicipalityAdded {
        /// The municipality.
        municipality: MunicipalityName,
    },
    /// "AntennaOpened", v1.
    AntennaOpened {
        /// The antenna.
        antenna_id: AntennaId,
        /// Its name.
        name: OrganisationName,
        /// Its municipality.
        municipality: MunicipalityName,
        /// Business date.
        opened_on: Date,
    },
    /// "AntennaClosed", v1.
    AntennaClosed {
        /// The antenna.
        antenna_id: AntennaId,
        /// Business date.
        closed_on: Date,
    },
    /// "FundingProgrammeAdded", v1.
    FundingProgrammeAdded {
        /// The programme.
        programme: FundingProgramme,
    },
    /// "SigningKeyRecorded", v1: the centre stands behind checkpoints signed by this key
    /// (its public key only; the secret never enters the log).
    SigningKeyRecorded {
        /// The verifier key.
        key: SigningKeyText,
        /// Business date.
        recorded_on: Date,
    },
    /// "SigningKeyRevoked", v1: from this record on, the key signs nothing of the centre's.
    SigningKeyRevoked {
        /// The verifier key.
        key: SigningKeyText,
        /// Business date.
        revoked_on: Date,
    },
    /// "BackupTaken", v1: the acting administrator took a backup of the whole data directory
    /// (every centre's log and, encrypted, every person's data) up to this position. It names
    /// no file and holds no secret.
    BackupTaken {
        /// The log's position the backup holds up to.
        position: u64,
        /// The hash of the record at that position.
        head_hash: LogHashText,
        /// For an increment: the position of the backup it continues; `None` (absent) for a
        /// full backup.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since_position: Option<u64>,
        /// Business date.
        taken_on: Date,
    },
}

impl CentreEvent {
    /// The stable type names of this stream's events.
    pub const TYPES: &'static [&'static str] = &[
        "CentreRegistered",
        "ServedMunicipalityAdded",
        "AntennaOpened",
        "AntennaClosed",
        "FundingProgrammeAdded",
        "SigningKeyRecorded",
        "SigningKeyRevoked",
        "BackupTaken",
    ];
    /// The stable type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::CentreRegistered { .. } => "CentreRegistered",
            Self::ServedMunicipalityAdded { .. } => "ServedMunicipalityAdded",
            Self::AntennaOpened { .. } => "AntennaOpened",
            Self::AntennaClosed { .. } => "AntennaClosed",
            Self::FundingProgrammeAdded { .. } => "FundingProgrammeAdded",
            Self::SigningKeyRecorded { .. } => "SigningKeyRecorded",
            Self::SigningKeyRevoked { .. } => "SigningKeyRevoked",
            Self::BackupTaken { .. } => "BackupTaken",
        }
    }
}

/// A registered centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Centre {
    /// The centre.
    pub centre_id: CentreId,
    /// Name.
    pub name: OrganisationName,
    /// Host municipality.
    pub host_municipality: MunicipalityName,
    /// Supervising Social Service.
    pub supervising_service: OrganisationName,
    /// The first administrator's id.
    pub first_administrator: StaffId,
    /// The business date of registration (`None` for a version-1 registration).
    pub registered_on: Option<Date>,
    /// Municipalities served besides the host.
    pub served_municipalities: Vec<MunicipalityName>,
    /// Every antenna ever opened.
    pub antennas: BTreeMap<AntennaId, Antenna>,
    /// Funding programmes.
    pub funding_programmes: Vec<FundingProgramme>,
    /// The signing keys the centre recorded, in order, each with whether it was revoked.
    pub signing_keys: Vec<(SigningKeyText, bool)>,
}

/// An antenna of a centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Antenna {
    /// Name.
    pub name: OrganisationName,
    /// Municipality.
    pub municipality: MunicipalityName,
    /// False once closed.
    pub open: bool,
}

/// The state of a centre's stream: `None` until registered.
pub type CentreState = Option<Centre>;

impl CentreFacts {
    /// The facts of a registered centre, `None` if it is not registered.
    pub fn from_state(state: &CentreState) -> Option<Self> {
        state.as_ref().map(|c| CentreFacts {
            centre_id: c.centre_id,
            open_antennas: c.antennas.iter().filter(|(_, a)| a.open).map(|(id, _)| *id).collect(),
            first_administrator: c.first_administrator,
            registered_on: c.registered_on,
            programmes: c.funding_programmes.clone(),
        })
    }
}

/// The centre stream's rules.
#[derive(Debug, Clone, Copy)]
pub struct CentreAggregate;

impl CentreAction {
    /// The command's stable name (for rejections and logs).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Register { .. } => "RegisterCentre",
            Self::AddServedMunicipality { .. } => "AddServedMunicipality",
            Self::OpenAntenna { .. } => "OpenAntenna",
            Self::CloseAntenna { .. } => "CloseAntenna",
            Self::AddFundingProgramme { .. } => "AddFundingProgramme",
            Self::RecordSigningKey { .. } => "RecordSigningKey",
            Self::RevokeSigningKey { .. } => "RevokeSigningKey",
            Self::TakeBackup { .. } => policy::TAKE_BACKUP,
        }
    }
}

impl Aggregate for CentreAggregate {
    type State = CentreState;
    type Command = CentreCommand;
    type Event = CentreEvent;
    const KIND: StreamKind = StreamKind::Centre;

    fn required_facts(_state: &CentreState, command: &CentreCommand) -> FactsNeeded {
        FactsNeeded {
            first_centre: matches!(command.action, CentreAction::TakeBackup { .. }),
            ..FactsNeeded::default()
        }
    }

    fn decide(state: &CentreState, command: &CentreCommand, ctx: &Context) -> Result<Vec<CentreEvent>, Rejection> {
        let name = command.action.name();
        let stream_id = command.centre_id.stream_id();
        if let Some(centre) = state {
            assert_eq!(centre.centre_id, command.centre_id, "command for another stream");
        }
        let centre = match (&command.action, state) {
            (
                CentreAction::Register {
                    name: centre_name,
                    host_municipality,
                    supervising_service,
                    first_administrator,
                },
                None,
            ) => {
                if !matches!(ctx.actor, Actor::Setup) {
                    policy::require_staff(ctx, name, None, &[Role::Administrator])?;
                }
                host_municipality.require_listed()?;
                return Ok(vec![CentreEvent::CentreRegistered {
                    centre_id: command.centre_id,
                    name: centre_name.clone(),
                    host_municipality: host_municipality.clone(),
                    supervising_service: supervising_service.clone(),
                    first_administrator: *first_administrator,
                    registered_on: Some(ctx.today),
                }]);
            }
            (CentreAction::Register { .. }, Some(_)) => return Err(Rejection::AlreadyExists { stream_id }),
            (_, None) => return Err(Rejection::NotFound { stream_id }),
            (_, Some(centre)) => centre,
        };
        if let CentreAction::TakeBackup { position, head_hash, since_position } = &command.action {
            policy::may_take_backup(&ctx.actor, centre.centre_id, ctx.facts.first_centre)?;
            if since_position.is_some_and(|since| since > *position) {
                return Err(Rejection::NothingToChange { what: "backup: an increment ends before its base" });
            }
            return Ok(vec![CentreEvent::BackupTaken {
                position: *position,
                head_hash: head_hash.clone(),
                since_position: *since_position,
                taken_on: ctx.today,
            }]);
        }
        policy::require_staff(ctx, name, Some(centre.centre_id), ADMINISTRATION)?;
        policy::check_registered(ctx.today, "the centre", centre.registered_on)?;
        match &command.action {
            CentreAction::Register { .. } => Err(Rejection::AlreadyExists { stream_id: centre.centre_id.stream_id() }),
            CentreAction::TakeBackup { .. } => unreachable!("decided above"),
            CentreAction::AddServedMunicipality { municipality } => {
                municipality.require_listed()?;
                if *municipality == centre.host_municipality || centre.served_municipalities.contains(municipality) {
                    return Err(Rejection::Duplicate { what: "served municipality", value: municipality.to_string() });
                }
                if centre.served_municipalities.len() >= limits::MAX_SERVED_MUNICIPALITIES {
                    return Err(Rejection::TooMany {
                        what: "served municipalities",
                        max: limits::MAX_SERVED_MUNICIPALITIES,
                    });
                }
                Ok(vec![CentreEvent::ServedMunicipalityAdded { municipality: municipality.clone() }])
            }
            CentreAction::OpenAntenna { antenna_id, name: antenna_name, municipality } => {
                municipality.require_listed()?;
                if centre.antennas.contains_key(antenna_id) {
                    return Err(Rejection::Duplicate { what: "antenna id", value: antenna_id.to_string() });
                }
                if centre.antennas.len() >= limits::MAX_ANTENNAS {
                    return Err(Rejection::TooMany { what: "antennas", max: limits::MAX_ANTENNAS });
                }
                Ok(vec![CentreEvent::AntennaOpened {
                    antenna_id: *antenna_id,
                    name: antenna_name.clone(),
                    municipality: municipality.clone(),
                    opened_on: ctx.today,
                }])
            }
            CentreAction::CloseAntenna { antenna_id } => {
                match centre.antennas.get(antenna_id) {
                    Some(antenna) if antenna.open => {}
                    _ => {
                        return Err(Rejection::AntennaNotOpen { antenna_id: *antenna_id, centre_id: centre.centre_id })
                    }
                }
                Ok(vec![CentreEvent::AntennaClosed { antenna_id: *antenna_id, closed_on: ctx.today }])
            }
            CentreAction::AddFundingProgramme { programme } => {
                if programme.ends_on < programme.starts_on {
                    return Err(Rejection::PeriodEndsBeforeStart {
                        start: programme.starts_on,
                        end: programme.ends_on,
                    });
                }
                if centre.funding_programmes.iter().any(|p| p.code == programme.code) {
                    return Err(Rejection::Duplicate { what: "programme code", value: programme.code.to_string() });
                }
                if centre.funding_programmes.len() >= limits::MAX_FUNDING_PROGRAMMES {
                    return Err(Rejection::TooMany { what: "funding programmes", max: limits::MAX_FUNDING_PROGRAMMES });
                }
                Ok(vec![CentreEvent::FundingProgrammeAdded { programme: programme.clone() }])
            }
            CentreAction::RecordSigningKey { key } => {
                if centre.signing_keys.iter().any(|(recorded, _)| recorded == key) {
                    return Err(Rejection::Duplicate { what: "signing key", value: key.to_string() });
                }
                if centre.signing_keys.len() >= limits::MAX_SIGNING_KEYS {
                    return Err(Rejection::TooMany { what: "signing keys", max: limits::MAX_SIGNING_KEYS });
                }
                Ok(vec![CentreEvent::SigningKeyRecorded { key: key.clone(), recorded_on: ctx.today }])
            }
            CentreAction::RevokeSigningKey { key } => {
                match centre.signing_keys.iter().find(|(recorded, _)| recorded == key) {
                    None => Err(Rejection::NotFound { stream_id: format!("signing key {key} of {stream_id}") }),
                    Some((_, true)) => Err(Rejection::NothingToChange { what: "the signing key is revoked already" }),
                    Some((_, false)) => {
                        Ok(vec![CentreEvent::SigningKeyRevoked { key: key.clone(), revoked_on: ctx.today }])
                    }
                }
            }
        }
    }

    fn evolve(state: &mut CentreState, event: &CentreEvent) {
        if let CentreEvent::CentreRegistered {
            centre_id,
            name,
            host_municipality,
            supervising_service,
            first_administrator,
            registered_on,
        } = event
        {
            if state.is_none() {
                *state = Some(Centre {
                    centre_id: *centre_id,
                    name: name.clone(),
                    host_municipality: host_municipality.clone(),
                    supervising_service: supervising_service.clone(),
                    first_administrator: *first_administrator,
                    registered_on: *registered_on,
                    served_municipalities: Vec::new(),
                    antennas: BTreeMap::new(),
                    funding_programmes: Vec::new(),
                    signing_keys: Vec::new(),
                });
            }
            return;
        }
        let Some(centre) = state.as_mut() else {
            return;
        };
        match event {
            CentreEvent::CentreRegistered { .. } => {}
            CentreEvent::ServedMunicipalityAdded { municipality } => {
                centre.served_municipalities.push(municipality.clone());
            }
            CentreEvent::AntennaOpened { antenna_id, name, municipality, .. } => {
                centre.antennas.insert(
                    *antenna_id,
                    Antenna { name: name.clone(), municipality: municipality.clone(), open: true },
                );
            }
            CentreEvent::AntennaClosed { antenna_id, .. } => {
                if let Some(antenna) = centre.antennas.get_mut(antenna_id) {
                    antenna.open = false;
                }
            }
            CentreEvent::FundingProgrammeAdded { programme } => {
                centre.funding_programmes.push(programme.clone());
            }
            CentreEvent::SigningKeyRecorded { key, .. } => centre.signing_keys.push((key.clone(), false)),
            CentreEvent::SigningKeyRevoked { key, .. } => {
                for (recorded, revoked) in &mut centre.signing_keys {
                    if recorded == key {
                        *revoked = true;
                    }
                }
            }
            // A record for the audit trail: the centre's state does not change.
            CentreEvent::BackupTaken { .. } => {}
        }
    }
}
