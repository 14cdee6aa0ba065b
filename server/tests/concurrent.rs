//! Sixteen staff members of one centre, each logged in with their own session on their own
//! HTTP connection, writing at once to their own cases and to the same case, and racing one
//! another for the state changes that only one of them can win (assigning a case, closing
//! it, accepting a referral). The Engine is opened to decide an act only once, so that every
//! stream change underneath an act is answered 409 `conflict` and the client must retry it
//! under the same command id.
//!
//! Then: every command succeeded, was refused by a named rule of core that fits it, or was
//! reported after the client gave up retrying; nothing answered 5xx; the log holds exactly
//! the successes' events, at gapless positions, under their command ids, and verifies; each
//! race has exactly one winner, whose event is the case's; and every success sent again is
//! answered as a repeat that writes nothing. The log is read both in the store and over
//! HTTP (`GET /v1/export`, `GET /v1/verify`, `GET /v1/cases/{case}`).

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use common::*;
use parapompi::core::values::{CaseId, ReferralId, StaffId};
use parapompi::core::vocab::{Role, ServiceKind};
use parapompi::core::Command;
use parapompi::store::StreamId;
use parapompi_server::Limits;
use serde_json::{json, Value};
use support::*;
use uuid::Uuid;

/// How many times a client sends a command again after a 409 `conflict` before it reports it.
const MAX_CLIENT_RETRIES: u32 = 200;
/// Cases that every client races to assign to themselves, and as many that they race to close.
const N_RACED_CASES: usize = 3;
/// Notes each client adds to the shared case.
const NOTES_ON_SHARED: usize = 3;

/// What the clients race for, and who may win it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A note, a service, an assessment, a referral made and sent: nothing of core refuses them.
    Casework,
    /// Assign an unassigned case to oneself: one wins, the others find it assigned.
    Assign(usize),
    /// Close an open case: one wins, the others find it closed.
    Close(usize),
    /// Accept the shared case's sent referral: one wins, the others find it accepted.
    Accept,
}

/// How a command ended, as the client saw it.
#[derive(Debug, Clone)]
enum Outcome {
    /// 200 and the write's document.
    Written(Value),
    /// Refused by a rule of core: the status and the rule.
    Refused(u16, String),
    /// Still 409 `conflict` after every retry: reported, nothing written.
    GaveUp,
}

#[derive(Debug, Clone)]
struct Sent {
    client: StaffId,
    kind: Kind,
    command_id: Uuid,
    body: Value,
    outcome: Outcome,
    n_conflicts: u32,
}

/// One client: sends `command` under a fresh command id and retries it under the same id for
/// as long as the server answers 409 `conflict`.
fn send(agent: &ureq::Agent, base: &str, token: &str, client: StaffId, kind: Kind, command: &Command) -> Sent {
    let command_id = Uuid::now_v7();
    let body = json!({"act": [command], "command_id": command_id.to_string()});
    let text = body.to_string();
    let mut n_conflicts = 0;
    let outcome = loop {
        let answer = call_with(agent, base, "POST", "/v1/commands", Some(token), Some(&text));
        assert!(answer.status < 500, "a server error: {} {}", answer.status, answer.body);
        let problem = answer.json();
        match answer.status {
            200 => break Outcome::Written(problem),
            409 if problem["type"] == "conflict" => {
                n_conflicts += 1;
                if n_conflicts > MAX_CLIENT_RETRIES {
                    break Outcome::GaveUp;
                }
                // A short pause that differs between clients, so that they do not collide
                // again in step.
                std::thread::sleep(Duration::from_millis(u64::from(n_conflicts % 7)));
            }
            status => {
                assert_eq!(problem["type"], "rejected", "{status}: {}", answer.body);
                let rule = problem["rule"].as_str().unwrap_or_else(|| panic!("no rule: {}", answer.body));
                break Outcome::Refused(status, rule.to_owned());
            }
        }
    };
    Sent { client, kind, command_id, body, outcome, n_conflicts }
}

