//! The command line, as clap derive definitions. Field names are also the keys of an
//! `apply` line's `args` object (docs/CLI.md), so renaming a field is a breaking change.

// The doc comments here are clap's help text, printed as they are on a terminal, where
// `staff-<UUID>` is the usual way to show a placeholder; rustdoc would read it as HTML.
#![allow(rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;

use crate::vocab::{
    AgencyKindArg, AreaArg, ChannelArg, CloseReasonArg, EducationArg, FlagArg, GenderArg, LabourStatusArg,
    LegalBasisArg, NeedArg, OutcomeArg, PurposeArg, ReferralPriorityArg, ReportFormat, RoleArg, ServiceKindArg,
    StatusArg,
};

/// Parapompi: referral tracking for Community Centres, from the terminal.
#[derive(Debug, Parser)]
#[command(name = "parapompi", version, propagate_version = true, max_term_width = 100)]
#[command(after_help = "Exit codes: 0 success, 1 rejected by a domain rule, 2 usage or environment error.")]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, listed apart from each command's own in its help.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// The data directory [default: ./parapompi-data].
    #[arg(long, global = true, env = "PARAPOMPI_DATA", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The acting staff member (a UUID, staff-<UUID>, or the member's name).
    #[arg(long = "as", global = true, env = "PARAPOMPI_ACTOR", value_name = "STAFF")]
    pub actor: Option<String>,
    /// Machine-readable output: one JSON object, or JSON Lines for listings.
    #[arg(long, global = true)]
    pub json: bool,
    /// When the act happened (RFC 3339) [default: now].
    #[arg(long, global = true, env = "PARAPOMPI_AT", value_name = "INSTANT")]
    pub at: Option<String>,
    /// The command's id (a UUID): repeating a command with the same id writes nothing again.
    #[arg(long, global = true, value_name = "UUID")]
    pub command_id: Option<String>,
    /// Send the command to this `parapompi serve` (http://HOST:PORT or https://…) as the
    /// staff member logged in, instead of opening the data directory.
    #[arg(long, global = true, env = "PARAPOMPI_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// With an https --server: trust the certificate authority (or the self-signed
    /// certificate) in this PEM file alone, instead of the public authorities.
    #[arg(long, global = true, env = "PARAPOMPI_SERVER_CA", value_name = "FILE")]
    pub server_ca: Option<PathBuf>,
    /// How long to wait for a data directory another process holds, in seconds.
    #[arg(long, global = true, env = "PARAPOMPI_WAIT", value_name = "SECONDS", default_value_t = 5)]
    pub wait: u64,
    /// The language of messages, errors and names in human output [default: from LC_ALL,
    /// LC_MESSAGES or LANG, else en]; --json is never translated.
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<crate::i18n::Lang>,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty data directory.
    Init,
    /// Events, streams, head position and hash, and size on disk.
    Stats,
    /// Fill an empty data directory with a realistic, reproducible demo world.
    Demo(DemoArgs),
    /// Centres: register, serve a municipality, antennas, funding programmes.
    #[command(subcommand)]
    Centre(CentreCommand),
    /// Staff members.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Partner bodies (agencies).
    #[command(subcommand)]
    Agency(AgencyCommand),
    /// Beneficiaries: identity in the vault, attributes and consents in the log.
    #[command(subcommand)]
    Beneficiary(BeneficiaryCommand),
    /// Open a case by an intake; prints the case id.
    Intake(IntakeArgs),
    /// Assess a case's needs.
    Assess(AssessArgs),
    /// Record a direct service.
    Service(ServiceArgs),
    /// Add a note to a case.
    Note(NoteArgs),
    /// Cases: assign, close, reopen, show.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Create a draft referral from a case to an agency; prints its reference (CODE-YEAR-NNNN/N) and id.
    Refer(ReferArgs),
    /// Move a referral along its lifecycle.
    #[command(subcommand)]
    Referral(ReferralCommand),
    /// Open cases per staff member and centre.
    Caseload(CaseloadArgs),
    /// Referrals by status and agency; overdue follow-ups.
    Board(BoardArgs),
    /// Every event about a case, beneficiary, referral or staff member.
    Audit(AuditArgs),
    /// Reports for evaluators.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Write a bundle for evaluators (manifest and records).
    Export(ExportArgs),
    /// Import a JSON Lines export or a bundle into this store.
    Import(ImportArgs),
    /// Verify the store's hash chain, or bundles without a store.
    Verify(VerifyArgs),
    /// Compute a report or an audit trail straight from bundles, with no store.
    Replay(ReplayArgs),
    /// Rebuild the read models from the whole log.
    Rebuild,
    /// Write a backup of the whole data directory (log, vault, credentials, key files) while
    /// it works (docs/BACKUP.md).
    Backup(BackupArgs),
    /// Restore a backup into a new data directory (--data-dir), checked, verified and
    /// rebuilt before it is put in place.
    Restore(RestoreArgs),
    /// Run commands from a JSON Lines file (or - for standard input).
    Apply(ApplyArgs),
    /// Serve the HTTP API over this data directory, for a team whose staff log in
    /// (docs/SERVER.md). Stops gracefully on SIGTERM or SIGINT.
    Serve(ServeArgs),
    /// Log in to the server of --server; the session is kept in the user's config directory.
    Login(LoginArgs),
    /// End the session with the server of --server and forget it.
    Logout,
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// The deployment key: rotate it.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Print the signed checkpoint of the log's head (position, head hash, time), or write
    /// it into a directory (for a daily cron job).
    Checkpoint(CheckpointArgs),
    /// A witness outside the centre: make one, and add bundles or checkpoints it countersigns
    /// when they extend the history it holds.
    #[command(subcommand)]
    Witness(WitnessCommand),
}

