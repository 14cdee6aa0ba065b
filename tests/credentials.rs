//! The credential store through the library: secrets kept as hashes outside the log, a
//! refused issue leaves no secret behind, revoked credentials' secrets are forgotten, and a
//! credential lets act only whom core's rule says.

mod common;

use common::*;
use parapompi::core::credential::CredentialKind;
use parapompi::credentials::{CredentialError, Credentials, PasswordHashing, CREDENTIALS_TREE};
use parapompi::{Acting, EngineError};

fn cheap() -> PasswordHashing {
    PasswordHashing { memory_kib: 1024, iterations: 1, parallelism: 1 }
}

fn n_secrets(s: &Scenario) -> usize {
    valid(s.engine().store().auxiliary_tree(CREDENTIALS_TREE)).len()
}

const TOKEN_KINDS: &[CredentialKind] = &[CredentialKind::Session, CredentialKind::ApiToken];

#[test]
fn a_refused_issue_leaves_no_secret_and_a_revoked_credential_is_forgotten() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let credentials = valid(Credentials::open(s.engine(), cheap()));
    // A social worker may not issue enrolment codes: core refuses, and no secret stays.
    let meta = s.next_meta(Acting::Staff(w.social_worker));
    let refused = credentials.issue(w.reception, CredentialKind::Enrolment, 3_600_000, meta);
    assert!(
        matches!(refused, Err(CredentialError::Engine(EngineError::Rejected(ref r))) if r.name() == "RoleNotPermitted"),
        "{refused:?}"
    );
    assert_eq!(n_secrets(&s), 0);
    // An administrator may; the code sets a password, and the used code's secret goes.
    let meta = s.next_meta(Acting::Staff(w.admin));
    let code = valid(credentials.issue(w.reception, CredentialKind::Enrolment, 3_600_000, meta));
    assert_eq!(n_secrets(&s), 1);
    let meta = s.next_meta(Acting::Staff(w.reception));
    valid(credentials.set_password(code.secret.expose(), "ένας μακρύς κωδικός", |acting| {
        assert_eq!(acting, Acting::Staff(w.reception), "the code's holder acts");
        parapompi::CommandMeta { acting, ..meta }
    }));
    assert_eq!(n_secrets(&s), 1, "the password's hash only");
    let too_short = credentials
        .set_password(code.secret.expose(), "κοντός", |acting| parapompi::CommandMeta { acting, ..meta });
    assert!(matches!(too_short, Err(CredentialError::BadPassword(_))), "{too_short:?}");
    // A session; then the staff member is deactivated and every secret of theirs goes.
    let meta = s.next_meta(Acting::Staff(w.reception));
    let session = valid(credentials.login(w.reception, "ένας μακρύς κωδικός", 3_600_000, |acting| {
        parapompi::CommandMeta { acting, ..meta }
    }));
    let now = parapompi::core::values::Timestamp::from_unix_ms(s.engine().store().config().clock.now().unix_ms());
    let who = valid(credentials.check(session.secret.expose(), TOKEN_KINDS, now));
    assert_eq!(who.staff.staff_id, w.reception);
    // A session is not an enrolment code, and an enrolment code is not a bearer token.
    assert!(credentials.check(session.secret.expose(), &[CredentialKind::Enrolment], now).is_err());
    assert_eq!(n_secrets(&s), 2);
    s.given(vec![by(w.admin, deactivate_staff(w.reception))]);
    let after = credentials.check(session.secret.expose(), TOKEN_KINDS, now);
    assert!(matches!(after, Err(CredentialError::Unauthenticated(_))), "{after:?}");
    valid(credentials.forget_revoked(w.reception));
    assert_eq!(n_secrets(&s), 0);
}

#[test]
fn a_wrong_password_is_recorded_as_a_failed_login_by_the_authenticator() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let credentials = valid(Credentials::open(s.engine(), cheap()));
    let meta = s.next_meta(Acting::Staff(w.admin));
    let code = valid(credentials.issue(w.supervisor, CredentialKind::Enrolment, 3_600_000, meta));
    let meta = s.next_meta(Acting::Staff(w.supervisor));
    valid(credentials.set_password(code.secret.expose(), "ένας μακρύς κωδικός", |acting| {
        parapompi::CommandMeta { acting, ..meta }
    }));
    let head = s.head().position;
    let meta = s.next_meta(Acting::Staff(w.supervisor));
    let failed = credentials.login(w.supervisor, "λάθος κωδικός πρόσβασης", 3_600_000, |acting| {
        parapompi::CommandMeta { command_id: uuid::Uuid::now_v7(), acting, ..meta }
    });
    assert!(matches!(failed, Err(CredentialError::LoginFailed(ref why)) if why == "wrong password"), "{failed:?}");
    let records = valid(s.engine().store().read_all(head + 1, 10));
    let seen: Vec<(&str, &str)> = records.iter().map(|r| (r.event_type.as_str(), r.actor.as_str())).collect();
    assert_eq!(seen, [("LoginFailed", "authenticator")]);
    let text = records[0].payload.as_str().to_owned();
    assert!(!text.contains("λάθος"), "the password tried is never recorded: {text}");
}