/// The world: the centre's sixteen writers (the scenario's social worker, supervisor and
/// Roma mediator, and thirteen more), a case for each, a shared case with a sent referral,
/// and the cases to race for.
struct Team {
    clients: Vec<(StaffId, Vec<Role>)>,
    own_cases: Vec<CaseId>,
    shared_case: CaseId,
    shared_referral: ReferralId,
    unassigned: Vec<CaseId>,
    to_close: Vec<CaseId>,
}

fn team(scenario: &mut Scenario) -> Team {
    let w = scenario.world;
    let mut clients = vec![
        (w.social_worker, vec![Role::SocialWorker]),
        (w.supervisor, vec![Role::Supervisor]),
        (w.roma_mediator, vec![Role::RomaMediator, Role::Psychologist]),
    ];
    for n in 0..13u32 {
        let roles = match n % 3 {
            0 => vec![Role::SocialWorker],
            1 => vec![Role::Psychologist],
            _ => vec![Role::Supervisor],
        };
        let staff_id = StaffId::new(scenario.fresh());
        scenario.given(vec![by(w.admin, register_staff(staff_id, w.centre, &format!("Μέλος Ομάδας {n}"), &roles))]);
        clients.push((staff_id, roles));
    }
    let new_case = |scenario: &mut Scenario, n: u32, assigned: bool| {
        let person = scenario.fresh_beneficiary();
        let today = scenario.today();
        scenario.given(w.beneficiary(person, n, today));
        let case_id = scenario.fresh_case();
        let today = scenario.today();
        scenario.given(vec![by(w.social_worker, open_case(case_id, person, w.centre, today))]);
        if assigned {
            scenario.given(vec![by(w.social_worker, assign(case_id, w.social_worker))]);
        }
        case_id
    };
    let own_cases = (1..=16).map(|n| new_case(scenario, n, true)).collect();
    let shared_case = new_case(scenario, 100, true);
    let shared_referral = scenario.fresh_referral();
    let due = scenario.in_days(14);
    scenario.given(vec![
        by(w.social_worker, create_referral(shared_case, shared_referral, w.employment_office, due)),
        by(w.social_worker, send_referral(shared_case, shared_referral)),
    ]);
    let unassigned =
        (0..N_RACED_CASES).map(|n| new_case(scenario, 200 + u32::try_from(n).unwrap_or(0), false)).collect();
    let to_close = (0..N_RACED_CASES).map(|n| new_case(scenario, 300 + u32::try_from(n).unwrap_or(0), true)).collect();
    Team { clients, own_cases, shared_case, shared_referral, unassigned, to_close }
}

/// The commands of one client, in its order: casework on its own case and on the shared one,
/// then the races. Each race command comes at the same place in every client's list, so that
/// the clients reach it nearly together.
fn client_commands(team: &Team, index: usize, scenario: &Scenario) -> Vec<(Kind, Command)> {
    let w = scenario.world;
    let (me, _) = &team.clients[index];
    let (own, shared) = (team.own_cases[index], team.shared_case);
    let today = scenario.today();
    let due = scenario.in_days(21);
    let mut commands = vec![
        (Kind::Casework, add_note(own, &format!("Πρώτη επαφή {index}."))),
        (Kind::Casework, add_note(shared, &format!("Σημείωση {index}α."))),
        (Kind::Casework, assess(own, today)),
        (Kind::Accept, accept_referral(shared, team.shared_referral)),
        (Kind::Casework, record_service(shared, ServiceKind::ALL[index % ServiceKind::ALL.len()], today)),
    ];
    for race in 0..N_RACED_CASES {
        commands.push((Kind::Assign(race), assign(team.unassigned[race], *me)));
        commands.push((Kind::Casework, add_note(shared, &format!("Σημείωση {index}/{race}."))));
        commands.push((Kind::Close(race), close_case(team.to_close[race])));
    }
    let own_referral = ReferralId::new(Uuid::from_u128(0x5e00 + u128::try_from(index).unwrap_or(0)));
    let shared_referral = ReferralId::new(Uuid::from_u128(0x5f00 + u128::try_from(index).unwrap_or(0)));
    commands.extend([
        (Kind::Casework, record_service(own, ServiceKind::ALL[(index + 1) % ServiceKind::ALL.len()], today)),
        (Kind::Casework, create_referral(own, own_referral, w.employment_office, due)),
        (Kind::Casework, create_referral(shared, shared_referral, w.employment_office, due)),
        (Kind::Casework, send_referral(own, own_referral)),
        (Kind::Casework, send_referral(shared, shared_referral)),
    ]);
    for n in 1..NOTES_ON_SHARED {
        commands.push((Kind::Casework, add_note(shared, &format!("Συνέχεια {index}.{n}."))));
    }
    commands
}