/// `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The seed of every random choice: the same seed makes the same log.
    #[arg(long, default_value_t = 2023)]
    pub seed: u64,
    /// How many people come to the centres over the two years.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub beneficiaries: u32,
}

/// `centre ...`.
#[derive(Debug, Subcommand)]
pub enum CentreCommand {
    /// Register a centre and its first administrator (needs no --as).
    Register(CentreRegisterArgs),
    /// List the centres.
    List,
    /// Show a centre: municipalities served, antennas, funding programmes.
    Show(CentreIdArgs),
    /// Serve a further municipality (a neighbour without a centre).
    Serve(CentreServeArgs),
    /// Open an antenna (branch office) in another municipality.
    Antenna(CentreAntennaArgs),
    /// Close an antenna.
    CloseAntenna(CentreCloseAntennaArgs),
    /// Record a funding programme.
    Programme(CentreProgrammeArgs),
    /// Record this data directory's signing key (the one its checkpoints are signed by) as
    /// the centre's (an administrator; direct mode); with --rotate, a new key replaces it.
    SigningKey(CentreSigningKeyArgs),
    /// Revoke a signing key the centre recorded (an administrator).
    RevokeSigningKey(CentreRevokeSigningKeyArgs),
}

/// `centre signing-key`.
#[derive(Debug, Args)]
pub struct CentreSigningKeyArgs {
    /// The centre.
    pub centre: String,
    /// Make a new signing key, record it and revoke the old one (when this centre recorded
    /// it) in one act; the new key signs from then on.
    #[arg(long)]
    pub rotate: bool,
}

/// `centre revoke-signing-key`.
#[derive(Debug, Args)]
pub struct CentreRevokeSigningKeyArgs {
    /// The centre.
    pub centre: String,
    /// The verifier key to revoke (NAME+KEYID+KEY).
    #[arg(long, value_name = "VKEY")]
    pub key: String,
}

/// `centre register`.
#[derive(Debug, Args)]
pub struct CentreRegisterArgs {
    /// The centre's name.
    #[arg(long)]
    pub name: String,
    /// The host municipality.
    #[arg(long)]
    pub host: String,
    /// The supervising municipal Social Service.
    #[arg(long)]
    pub supervising_service: String,
    /// The first administrator's name.
    #[arg(long)]
    pub admin_name: String,
    /// The centre's id [default: a new one].
    #[arg(long)]
    pub centre_id: Option<String>,
    /// The first administrator's id [default: a new one].
    #[arg(long)]
    pub admin_id: Option<String>,
}

/// `centre serve`.
#[derive(Debug, Args)]
pub struct CentreServeArgs {
    /// The centre.
    pub centre: String,
    /// The municipality to serve.
    #[arg(long)]
    pub municipality: String,
}

/// `centre antenna`.
#[derive(Debug, Args)]
pub struct CentreAntennaArgs {
    /// The centre.
    pub centre: String,
    /// The antenna's name.
    #[arg(long)]
    pub name: String,
    /// Its municipality.
    #[arg(long)]
    pub municipality: String,
    /// The antenna's id [default: a new one].
    #[arg(long)]
    pub antenna_id: Option<String>,
}

/// `centre close-antenna`.
#[derive(Debug, Args)]
pub struct CentreCloseAntennaArgs {
    /// The centre.
    pub centre: String,
    /// The antenna.
    pub antenna: String,
}

/// `centre programme`.
#[derive(Debug, Args)]
pub struct CentreProgrammeArgs {
    /// The centre.
    pub centre: String,
    /// The programme's code.
    #[arg(long)]
    pub code: String,
    /// The fund.
    #[arg(long)]
    pub fund: String,
    /// First day of the period.
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// Last day of the period (inclusive).
    #[arg(long, value_name = "DATE")]
    pub to: String,
    /// The budget in euros (e.g. 266400.00).
    #[arg(long, value_name = "EUR")]
    pub budget: String,
}

/// `staff ...`.
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Register a staff member at a centre.
    Add(StaffAddArgs),
    /// List staff members (active ones unless --all).
    List(StaffListArgs),
    /// Show a staff member: centre, roles, live credentials (never their secrets).
    Show(StaffIdArgs),
    /// Replace a staff member's roles.
    Roles(StaffRolesArgs),
    /// Deactivate a staff member.
    Deactivate(StaffIdArgs),
    /// Reactivate a deactivated staff member (an administrator or a supervisor).
    Reactivate(StaffIdArgs),
    /// Issue a one-time enrolment code with which a staff member sets a password (an
    /// administrator or a supervisor of their centre). Prints the code once.
    Enrol(StaffEnrolArgs),
    /// Set your password with an enrolment code; the password is read from
    /// PARAPOMPI_PASSWORD, else from the first line of standard input.
    SetPassword(StaffSetPasswordArgs),
    /// Issue an API token for an embedding application, acting as this staff member (an
    /// administrator or a supervisor of their centre). Prints the token once.
    ApiToken(StaffApiTokenArgs),
    /// Revoke a staff member's credential (an enrolment code, a password or a token).
    RevokeCredential(StaffRevokeArgs),
}

/// `staff enrol`.
#[derive(Debug, Args)]
pub struct StaffEnrolArgs {
    /// The staff member.
    pub staff: String,
    /// How long the code is valid, in hours (at most 168).
    #[arg(long, default_value_t = 72, value_parser = clap::value_parser!(u32).range(1..=168))]
    pub valid_hours: u32,
}

/// `staff set-password`.
#[derive(Debug, Args)]
pub struct StaffSetPasswordArgs {
    /// The enrolment code (else PARAPOMPI_ENROLMENT_CODE, which keeps it out of shell history).
    #[arg(long, env = "PARAPOMPI_ENROLMENT_CODE", hide_env_values = true)]
    pub code: String,
}

/// `login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The staff member logging in (a UUID, staff-<UUID>, or the member's whole name); the
    /// password from PARAPOMPI_PASSWORD, else the first line of standard input.
    #[arg(long, value_name = "STAFF")]
    pub staff: String,
}

/// `staff api-token`.
#[derive(Debug, Args)]
pub struct StaffApiTokenArgs {
    /// The staff member whose roles the token carries.
    pub staff: String,
    /// How long the token is valid, in days (at most 366).
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub valid_days: u32,
}

/// `staff revoke-credential`.
#[derive(Debug, Args)]
pub struct StaffRevokeArgs {
    /// The staff member.
    pub staff: String,
    /// The credential's id.
    pub credential: String,
}

/// `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on: loopback behind a reverse proxy, or any with --tls-cert
    /// and --tls-key (docs/SERVER.md).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Serve HTTPS with this certificate chain (PEM: the server's certificate first, then
    /// the intermediates); needs --tls-key.
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM, unencrypted); needs --tls-cert.
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<std::path::PathBuf>,
    /// How long a login lasts, in hours (at most 24).
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=24))]
    pub session_hours: u32,
    /// The largest request body, in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// The longest a request may take, in seconds.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_s: u64,
    /// Connections open at once.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_connections: u64,
    /// The longest a client may take to send a request's headers (and its TLS handshake),
    /// in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_timeout_s: u64,
    /// Write the signed checkpoint of the head into this directory at the start and then
    /// every --checkpoint-every-hours (checkpoint-POSITION.txt, for a witness).
    #[arg(long, value_name = "DIR")]
    pub checkpoint_dir: Option<std::path::PathBuf>,
    /// How often to write a checkpoint into --checkpoint-dir, in hours (daily by default).
    #[arg(long, default_value_t = 24, requires = "checkpoint_dir", value_parser = clap::value_parser!(u64).range(1..=744))]
    pub checkpoint_every_hours: u64,
}

/// `staff add`.
#[derive(Debug, Args)]
pub struct StaffAddArgs {
    /// The centre [default: the acting staff member's].
    #[arg(long)]
    pub centre: Option<String>,
    /// The display name.
    #[arg(long)]
    pub name: String,
    /// A role (repeat for several).
    #[arg(long, required = true, value_parser = RoleArg::parser())]
    pub role: Vec<RoleArg>,
    /// The staff member's id [default: a new one].
    #[arg(long)]
    pub staff_id: Option<String>,
}

/// `staff roles`.
#[derive(Debug, Args)]
pub struct StaffRolesArgs {
    /// The staff member.
    pub staff: String,
    /// A role (repeat for several).
    #[arg(long, required = true, value_parser = RoleArg::parser())]
    pub role: Vec<RoleArg>,
}

/// `staff list`.
#[derive(Debug, Args)]
pub struct StaffListArgs {
    /// Only this centre's staff.
    #[arg(long)]
    pub centre: Option<String>,
    /// Include deactivated staff members.
    #[arg(long)]
    pub all: bool,
}

/// A centre named by its id.
#[derive(Debug, Args)]
pub struct CentreIdArgs {
    /// The centre.
    pub centre: String,
}

/// A command about one staff member.
#[derive(Debug, Args)]
pub struct StaffIdArgs {
    /// The staff member.
    pub staff: String,
}

/// `agency ...`.
#[derive(Debug, Subcommand)]
pub enum AgencyCommand {
    /// Register a partner body.
    Add(AgencyAddArgs),
    /// Change an agency's entry (only the fields given).
    Update(AgencyUpdateArgs),
    /// Stop referring to an agency.
    Deactivate(AgencyDeactivateArgs),
    /// Refer to an agency again.
    Reactivate(AgencyIdArgs),
    /// List agencies.
    List(AgencyListArgs),
    /// Show an agency's entry.
    Show(AgencyIdArgs),
}

/// `agency add`.
#[derive(Debug, Args)]
pub struct AgencyAddArgs {
    /// The name.
    #[arg(long)]
    pub name: String,
    /// The kind of body.
    #[arg(long, value_parser = AgencyKindArg::parser())]
    pub kind: AgencyKindArg,
    /// A need domain it serves (repeat for several).
    #[arg(long, required = true, value_parser = NeedArg::parser())]
    pub need: Vec<NeedArg>,
    /// The municipality where it is.
    #[arg(long)]
    pub municipality: String,
    /// A description.
    #[arg(long)]
    pub description: Option<String>,
    /// Its e-mail address.
    #[arg(long)]
    pub email: Option<String>,
    /// Its web address.
    #[arg(long)]
    pub url: Option<String>,
    /// A telephone number (repeat for several).
    #[arg(long)]
    pub phone: Vec<String>,
    /// The agency's id [default: a new one].
    #[arg(long)]
    pub agency_id: Option<String>,
}