#[test]
fn sixteen_staff_write_at_once_and_every_write_is_kept_or_refused_by_a_rule() {
    let _watchdog = watchdog("sixteen_staff_write_at_once_and_every_write_is_kept_or_refused_by_a_rule", 300);
    let mut scenario = Scenario::set_up();
    let w = scenario.world;
    let today = scenario.today();
    scenario.given(w.beneficiary(w.maria, 0, today));
    let team = team(&mut scenario);
    let codes: Vec<String> =
        team.clients.iter().map(|(staff, _)| Harness::direct_enrolment(&mut scenario, *staff, w.admin)).collect();
    let plans: Vec<Vec<(Kind, Command)>> =
        (0..team.clients.len()).map(|i| client_commands(&team, i, &scenario)).collect();
    // Decided once: every stream that moved under an act is a conflict for the client.
    scenario.config.max_decide_attempts = 1;
    scenario.restart();
    let h = Harness::start(scenario, Limits::default());
    let tokens: Vec<String> =
        team.clients.iter().zip(&codes).map(|((staff, _), code)| h.enrol_and_login(code, *staff)).collect();
    let head_before = h.head();

    let started = Instant::now();
    let barrier = Barrier::new(team.clients.len());
    let sent: Vec<Sent> = std::thread::scope(|scope| {
        let handles: Vec<_> = plans
            .iter()
            .zip(&tokens)
            .zip(&team.clients)
            .map(|((plan, token), (client, _))| {
                let (barrier, base) = (&barrier, h.base.as_str());
                scope.spawn(move || {
                    // Each client its own connection.
                    let agent = agent();
                    barrier.wait();
                    plan.iter()
                        .map(|(kind, command)| send(&agent, base, token, *client, *kind, command))
                        .collect::<Vec<Sent>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|handle| handle.join().unwrap_or_else(|_| panic!("a client panicked"))).collect()
    });
    let n_planned: usize = plans.iter().map(Vec::len).sum();
    assert_eq!(sent.len(), n_planned, "every command was answered");
    let n_conflicts: u32 = sent.iter().map(|s| s.n_conflicts).sum();
    let gave_up: Vec<&Sent> = sent.iter().filter(|s| matches!(s.outcome, Outcome::GaveUp)).collect();
    println!(
        "{} commands from {} clients in {:.1} s: {n_conflicts} conflicts retried, {} reported after {MAX_CLIENT_RETRIES} retries",
        sent.len(),
        team.clients.len(),
        started.elapsed().as_secs_f64(),
        gave_up.len()
    );

    // Every refusal is the rule that fits its command.
    let roles: BTreeMap<StaffId, &Vec<Role>> = team.clients.iter().map(|(s, r)| (*s, r)).collect();
    let manages = |staff: StaffId| roles[&staff].iter().any(|r| matches!(r, Role::SocialWorker | Role::Supervisor));
    for s in &sent {
        if let Outcome::Refused(status, rule) = &s.outcome {
            let fits = match s.kind {
                Kind::Casework => false,
                Kind::Assign(_) if !manages(s.client) => (*status, rule.as_str()) == (403, "RoleNotPermitted"),
                Kind::Close(_) if !manages(s.client) => (*status, rule.as_str()) == (403, "RoleNotPermitted"),
                Kind::Assign(_) => (*status, rule.as_str()) == (422, "AlreadyAssigned"),
                Kind::Close(_) => (*status, rule.as_str()) == (422, "CaseIsClosed"),
                Kind::Accept => (*status, rule.as_str()) == (422, "TransitionNotAllowed"),
            };
            assert!(fits, "{:?} by {} refused by {status} {rule}: {}", s.kind, s.client, s.body);
        }
        if matches!(s.kind, Kind::Assign(_) | Kind::Close(_)) && !manages(s.client) {
            assert!(matches!(s.outcome, Outcome::Refused(403, _)), "{:?} by a non-manager: {:?}", s.kind, s.outcome);
        }
    }

    // Each race has exactly one winner, and the case's event is the winner's.
    let store = h.scenario.engine().store();
    let races = (0..N_RACED_CASES)
        .flat_map(|r| {
            [(Kind::Assign(r), team.unassigned[r], "CaseAssigned"), (Kind::Close(r), team.to_close[r], "CaseClosed")]
        })
        .chain([(Kind::Accept, team.shared_case, "ReferralAccepted")]);
    for (kind, case_id, event_type) in races {
        let winners: Vec<&Sent> =
            sent.iter().filter(|s| s.kind == kind && matches!(s.outcome, Outcome::Written(_))).collect();
        assert_eq!(winners.len(), 1, "{kind:?}: {} winners", winners.len());
        let stream = valid(StreamId::new(case_id.stream_id()));
        let events: Vec<_> = valid(store.read_stream(&stream, 1, 10_000))
            .into_iter()
            .filter(|r| r.event_type.as_str() == event_type)
            .collect();
        assert_eq!(events.len(), 1, "{kind:?}: {} {event_type} events", events.len());
        assert_eq!(events[0].command_id, winners[0].command_id, "{kind:?}: the event is not the winner's");
        assert_eq!(events[0].actor.as_str(), winners[0].client.stream_id());
    }

    // The log holds exactly the successes' events: each at the position its answer named,
    // under its command id, and nothing else; the positions are gapless.
    let head = h.head();
    let records = valid(store.read_all(head_before + 1, usize::MAX));
    let mut by_position: BTreeMap<u64, (&Sent, &Value)> = BTreeMap::new();
    for s in &sent {
        if let Outcome::Written(document) = &s.outcome {
            assert_eq!(document["deduplicated"], false, "a first write answered as a repeat: {document}");
            let events = document["events"].as_array().unwrap_or_else(|| panic!("no events: {document}"));
            assert!(!events.is_empty(), "{document}");
            for event in events {
                let position = event["position"].as_u64().unwrap_or_else(|| panic!("no position: {event}"));
                assert!(by_position.insert(position, (s, event)).is_none(), "position {position} answered twice");
            }
        }
    }
    let positions: Vec<u64> = records.iter().map(|r| r.position).collect();
    assert_eq!(positions, (head_before + 1..=head).collect::<Vec<_>>(), "positions are gapless");
    assert_eq!(
        by_position.keys().copied().collect::<Vec<_>>(),
        positions,
        "the log holds exactly the events of the answered successes"
    );
    for record in &records {
        let (s, event) = by_position[&record.position];
        assert_eq!(record.command_id, s.command_id, "position {}", record.position);
        assert_eq!(event["stream_id"], record.stream_id.as_str(), "position {}", record.position);
        assert_eq!(event["stream_version"], record.stream_version, "position {}", record.position);
        assert_eq!(event["event_type"], record.event_type.as_str(), "position {}", record.position);
        assert_eq!(event["hash"], record.hash.to_hex(), "position {}", record.position);
        assert_eq!(record.actor.as_str(), s.client.stream_id(), "the actor is who logged in");
    }
    // The same, as a client reads it: the export over HTTP, the whole log from position 1,
    // gapless, and the new part exactly the successes' events under their command ids.
    let export = h.get("/v1/export", &tokens[3]);
    assert_eq!(export.status, 200, "{}", export.body);
    let lines: Vec<Value> = export.body.lines().map(|line| valid(serde_json::from_str(line))).collect();
    let exported: Vec<u64> = lines.iter().filter_map(|l| l["position"].as_u64()).collect();
    assert_eq!(exported, (1..=head).collect::<Vec<_>>(), "the exported positions are 1..=head");
    for line in lines.iter().skip(usize::try_from(head_before).unwrap_or(usize::MAX)) {
        let position = line["position"].as_u64().unwrap_or_default();
        let (s, event) = by_position[&position];
        assert_eq!(line["command_id"], s.command_id.to_string(), "position {position}");
        assert_eq!((&line["stream_id"], &line["hash"]), (&event["stream_id"], &event["hash"]), "position {position}");
    }
    let logged: BTreeSet<Uuid> = records.iter().map(|r| r.command_id).collect();
    for s in &gave_up {
        assert!(!logged.contains(&s.command_id), "a command reported as a conflict was written: {}", s.body);
    }

    // The chain verifies over HTTP, to the head.
    let verify = h.get("/v1/verify", &tokens[0]);
    assert_eq!(verify.status, 200, "{}", verify.body);
    assert_eq!((verify.json()["ok"].clone(), verify.json()["head_position"].as_u64()), (json!(true), Some(head)));

    // The shared case's file, over HTTP, holds every note written to it, at gapless versions,
    // and its referral accepted once; the raced cases are the winners' (read over HTTP too).
    let is_shared_note = |s: &Sent| {
        let command = &s.body["act"][0]["case"];
        command["case_id"] == team.shared_case.to_string() && command["action"].get("add_note").is_some()
    };
    let planned_notes = sent.iter().filter(|s| is_shared_note(s)).count();
    assert_eq!(planned_notes, team.clients.len() * (NOTES_ON_SHARED + N_RACED_CASES));
    let notes_written = sent.iter().filter(|s| is_shared_note(s) && matches!(s.outcome, Outcome::Written(_))).count();
    assert_eq!(notes_written, planned_notes - gave_up.iter().filter(|s| is_shared_note(s)).count());
    let file = h.get(&format!("/v1/cases/{}", team.shared_case), &tokens[1]);
    assert_eq!(file.status, 200, "{}", file.body);
    let file = file.json();
    let history = file["history"].as_array().unwrap_or_else(|| panic!("no history: {file}"));
    let versions: Vec<u64> = history.iter().filter_map(|e| e["stream_version"].as_u64()).collect();
    assert_eq!(versions, (1..=u64::try_from(history.len()).unwrap_or(0)).collect::<Vec<_>>());
    assert_eq!(history.iter().filter(|e| e["event_type"] == "CaseNoteAdded").count(), notes_written);
    let referral = file["referrals"]
        .as_array()
        .and_then(|all| all.iter().find(|r| r["referral_id"] == team.shared_referral.to_string()))
        .unwrap_or_else(|| panic!("no shared referral: {file}"));
    assert_eq!(referral["status"], "accepted", "{referral}");
    let winner = |kind: Kind| {
        sent.iter()
            .find(|s| s.kind == kind && matches!(s.outcome, Outcome::Written(_)))
            .map(|s| s.client.to_string())
            .unwrap_or_default()
    };
    for race in 0..N_RACED_CASES {
        let assigned = h.get(&format!("/v1/cases/{}", team.unassigned[race]), &tokens[2]).json();
        assert_eq!(assigned["assignee"], winner(Kind::Assign(race)), "{assigned}");
        let closed = h.get(&format!("/v1/cases/{}", team.to_close[race]), &tokens[2]).json();
        assert_eq!(closed["open"], false, "{closed}");
    }

    // Every success sent again under its command id is answered as a repeat with the same
    // events, and writes nothing.
    let agent = agent();
    for s in &sent {
        let Outcome::Written(document) = &s.outcome else { continue };
        let token = &tokens[team.clients.iter().position(|(c, _)| *c == s.client).unwrap_or(0)];
        let again = call_with(&agent, &h.base, "POST", "/v1/commands", Some(token), Some(&s.body.to_string()));
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.json()["deduplicated"], true, "{}", again.body);
        assert_eq!(again.json()["events"], document["events"], "a repeat answered other events");
    }
    assert_eq!(h.head(), head, "repeats wrote nothing");
}