/// `agency update`.
#[derive(Debug, Args)]
pub struct AgencyUpdateArgs {
    /// The agency.
    pub agency: String,
    /// The name.
    #[arg(long)]
    pub name: Option<String>,
    /// The kind of body.
    #[arg(long, value_parser = AgencyKindArg::parser())]
    pub kind: Option<AgencyKindArg>,
    /// The need domains it serves (replaces them; repeat for several).
    #[arg(long, value_parser = NeedArg::parser())]
    pub need: Vec<NeedArg>,
    /// The municipality where it is.
    #[arg(long)]
    pub municipality: Option<String>,
    /// A description.
    #[arg(long)]
    pub description: Option<String>,
    /// Its e-mail address.
    #[arg(long)]
    pub email: Option<String>,
    /// Its web address.
    #[arg(long)]
    pub url: Option<String>,
    /// Telephone numbers (replace them; repeat for several).
    #[arg(long)]
    pub phone: Vec<String>,
}

/// `agency deactivate`.
#[derive(Debug, Args)]
pub struct AgencyDeactivateArgs {
    /// The agency.
    pub agency: String,
    /// Why.
    #[arg(long)]
    pub reason: Option<String>,
}

/// A command about one agency.
#[derive(Debug, Args)]
pub struct AgencyIdArgs {
    /// The agency.
    pub agency: String,
}

/// `agency list`.
#[derive(Debug, Args)]
pub struct AgencyListArgs {
    /// Only agencies serving this need.
    #[arg(long, value_parser = NeedArg::parser())]
    pub need: Option<NeedArg>,
    /// Only agencies whose name holds these words (any case, with or without accents,
    /// Greek or Latin letters).
    #[arg(long, value_name = "WORDS")]
    pub name: Option<String>,
    /// Include deactivated agencies.
    #[arg(long)]
    pub all: bool,
}

/// `beneficiary ...`.
#[derive(Debug, Subcommand)]
pub enum BeneficiaryCommand {
    /// Register a person: identity to the vault, attributes to the log.
    Register(BeneficiaryRegisterArgs),
    /// Change attributes, or correct the identity (not both at once).
    Update(BeneficiaryUpdateArgs),
    /// Record the legal basis for processing.
    LegalBasis(BeneficiaryLegalBasisArgs),
    /// Record a consent to share with an agency.
    Consent(BeneficiaryConsentArgs),
    /// Record the withdrawal of a consent.
    WithdrawConsent(BeneficiaryConsentArgs),
    /// Erase a person's identity from the vault (GDPR Art. 17); the log stays.
    Erase(BeneficiaryIdArgs),
    /// Find people of your centre by AMKA, by name (partial, any case, with or without
    /// accents, Greek or Latin letters) or by phone; each person shown is a recorded read.
    Find(BeneficiaryFindArgs),
    /// Show a person: identity (the read is recorded), attributes, consents and cases.
    Show(BeneficiaryIdArgs),
    /// List every read of a person's data: who, what, when, and whether a reason was given.
    Accesses(BeneficiaryIdArgs),
    /// Write the person's own copy of everything held about them (GDPR Art. 15;
    /// supervisors only; the making is recorded).
    Export(BeneficiaryExportArgs),
}

/// `beneficiary export`.
#[derive(Debug, Args)]
pub struct BeneficiaryExportArgs {
    /// The beneficiary.
    pub beneficiary: String,
    /// Where to write the copy (JSON, Greek text as it is).
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Why it is made (e.g. the date of the person's request); kept in the vault.
    #[arg(long)]
    pub reason: Option<String>,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// The identity fields of a beneficiary.
#[derive(Debug, Args)]
pub struct IdentityArgs {
    /// Given name.
    #[arg(long)]
    pub given_name: Option<String>,
    /// Family name.
    #[arg(long)]
    pub family_name: Option<String>,
    /// AMKA (11 digits with its check digit).
    #[arg(long)]
    pub amka: Option<String>,
    /// A telephone number (repeat for several).
    #[arg(long)]
    pub phone: Vec<String>,
    /// An e-mail address (repeat for several).
    #[arg(long)]
    pub email: Vec<String>,
    /// Postal address.
    #[arg(long)]
    pub address: Option<String>,
}

/// The attributes indicators use; each may be `declined_to_answer`.
#[derive(Debug, Args)]
pub struct AttributeArgs {
    /// Gender.
    #[arg(long, value_parser = GenderArg::parser())]
    pub gender: Option<GenderArg>,
    /// Year of birth, or declined_to_answer.
    #[arg(long, value_name = "YEAR")]
    pub year_of_birth: Option<String>,
    /// Municipality of residence.
    #[arg(long)]
    pub municipality: Option<String>,
    /// Roma or other minority.
    #[arg(long, value_parser = FlagArg::parser())]
    pub roma: Option<FlagArg>,
    /// Migrant.
    #[arg(long, value_parser = FlagArg::parser())]
    pub migrant: Option<FlagArg>,
    /// Disability.
    #[arg(long, value_parser = FlagArg::parser())]
    pub disability: Option<FlagArg>,
    /// Homeless.
    #[arg(long, value_parser = FlagArg::parser())]
    pub homeless: Option<FlagArg>,
    /// Labour-market status.
    #[arg(long, value_parser = LabourStatusArg::parser())]
    pub labour_status: Option<LabourStatusArg>,
    /// Education level (ISCED band).
    #[arg(long, value_parser = EducationArg::parser())]
    pub education: Option<EducationArg>,
    /// Third-country national (not a citizen of an EU country).
    #[arg(long, value_parser = FlagArg::parser())]
    pub third_country_national: Option<FlagArg>,
    /// Of foreign background.
    #[arg(long, value_parser = FlagArg::parser())]
    pub foreign_background: Option<FlagArg>,
    /// Degree of urbanisation of the residence.
    #[arg(long, value_parser = AreaArg::parser())]
    pub area: Option<AreaArg>,
}

/// `beneficiary register`.
#[derive(Debug, Args)]
pub struct BeneficiaryRegisterArgs {
    /// Identity (vault only).
    #[command(flatten)]
    pub identity: IdentityArgs,
    /// Attributes (unanswered ones are recorded as declined_to_answer).
    #[command(flatten)]
    pub attributes: AttributeArgs,
    /// The registering centre [default: the acting staff member's].
    #[arg(long)]
    pub centre: Option<String>,
    /// The beneficiary's id [default: a new one].
    #[arg(long)]
    pub beneficiary_id: Option<String>,
}

/// `beneficiary update`.
#[derive(Debug, Args)]
pub struct BeneficiaryUpdateArgs {
    /// The beneficiary.
    pub beneficiary: String,
    /// Identity fields to correct.
    #[command(flatten)]
    pub identity: IdentityArgs,
    /// Attributes to change.
    #[command(flatten)]
    pub attributes: AttributeArgs,
}

/// `beneficiary legal-basis`.
#[derive(Debug, Args)]
pub struct BeneficiaryLegalBasisArgs {
    /// The beneficiary.
    pub beneficiary: String,
    /// The legal basis.
    #[arg(long, value_parser = LegalBasisArg::parser())]
    pub basis: LegalBasisArg,
}

/// `beneficiary consent` and `beneficiary withdraw-consent`.
#[derive(Debug, Args)]
pub struct BeneficiaryConsentArgs {
    /// The beneficiary.
    pub beneficiary: String,
    /// The agency.
    #[arg(long)]
    pub agency: String,
    /// The purpose.
    #[arg(long, default_value = "referral", value_parser = PurposeArg::parser())]
    pub purpose: PurposeArg,
    /// The date the person gave or withdrew it [default: today].
    #[arg(long, value_name = "DATE")]
    pub on: Option<String>,
}

/// `beneficiary find`: exactly one of the three.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("search").required(true).args(["amka", "name", "phone"])))]
pub struct BeneficiaryFindArgs {
    /// The AMKA, exactly (11 digits).
    #[arg(long)]
    pub amka: Option<String>,
    /// Words of the name: each must be part of the given or family name.
    #[arg(long)]
    pub name: Option<String>,
    /// A phone number: the same digits, or its last six or more.
    #[arg(long)]
    pub phone: Option<String>,
}

/// A command about one beneficiary.
#[derive(Debug, Args)]
pub struct BeneficiaryIdArgs {
    /// The beneficiary.
    pub beneficiary: String,
}

/// `intake`.
#[derive(Debug, Args)]
pub struct IntakeArgs {
    /// The beneficiary.
    #[arg(long)]
    pub beneficiary: String,
    /// How the person came.
    #[arg(long, value_parser = ChannelArg::parser())]
    pub channel: ChannelArg,
    /// The agency that referred the person in (with --channel referred_in).
    #[arg(long)]
    pub referred_by: Option<String>,
    /// The request, in the person's words.
    #[arg(long)]
    pub request: String,
    /// The centre [default: the acting staff member's].
    #[arg(long)]
    pub centre: Option<String>,
    /// The antenna that took the intake, if not the main office.
    #[arg(long)]
    pub antenna: Option<String>,
    /// The date of the intake [default: today].
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// The case's id [default: a new one].
    #[arg(long)]
    pub case_id: Option<String>,
}

/// `assess`.
#[derive(Debug, Args)]
pub struct AssessArgs {
    /// The case.
    pub case: String,
    /// A need as DOMAIN or DOMAIN:PRIORITY (low, medium, high; default medium). Repeat.
    #[arg(long, required = true, value_name = "DOMAIN[:PRIORITY]")]
    pub need: Vec<String>,
    /// The date of the assessment [default: today].
    #[arg(long, value_name = "DATE")]
    pub on: Option<String>,
    /// A summary.
    #[arg(long)]
    pub summary: Option<String>,
}

/// `service`.
#[derive(Debug, Args)]
pub struct ServiceArgs {
    /// The case.
    pub case: String,
    /// The kind of service.
    #[arg(long, value_parser = ServiceKindArg::parser())]
    pub kind: ServiceKindArg,
    /// When it was provided [default: today].
    #[arg(long, value_name = "DATE")]
    pub on: Option<String>,
    /// A note.
    #[arg(long)]
    pub note: Option<String>,
}

/// `note`.
#[derive(Debug, Args)]
pub struct NoteArgs {
    /// The case.
    pub case: String,
    /// The note.
    #[arg(long)]
    pub text: String,
}

/// `case ...`.
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Assign a case; with --reason, reassign it (supervisors only).
    Assign(CaseAssignArgs),
    /// Close a case.
    Close(CaseCloseArgs),
    /// Reopen a closed case (supervisors only).
    Reopen(CaseReopenArgs),
    /// Show a case and its history.
    Show(CaseShowArgs),
}

/// `case assign`.
#[derive(Debug, Args)]
pub struct CaseAssignArgs {
    /// The case.
    pub case: String,
    /// The assignee.
    #[arg(long)]
    pub staff: String,
    /// Why the case moves to another worker (makes this a reassignment).
    #[arg(long)]
    pub reason: Option<String>,
}

/// `case close`.
#[derive(Debug, Args)]
pub struct CaseCloseArgs {
    /// The case.
    pub case: String,
    /// The reason.
    #[arg(long, value_parser = CloseReasonArg::parser())]
    pub reason: CloseReasonArg,
    /// Details (required with --reason other).
    #[arg(long)]
    pub detail: Option<String>,
    /// The situation on leaving an ESF+ operation (all four, for a case that entered one).
    #[command(flatten)]
    pub leaving: LeavingArgs,
}

/// The person's situation on leaving an ESF+ operation: given together, all four.
#[derive(Debug, Args)]
pub struct LeavingArgs {
    /// On leaving: searching for a job.
    #[arg(long, value_parser = FlagArg::parser())]
    pub job_searching: Option<FlagArg>,
    /// On leaving: in education or training.
    #[arg(long, value_parser = FlagArg::parser())]
    pub in_education_or_training: Option<FlagArg>,
    /// On leaving: gained a qualification.
    #[arg(long, value_parser = FlagArg::parser())]
    pub gained_qualification: Option<FlagArg>,
    /// On leaving: in employment (self-employment included).
    #[arg(long, value_parser = FlagArg::parser())]
    pub in_employment: Option<FlagArg>,
}

/// `case reopen`.
#[derive(Debug, Args)]
pub struct CaseReopenArgs {
    /// The case.
    pub case: String,
    /// Why (required by the rules).
    #[arg(long)]
    pub reason: Option<String>,
}

/// `case show`.
#[derive(Debug, Args)]
pub struct CaseShowArgs {
    /// The case.
    pub case: String,
    /// Show the texts written: request, notes, reasons (the read is recorded).
    #[arg(long)]
    pub texts: bool,
    /// Lay the whole file out for a printer: the centre, the person, the referrals with
    /// their outcomes, the history with its texts (the texts and the identity are read, each
    /// read recorded).
    #[arg(long, conflicts_with = "texts")]
    pub print: bool,
    /// Why you read the texts: needed unless the case is assigned to you.
    #[arg(long)]
    pub reason: Option<String>,
}

/// `refer`.
#[derive(Debug, Args)]
pub struct ReferArgs {
    /// The case.
    pub case: String,
    /// The agency.
    #[arg(long)]
    pub agency: String,
    /// The need referred for.
    #[arg(long, value_parser = NeedArg::parser())]
    pub need: NeedArg,
    /// The follow-up due date [default: 14 days from today].
    #[arg(long, value_name = "DATE")]
    pub due: Option<String>,
    /// Why [default: "Referral for <need>"].
    #[arg(long)]
    pub reason: Option<String>,
    /// The priority.
    #[arg(long, default_value = "routine", value_parser = ReferralPriorityArg::parser())]
    pub priority: ReferralPriorityArg,
    /// The referral's id [default: a new one].
    #[arg(long)]
    pub referral_id: Option<String>,
}

/// The referral a lifecycle command is about.
#[derive(Debug, Args)]
pub struct ReferralTarget {
    /// The referral (a UUID or referral-<UUID>).
    pub referral: String,
    /// Its case [default: found from the read models].
    #[arg(long)]
    pub case: Option<String>,
}

/// `referral ...`.
#[derive(Debug, Subcommand)]
pub enum ReferralCommand {
    /// Send a draft referral (needs a consent, or a supervisor's --override-reason).
    Send(ReferralSendArgs),
    /// Record the agency's acceptance.
    Accept(ReferralPlainArgs),
    /// Record the agency's refusal.
    Decline(ReferralReasonArgs),
    /// Record that the agency started work.
    Start(ReferralPlainArgs),
    /// Put a referral on hold.
    Hold(ReferralReasonArgs),
    /// Resume a referral on hold.
    Resume(ReferralPlainArgs),
    /// Record completion with its outcome.
    Complete(ReferralCompleteArgs),
    /// Record failure with its outcome and reason.
    Fail(ReferralFailArgs),
    /// Cancel an open referral.
    Cancel(ReferralReasonArgs),
    /// Expire a sent referral unanswered past its due date.
    Expire(ReferralPlainArgs),
    /// Re-route a declined or failed referral to another agency.
    Reroute(ReferralRerouteArgs),
    /// Add a follow-up note.
    Note(ReferralNoteArgs),
    /// Move the follow-up due date.
    Due(ReferralDueArgs),
}

/// A lifecycle step with nothing more to say.
#[derive(Debug, Args)]
pub struct ReferralPlainArgs {
    /// The referral.
    #[command(flatten)]
    pub target: ReferralTarget,
}

/// A lifecycle step that needs a reason.
#[derive(Debug, Args)]
pub struct ReferralReasonArgs {
    /// The referral.
    #[command(flatten)]
    pub target: ReferralTarget,
    /// Why (required by the rules).
    #[arg(long)]
    pub reason: Option<String>,
}

/// `referral send`.
#[derive(Debug, Args)]
pub struct ReferralSendArgs {
    /// The referral.
    #[command(flatten)]
    pub target: ReferralTarget,
    /// A supervisor's override of the consent rule, with its reason.
    #[arg(long)]
    pub override_reason: Option<String>,
}

/// `referral complete`.
#[derive(Debug, Args)]
pub struct ReferralCompleteArgs {
    /// The referral.
    #[command(flatten)]
    pub target: ReferralTarget,
    /// The outcome (required by the rules).
    #[arg(long, value_parser = OutcomeArg::parser())]
    pub outcome: Option<OutcomeArg>,
    /// A note.
    #[arg(long)]
    pub note: Option<String>,
}

/// `referral fail`.
#[derive(Debug, Args)]
pub struct ReferralFailArgs {
    /// The referral.
    #[command(flatten)]
    pub target: ReferralTarget,
    /// The outcome (required by the rules).
    #[arg(long, value_parser = OutcomeArg::parser())]
    pub outcome: Option<OutcomeArg>,
    /// Why (required by the rules).
    #[arg(long)]
    pub reason: Option<String>,
}

/// `referral reroute`.
#[derive(Debug, Args)]
pub struct ReferralRerouteArgs {
    /// The referral.
    #[command(flatten)]
    pub target: ReferralTarget,
    /// The new agency.
    #[arg(long)]
    pub agency: String,
    /// Why [default: "Re-routed"].
    #[arg(long)]
    pub reason: Option<String>,
    /// The new due date [default: 14 days from today].
    #[arg(long, value_name = "DATE")]
    pub due: Option<String>,
    /// The priority.
    #[arg(long, default_value = "routine", value_parser = ReferralPriorityArg::parser())]
    pub priority: ReferralPriorityArg,
    /// The new referral's id [default: a new one].
    #[arg(long)]
    pub new_referral_id: Option<String>,
}

/// `referral note`.
#[derive(Debug, Args)]
pub struct ReferralNoteArgs {
    /// The referral.
    #[command(flatten)]
    pub target: ReferralTarget,
    /// The note.
    #[arg(long)]
    pub text: String,
}

/// `referral due`.
#[derive(Debug, Args)]
pub struct ReferralDueArgs {
    /// The referral.
    #[command(flatten)]
    pub target: ReferralTarget,
    /// The new due date.
    #[arg(long, value_name = "DATE")]
    pub on: String,
    /// Why.
    #[arg(long)]
    pub reason: Option<String>,
}

/// `caseload`.
#[derive(Debug, Args)]
pub struct CaseloadArgs {
    /// Only this staff member's cases [default: your own, when you act as a staff member].
    #[arg(long, conflicts_with = "all")]
    pub staff: Option<String>,
    /// Every case, not only your own.
    #[arg(long)]
    pub all: bool,
    /// Only this centre's cases.
    #[arg(long)]
    pub centre: Option<String>,
    /// Only this antenna's cases.
    #[arg(long)]
    pub antenna: Option<String>,
    /// Show people by id: read no names (a name shown is a recorded read of the identity).
    #[arg(long)]
    pub no_names: bool,
}

/// `board`.
#[derive(Debug, Args)]
pub struct BoardArgs {
    /// Only referrals with this status.
    #[arg(long, value_parser = StatusArg::parser())]
    pub status: Option<StatusArg>,
    /// Only referrals overdue on --on (default today).
    #[arg(long)]
    pub overdue: bool,
    /// The date to count overdue follow-ups on [default: today].
    #[arg(long, value_name = "DATE")]
    pub on: Option<String>,
    /// Only referrals to this agency.
    #[arg(long)]
    pub agency: Option<String>,
    /// Only referrals of this centre's cases.
    #[arg(long)]
    pub centre: Option<String>,
    /// Only referrals of the cases assigned to this staff member [default: your own, when you
    /// act as a staff member and give no other filter].
    #[arg(long, conflicts_with = "all")]
    pub staff: Option<String>,
    /// Every referral, not only those of your own cases.
    #[arg(long)]
    pub all: bool,
    /// Show people by id: read no names (a name shown is a recorded read of the identity).
    #[arg(long)]
    pub no_names: bool,
}

/// `audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// A case, beneficiary, referral or staff id (bare UUID, or with its prefix: case-<UUID>).
    pub id: String,
    /// Show the texts written (a case's or a referral's trail; the read is recorded).
    #[arg(long)]
    pub texts: bool,
    /// Why you read the texts: needed unless the case is assigned to you.
    #[arg(long, requires = "texts")]
    pub reason: Option<String>,
}

/// `report ...`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The indicators report for a period.
    Indicators(IndicatorsArgs),
}

/// `report indicators`.
#[derive(Debug, Args)]
pub struct IndicatorsArgs {
    /// First day of the period.
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// Last day of the period (inclusive).
    #[arg(long, value_name = "DATE")]
    pub to: String,
    /// Only this centre [default: all].
    #[arg(long)]
    pub centre: Option<String>,
    /// The ESF+ indicators of this funding programme only (its code) [default: every
    /// operation whose period meets the report's].
    #[arg(long, value_name = "CODE")]
    pub programme: Option<String>,
    /// The log as it stood at this instant (RFC 3339).
    #[arg(long, value_name = "INSTANT", conflicts_with = "as_of_position")]
    pub as_of: Option<String>,
    /// The log as it stood at this position.
    #[arg(long, value_name = "POSITION")]
    pub as_of_position: Option<u64>,
    /// Output format (--json means json).
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// In the table, show the rows whose count is zero too.
    #[arg(long)]
    pub zeros: bool,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file to write: a bundle, or with --jsonl a JSON Lines export.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The first position to export (for an incremental bundle).
    #[arg(long, value_name = "POSITION", default_value_t = 1)]
    pub from: u64,
    /// Write the records as JSON Lines, one readable record a line (store/FORMAT.md), not a
    /// bundle: for reading by eye or with other tools, and for `import`.
    #[arg(long)]
    pub jsonl: bool,
    /// Replace FILE when it is an existing regular file (a pipe or device is always written
    /// into).
    #[arg(long)]
    pub force: bool,
}

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A JSON Lines export or a bundle.
    pub file: PathBuf,
}

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Verify these bundles, joined in order, instead of the store (repeat the flag).
    #[arg(long, value_name = "FILE", conflicts_with = "backup")]
    pub bundle: Vec<PathBuf>,
    /// Verify this backup file instead of the store: every part's digest, the log, and with
    /// the deployment key (PARAPOMPI_DEPLOYMENT_KEY_FILE or --key-file) the key files.
    #[arg(long, value_name = "FILE")]
    pub backup: Option<PathBuf>,
    /// With --backup: the deployment key's file, to check that the key files open.
    #[arg(long, value_name = "FILE", requires = "backup")]
    pub key_file: Option<PathBuf>,
    /// With --backup FILE, an increment: the full backup and the increments before it, in
    /// order (repeat the flag); FILE is checked to continue them, their logs joined.
    #[arg(long, value_name = "FILE", requires = "backup")]
    pub base: Vec<PathBuf>,
    /// Check the bundles against the checkpoints this witness file holds (and their
    /// checkpoint against the centre's key it holds).
    #[arg(long, value_name = "FILE", requires = "bundle")]
    pub witness: Option<PathBuf>,
    /// The witness's verifier key, recorded out of band: the witness file must be signed by it.
    #[arg(long, value_name = "VKEY", requires = "witness")]
    pub witness_key: Option<String>,
    /// A position and the hash the log had there, recorded out of band (repeat the flag).
    #[arg(long, value_name = "POSITION:HASH", requires = "bundle")]
    pub pin: Vec<String>,
    /// A bundle held earlier: every record it holds must be in the bundles verified, unchanged
    /// (repeat the flag for bundles that join).
    #[arg(long, value_name = "FILE", requires = "bundle")]
    pub held: Vec<PathBuf>,
    /// The centre's verifier key, recorded out of band: the checkpoint must be signed by it.
    #[arg(long, value_name = "VKEY", requires = "bundle")]
    pub key: Option<String>,
}

/// `backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (whole, or not at all).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
    /// Write an increment of this earlier backup (full or itself an increment): only the log
    /// after its position, with the vault, credentials and key files whole.
    #[arg(long, value_name = "EARLIER_FILE")]
    pub since: Option<PathBuf>,
}

/// `restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file, or a full backup and its increments in order.
    #[arg(required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,
    /// A copy of the deployment key the backup was made under, kept in the new data
    /// directory (DATA_DIR/keys/deployment.key). Without it, the key is the one
    /// PARAPOMPI_DEPLOYMENT_KEY_FILE or PARAPOMPI_DEPLOYMENT_KEY names.
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// People erased after the backup was made, one id a line: their data is removed again
    /// and each erasure recorded in the restored log, by the supervisor the line names after
    /// the id, else by --as.
    #[arg(long, value_name = "FILE")]
    pub erasures: Option<PathBuf>,
}

/// `checkpoint`.
#[derive(Debug, Args)]
pub struct CheckpointArgs {
    /// Write the checkpoint into this directory as checkpoint-POSITION.txt instead of
    /// printing it.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `witness ...`.
#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Make a witness: its own key (owner-only, FILE.key unless --key) and an empty witness
    /// file.
    Init(WitnessInitArgs),
    /// Check bundles or bare checkpoints against what the witness holds and countersign each
    /// that extends it; a rewrite, a cut or a fork is refused, naming the position.
    Add(WitnessAddArgs),
}

/// `witness init`.
#[derive(Debug, Args)]
pub struct WitnessInitArgs {
    /// The witness file to make.
    #[arg(long, value_name = "FILE")]
    pub witness: PathBuf,
    /// Where to keep the witness's key (default FILE.key); keep it apart from what it signs.
    #[arg(long, value_name = "KEYFILE")]
    pub key: Option<PathBuf>,
    /// The witness's name in its cosignatures (no spaces, no '+').
    #[arg(long, default_value = "parapompi.eu/witness")]
    pub name: String,
}

/// `witness add`.
#[derive(Debug, Args)]
pub struct WitnessAddArgs {
    /// The witness file.
    #[arg(long, value_name = "FILE")]
    pub witness: PathBuf,
    /// The witness's key (default FILE.key).
    #[arg(long, value_name = "KEYFILE")]
    pub key: Option<PathBuf>,
    /// The centre's verifier key, given out of band: needed for a first bare checkpoint,
    /// and checked against a first bundle's.
    #[arg(long, value_name = "VKEY")]
    pub producer_key: Option<String>,
    /// Bundles and checkpoint files, in order.
    #[arg(required = true, value_name = "BUNDLE_OR_CHECKPOINT")]
    pub files: Vec<PathBuf>,
}

/// `replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A bundle; repeat the flag for bundles that join, first one first.
    #[arg(long, value_name = "FILE", required = true)]
    pub bundle: Vec<PathBuf>,
    /// What to compute.
    #[command(subcommand)]
    pub what: ReplayCommand,
}

/// What `replay` computes.
#[derive(Debug, Subcommand)]
pub enum ReplayCommand {
    /// A report.
    #[command(subcommand)]
    Report(ReportCommand),
    /// An audit trail.
    Audit(AuditArgs),
}

/// `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The JSON Lines file of commands, or - for standard input.
    pub file: String,
    /// Stop at the first line that fails (the default carries on).
    #[arg(long)]
    pub stop_on_error: bool,
}

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `keys ...`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Replace the deployment key: the person keys are rewritten under a new key and the
    /// AMKA index rebuilt. The old key comes from where every command reads it; the new key
    /// is made in DATA_DIR/keys/deployment.key unless a source is given.
    Rotate(KeysRotateArgs),
}

/// `keys rotate`.
#[derive(Debug, Args)]
pub struct KeysRotateArgs {
    /// Keep the new key in this file (outside the data directory), made there if missing.
    #[arg(long, value_name = "FILE", conflicts_with = "new_key_from_env")]
    pub new_key_file: Option<PathBuf>,
    /// Read the new key's 64 hex digits from PARAPOMPI_NEW_DEPLOYMENT_KEY.
    #[arg(long)]
    pub new_key_from_env: bool,
}
