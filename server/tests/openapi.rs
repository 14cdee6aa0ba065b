//! The OpenAPI document against the server it describes: served and well formed, listing
//! exactly the routes served (and docs/SERVER.md's), committed as docs/openapi.json byte for
//! byte, and with schemas that the real bodies validate against: every command in the
//! library's form, and the answers of a real server on 127.0.0.1 (port 0). Every test has a
//! watchdog and the server is shut down on every path (the harness's `Drop`).
//!
//! After a change to a type or to the table of endpoints, rewrite the committed copy with
//! `UPDATE_OPENAPI=1 cargo test -p parapompi-server --test openapi`.

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use common::*;
use parapompi::core::agency::{AgencyAction, AgencyCommand};
use parapompi::core::beneficiary::{Access, BeneficiaryAction, BeneficiaryCommand};
use parapompi::core::case::{CaseAction, CaseCommand};
use parapompi::core::centre::{CentreAction, CentreCommand};
use parapompi::core::credential::{CredentialId, CredentialKind, LoginFailure};
use parapompi::core::staff::{StaffAction, StaffCommand};
use parapompi::core::values::{AntennaId, CaseId, Timestamp};
use parapompi::core::vocab::{
    AgencyKind, CloseReason, IntakeChannel, NeedDomain, Outcome, ReferralPriority, Role, ServiceKind,
};
use parapompi::core::Command;
use parapompi_server::Limits;
use serde_json::{json, Value};
use support::*;

fn document() -> Value {
    valid(serde_json::from_str(parapompi_server::openapi_document()))
}

fn repository_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// Every operation of the document, as (`GET`, path).
fn operations(document: &Value) -> BTreeSet<(String, String)> {
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().map(|item| item.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
            methods.into_iter().map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect()
}

/// Every `$ref` in `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                found.push(reference.clone());
            }
            map.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

/// A validator of `schema` (a schema of the document, `$ref`s into its components), formats
/// checked.
fn validator(document: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "allOf": [schema]});
    root["components"] = document["components"].clone();
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("not a JSON Schema 2020-12 ({e}): {schema}"))
}

/// The errors of `instance` against `schema`, one line each; empty when it is valid.
fn errors(document: &Value, schema: &Value, instance: &Value) -> Vec<String> {
    let validator = validator(document, schema);
    validator.iter_errors(instance).map(|e| format!("at {}: {e}", e.instance_path())).collect()
}

fn assert_valid(document: &Value, schema: &Value, instance: &Value, what: &str) {
    let found = errors(document, schema, instance);
    assert!(found.is_empty(), "{what} does not match its schema:\n{}\n{instance}", found.join("\n"));
}

fn component(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// The schema a reference or a schema stands for.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => &document["components"]["schemas"][name],
        None => schema,
    }
}

/// The schema of an operation's answer: `status`, `media` (a line's for JSON Lines).
fn answer_schema(document: &Value, method: &str, path: &str, status: u16, media: &str) -> Value {
    let content = &document["paths"][path][method.to_lowercase()]["responses"][status.to_string()]["content"][media];
    let schema = if media == "application/jsonl" { &content["x-itemSchema"] } else { &content["schema"] };
    assert!(!schema.is_null(), "the document gives {method} {path} no {status} answer in {media}");
    schema.clone()
}

/// Checks a real answer against the document's schema for it.
fn check_answer(document: &Value, method: &str, path: &str, answer: &Answer) {
    let media = answer.content_type.split(';').next().unwrap_or_default().trim().to_owned();
    let schema = answer_schema(document, method, path, answer.status, &media);
    let what = format!("{method} {path} {} ({media})", answer.status);
    match media.as_str() {
        "application/jsonl" => {
            assert!(!answer.body.is_empty(), "{what}: no lines to check");
            for line in answer.body.lines() {
                assert_valid(document, &schema, &valid(serde_json::from_str(line)), &what);
            }
        }
        "application/json" | "application/problem+json" => assert_valid(document, &schema, &answer.json(), &what),
        other => panic!("{what}: {other} is not checked here"),
    }
}

#[test]
fn the_document_is_served_and_is_openapi_3_1() {
    let _watchdog = watchdog("the_document_is_served_and_is_openapi_3_1", 120);
    let h = Harness::start(Scenario::new(), Limits::default());
    let served = h.exchange("GET", "/v1/openapi.json", None, None);
    assert_eq!((served.status, served.content_type.as_str()), (200, "application/json"), "{}", served.body);
    assert_eq!(served.body, parapompi_server::openapi_document());

    let document = served.json();
    assert_eq!(document["openapi"], "3.1.0");
    for key in ["title", "version"] {
        assert!(document["info"][key].as_str().is_some_and(|s| !s.is_empty()), "info.{key}");
    }
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    assert!(!paths.is_empty(), "no paths");
    for (path, item) in &paths {
        assert!(path.starts_with("/v1/"), "{path}");
        for (method, operation) in item.as_object().cloned().unwrap_or_default() {
            assert!(["get", "post"].contains(&method.as_str()), "{method} {path}");
            assert!(operation["summary"].as_str().is_some_and(|s| !s.is_empty()), "{method} {path}: no summary");
            assert!(operation["responses"]["200"]["content"].is_object(), "{method} {path}: no 200 answer");
            assert!(operation["responses"]["default"].is_object(), "{method} {path}: no default answer");
            let open = operation["security"] == json!([]);
            assert!(open || operation["responses"]["401"].is_object(), "{method} {path}: a token means 401");
        }
    }
    // Every reference names a component, and every component is a JSON Schema 2020-12.
    let schemas = document["components"]["schemas"].as_object().cloned().unwrap_or_default();
    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(!found.is_empty(), "no references");
    for reference in found {
        let name = reference.strip_prefix("#/components/schemas/");
        assert!(name.is_some_and(|n| schemas.contains_key(n)), "{reference} names no component");
    }
    for name in schemas.keys() {
        validator(&document, &component(name));
    }
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
}

#[test]
fn the_document_lists_exactly_the_routes_served_and_those_of_server_md() {
    let _watchdog = watchdog("the_document_lists_exactly_the_routes_served_and_those_of_server_md", 120);
    let document = document();
    let described = operations(&document);

    // docs/SERVER.md's table of the API names the same endpoints.
    let contract = valid(std::fs::read_to_string(repository_file("docs/SERVER.md")));
    let listed: BTreeSet<(String, String)> = contract
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`').map(|(endpoint, _)| endpoint))
        .filter_map(|endpoint| endpoint.split_once(' '))
        .filter(|(method, path)| ["GET", "POST"].contains(method) && path.starts_with("/v1/"))
        .map(|(method, path)| (method.to_owned(), path.to_owned()))
        .collect();
    let missing: Vec<_> = listed.difference(&described).collect();
    let undocumented: Vec<_> = described.difference(&listed).collect();
    assert!(
        missing.is_empty() && undocumented.is_empty(),
        "docs/SERVER.md lists {missing:?} that the table of endpoints (server/src/openapi.rs) does not, \
         and the table has {undocumented:?} that docs/SERVER.md does not"
    );

    // The router is built from the table alone: no route is added beside it.
    let sources = files_under(&repository_file("server/src"));
    let mut added = Vec::new();
    for file in sources.iter().filter(|f| f.extension().is_some_and(|e| e == "rs")) {
        let text = valid(std::fs::read_to_string(file));
        for call in [".route(", ".route_service(", ".nest(", ".nest_service(", ".merge("] {
            added.extend(std::iter::repeat_n(format!("{} {call}", file.display()), text.matches(call).count()));
        }
    }
    assert_eq!(
        added.len(),
        1,
        "a route is added outside the table: add an entry to server/src/openapi.rs's endpoints instead: {added:?}"
    );

    // Every path described is served: a request without a token is answered by the endpoint
    // (401, or its own answer for an open one), never by the fallback of unknown paths.
    let h = Harness::start(Scenario::new(), Limits::default());
    let fallback = h.exchange("GET", "/v1/no-such-endpoint-at-all", None, None);
    assert_eq!(fallback.status, 404, "{}", fallback.body);
    let fallback = fallback.json();
    for (method, path) in &described {
        let probe_path = path
            .replace("{case}", &format!("case-{}", uuid(0xabc)))
            .replace("{id}", &uuid(0xabd).to_string())
            .replace("{stream}", &format!("case-{}", uuid(0xabe)))
            .replace("{kind}", "staff")
            .replace("{referral}", &format!("referral-{}", uuid(0xabf)))
            .replace("{beneficiary}", &format!("beneficiary-{}", uuid(0xac0)))
            .replace("{subject}", &format!("case-{}", uuid(0xac1)))
            .replace("{query}", "%CE%91%CE%A0%CE%9F-2025-0001%2F1");
        assert!(!probe_path.contains('{'), "{path}: give the probe a value for its path parameter");
        let body = (method == "POST").then_some("{}");
        let answer = h.exchange(method, &probe_path, None, body);
        let unrouted = answer.status == 404
            && answer.json()["type"] == fallback["type"]
            && answer.json()["detail"] == fallback["detail"];
        assert!(!unrouted && answer.status != 405, "{method} {path} is not served: {} {}", answer.status, answer.body);
        let expected =
            if document["paths"][path][method.to_lowercase()]["security"] == json!([]) { answer.status } else { 401 };
        assert_eq!(answer.status, expected, "{method} {path} answers without a token: {}", answer.body);
    }
}

#[test]
fn docs_openapi_json_is_the_generated_document() {
    let path = repository_file("docs/openapi.json");
    let generated = parapompi_server::openapi_document();
    if std::env::var_os("UPDATE_OPENAPI").is_some_and(|v| v == "1") {
        valid(std::fs::write(&path, generated));
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is not the document the server generates: after a change to a type or \
         to the table of endpoints, rewrite it with `UPDATE_OPENAPI=1 cargo test -p parapompi-server \
         --test openapi` and review the difference"
    );
}

/// One command of every kind the library has, with valid values.
/// A verifier key of the shape a checkpoint's signer has.
fn signing_key() -> parapompi::core::values::SigningKeyText {
    valid(parapompi::core::values::SigningKeyText::new(
        "parapompi.eu/deployment/00000000-0000-4000-8000-000000000001+274e5b3b+Abll0naXGyrdTJ4n4sqFK+Pc2Wl7/qjQX2HVtqULVEFp",
    ))
}

fn every_command(w: &World) -> Vec<Command> {
    let today = date("2024-03-05");
    let (case_id, referral, other_referral) = (CaseId::new(uuid(0x900)), uuid(0x901), uuid(0x902));
    let referral_id = parapompi::core::values::ReferralId::new(referral);
    let new_referral_id = parapompi::core::values::ReferralId::new(other_referral);
    let antenna_id = AntennaId::new(uuid(0x903));
    let credential_id = CredentialId::new(uuid(0x904));
    let staff = |action| Command::Staff(StaffCommand { staff_id: w.social_worker, action });
    let centre = |action| Command::Centre(CentreCommand { centre_id: w.centre, action });
    let agency = |action| Command::Agency(AgencyCommand { agency_id: w.volunteers, action });
    let beneficiary = |action| Command::Beneficiary(BeneficiaryCommand { beneficiary_id: w.maria, action });
    let mut commands = vec![
        register_centre(w.centre, "Κέντρο Κοινότητας Δήμου Αποκορώνου", "Αποκορώνου", w.admin),
        serve_municipality(w.centre, "Σφακίων"),
        centre(CentreAction::OpenAntenna {
            antenna_id, name: org("Παράρτημα Σφακίων"), municipality: town("Σφακίων")
        }),
        centre(CentreAction::CloseAntenna { antenna_id }),
        add_funding(w.centre),
        centre(CentreAction::RecordSigningKey { key: signing_key() }),
        centre(CentreAction::RevokeSigningKey { key: signing_key() }),
        centre(CentreAction::TakeBackup {
            position: 7,
            head_hash: parapompi::core::values::LogHashText::new(&"0f".repeat(32)).unwrap_or_else(|e| panic!("{e}")),
            since_position: Some(3),
        }),
        register_staff(w.social_worker, w.centre, "Κατερίνα Λαμπράκη", &[Role::SocialWorker, Role::RomaMediator]),
        change_roles(w.social_worker, &[Role::Psychologist]),
        deactivate_staff(w.social_worker),
        staff(StaffAction::Reactivate),
        staff(StaffAction::IssueCredential {
            credential_id,
            kind: CredentialKind::ApiToken,
            expires_at: Timestamp::from_unix_ms(1_709_625_600_000),
        }),
        staff(StaffAction::SetPassword { credential_id, enrolment_id: CredentialId::new(uuid(0x905)) }),
        staff(StaffAction::RevokeCredential { credential_id, logout: true }),
        staff(StaffAction::RecordLoginFailed { reason: LoginFailure::WrongPassword }),
        register_agency(
            w.volunteers,
            agency_profile("Εθελοντές Χανίων", AgencyKind::VolunteerOrganisation, &[NeedDomain::Health], "Χανίων"),
        ),
        agency(AgencyAction::Update {
            profile: agency_profile("ΔΥΠΑ Χανίων", AgencyKind::PublicService, &[NeedDomain::Employment], "Χανίων"),
        }),
        deactivate_agency(w.volunteers),
        agency(AgencyAction::Deactivate { reason: Some(reason("Έκλεισε.")) }),
        reactivate_agency(w.volunteers),
        register_beneficiary(w.maria, w.centre, 0),
        beneficiary(BeneficiaryAction::CorrectIdentity { identity: identity(1), salt: salt(w.maria) }),
        update_attributes(w.maria, 2),
        record_legal_basis(w.maria),
        grant_consent(w.maria, w.employment_office, today),
        withdraw_consent(w.maria, w.employment_office, today),
        beneficiary(BeneficiaryAction::EraseIdentity),
        beneficiary(BeneficiaryAction::RecordAccess { access: Access::Identity, reason: None }),
        beneficiary(BeneficiaryAction::RecordAccess {
            access: Access::CaseTexts { case_id },
            reason: Some(reason("Εποπτεία.")),
        }),
        beneficiary(BeneficiaryAction::RecordAccess { access: Access::SubjectExport, reason: None }),
        open_case(case_id, w.maria, w.centre, today),
        assign(case_id, w.social_worker),
        assess(case_id, today),
        record_service(case_id, ServiceKind::VocationalGuidance, today),
        add_note(case_id, "Τηλεφώνησε η ίδια.\nΘα έρθει την Πέμπτη."),
        close_case(case_id),
        create_referral(case_id, referral_id, w.employment_office, today),
        send_referral(case_id, referral_id),
        send_referral_overriding(case_id, referral_id),
        accept_referral(case_id, referral_id),
        decline_referral(case_id, referral_id),
        start_referral(case_id, referral_id),
        complete_referral(case_id, referral_id),
        cancel_referral(case_id, referral_id),
    ];
    let case_actions = vec![
        CaseAction::Open {
            beneficiary_id: w.maria,
            centre_id: w.centre,
            antenna_id: Some(antenna_id),
            intake_date: today,
            channel: IntakeChannel::ReferredIn { agency_id: w.housing_service },
            request: narrative("Χρειάζομαι στέγη."),
        },
        CaseAction::Reassign {
            staff_id: w.roma_mediator, reason: reason("Γνωρίζει την οικογένεια.")
        },
        CaseAction::Close {
            reason: CloseReason::Other,
            detail: Some(reason("Μετακόμισε στην Αθήνα.")),
            leaving: Some(employed_on_leaving()),
        },
        CaseAction::Reopen { reason: Some(reason("Επέστρεψε.")) },
        CaseAction::HoldReferral { referral_id, reason: Some(reason("Αναμονή εγγράφων.")) },
        CaseAction::ResumeReferral { referral_id },
        CaseAction::FailReferral {
            referral_id,
            outcome: Some(Outcome::CouldNotContact),
            reason: Some(reason("Δεν απαντά.")),
        },
        CaseAction::ExpireReferral { referral_id },
        CaseAction::RerouteReferral {
            referral_id,
            new_referral_id,
            agency_id: w.volunteers,
            reason: reason("Άλλος φορέας."),
            due_on: today,
            priority: ReferralPriority::Urgent,
        },
        CaseAction::AddFollowUpNote { referral_id, text: narrative("Κλήθηκε για συνέντευξη.") },
        CaseAction::MoveDueDate { referral_id, due_on: today, reason: None },
    ];
    commands.extend(case_actions.into_iter().map(|action| Command::Case(CaseCommand { case_id, action })));
    commands
}

/// A command's stream and action, as its JSON form names them: (`case`, `add_note`).
fn variant_of(command: &Value) -> (String, String) {
    let (stream, inner) = command.as_object().and_then(|c| c.iter().next()).unwrap_or_else(|| panic!("{command}"));
    let action = match &inner["action"] {
        Value::String(unit) => unit.clone(),
        Value::Object(tagged) => tagged.keys().next().cloned().unwrap_or_default(),
        other => panic!("an action is a string or an object: {other}"),
    };
    (stream.clone(), action)
}

/// Every variant the schema of `Command` allows, as (stream, action).
fn variants_in_schema(document: &Value) -> BTreeSet<(String, String)> {
    let command = resolve(document, &document["components"]["schemas"]["Command"]);
    let mut variants = BTreeSet::new();
    for branch in command["oneOf"].as_array().cloned().unwrap_or_default() {
        let (stream, target) = branch["properties"].as_object().and_then(|p| p.iter().next()).unwrap_or_else(|| {
            panic!("a command's branch names its stream: {branch}");
        });
        let actions = resolve(document, &resolve(document, target)["properties"]["action"]);
        for action in actions["oneOf"].as_array().cloned().unwrap_or_default() {
            let names: Vec<String> = if let Some(name) = action["const"].as_str() {
                vec![name.to_owned()]
            } else if let Some(names) = action["enum"].as_array() {
                names.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect()
            } else {
                action["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect()
            };
            assert!(!names.is_empty(), "an action's branch names it: {action}");
            variants.extend(names.into_iter().map(|name| (stream.clone(), name)));
        }
    }
    variants
}

#[test]
fn every_command_and_the_act_form_match_their_schemas() {
    let _watchdog = watchdog("every_command_and_the_act_form_match_their_schemas", 120);
    let document = document();
    let commands: Vec<Value> = every_command(&World::new()).iter().map(|c| valid(serde_json::to_value(c))).collect();
    for command in &commands {
        assert_valid(&document, &component("Command"), command, &format!("the command {command}"));
    }
    // Every variant the schema allows has been checked with a real command.
    let checked: BTreeSet<(String, String)> = commands.iter().map(variant_of).collect();
    let allowed = variants_in_schema(&document);
    assert!(allowed.len() >= 45, "the schema of Command lists only {allowed:?}");
    let unchecked: Vec<_> = allowed.difference(&checked).collect();
    assert!(unchecked.is_empty(), "no command of every_command() checks {unchecked:?}");
    assert_eq!(checked.difference(&allowed).count(), 0, "commands outside the schema: {checked:?}");

    // The act form, as `POST /v1/commands` reads it.
    let body = &document["paths"]["/v1/commands"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    let act = json!({
        "act": commands,
        "as": format!("staff-{}", World::new().social_worker),
        "at": "2024-03-05T10:00:00+02:00",
        "command_id": uuid(0x999).to_string(),
    });
    assert_valid(&document, body, &act, "the act form");
    assert_valid(&document, body, &json!({"act": [commands[0]], "as": null}), "a bare act");

    // The schemas refuse what the library refuses.
    let refused = [
        json!({"act": []}),
        json!({"act": [commands[0]], "colour": "red"}),
        json!({"act": [{"case": {"case_id": uuid(1).to_string(), "action": {"fly": {}}}}]}),
        json!({"act": [{"case": {"case_id": "nope", "action": {"add_note": {"text": "x"}}}}]}),
        json!({"act": [{"case": {"case_id": uuid(1).to_string(), "action": {"add_note": {"text": "  "}}}}]}),
        json!({"act": [{"case": {"case_id": uuid(1).to_string(), "action": {"add_note": {"text": "a\u{7}b"}}}}]}),
        json!({"act": [commands[0]], "command_id": "not a uuid"}),
    ];
    for bad in refused {
        assert!(!errors(&document, body, &bad).is_empty(), "the schema takes {bad}");
        let text = bad.to_string();
        assert!(parapompi::act_form::ActForm::from_json(&text).is_err(), "the library takes {text}");
    }
    let bad_date = json!({"centre": {"centre_id": uuid(1).to_string(), "action": {"add_funding_programme": {
        "programme": {"code": "Χ", "fund": "ΕΚΤ", "starts_on": "2024-3-5", "ends_on": "2024-12-31", "budget": 100}}}}});
    assert!(!errors(&document, &component("Command"), &bad_date).is_empty(), "the schema takes {bad_date}");
}

/// Maria's case, opened and assigned to the social worker, with a referral to the
/// employment office.
fn world_with_a_referral() -> (Scenario, CaseId) {
    let (mut scenario, case_id) = world_with_a_case();
    let w = scenario.world;
    let referral_id = scenario.fresh_referral();
    let due_on = scenario.in_days(14);
    scenario.given(vec![by(w.social_worker, create_referral(case_id, referral_id, w.employment_office, due_on))]);
    (scenario, case_id)
}

#[test]
fn real_answers_match_their_schemas() {
    let _watchdog = watchdog("real_answers_match_their_schemas", 180);
    let document = document();
    let (mut scenario, case_id) = world_with_a_referral();
    let w = scenario.world;
    let code = Harness::direct_enrolment(&mut scenario, w.social_worker, w.admin);
    let mut h = Harness::start(scenario, Limits::default());
    let post = |path: &str, token: Option<&str>, body: &Value| h.exchange("POST", path, token, Some(&body.to_string()));

    let check = |method: &str, path: &str, answer: &Answer, status: u16| {
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.body);
        check_answer(&document, method, path, answer);
    };
    check("GET", "/v1/health", &h.exchange("GET", "/v1/health", None, None), 200);
    check("GET", "/v1/openapi.json", &h.exchange("GET", "/v1/openapi.json", None, None), 200);
    let password = json!({"code": code, "password": PASSWORD});
    check("POST", "/v1/auth/password", &post("/v1/auth/password", None, &password), 200);
    let login = post("/v1/auth/login", None, &json!({"staff_id": w.social_worker.to_string(), "password": PASSWORD}));
    check("POST", "/v1/auth/login", &login, 200);
    let token = login.json()["secret"].as_str().unwrap_or_default().to_owned();
    let token = Some(token.as_str());

    let act = json!({"act": [add_note(case_id, "Τηλεφώνησε η ίδια.")], "command_id": uuid(0x777).to_string()});
    check("POST", "/v1/commands", &post("/v1/commands", token, &act), 200);
    let get = |path: &str| h.exchange("GET", path, token, None);
    let caseload = get("/v1/caseload");
    check("GET", "/v1/caseload", &caseload, 200);
    check("GET", "/v1/board", &get("/v1/board"), 200);
    check("GET", "/v1/cases/{case}", &get(&format!("/v1/cases/{case_id}")), 200);
    check("GET", "/v1/audit/{id}", &get(&format!("/v1/audit/case-{case_id}")), 200);
    let report = get("/v1/reports/indicators?from=2023-01-01&to=2023-12-31");
    check("GET", "/v1/reports/indicators", &report, 200);
    let csv = get("/v1/reports/indicators?from=2023-01-01&to=2023-12-31&format=csv");
    assert_eq!((csv.status, csv.content_type.as_str()), (200, "text/csv; charset=utf-8"));
    answer_schema(&document, "GET", "/v1/reports/indicators", 200, "text/csv");
    check("GET", "/v1/stats", &get("/v1/stats"), 200);
    check("GET", "/v1/verify", &get("/v1/verify"), 200);

    // Problems, of bad input, of no token and of a rule.
    check("POST", "/v1/commands", &post("/v1/commands", token, &json!({"act": [], "colour": 1})), 400);
    check("GET", "/v1/caseload", &h.exchange("GET", "/v1/caseload", None, None), 401);
    check("GET", "/v1/cases/{case}", &get(&format!("/v1/cases/{}", uuid(0xdead))), 404);
    let issue = json!({"staff_id": w.admin.to_string(), "kind": "api_token"});
    check("POST", "/v1/credentials", &post("/v1/credentials", token, &issue), 403);
    let closing = json!({"act": [close_case(case_id)]});
    check("POST", "/v1/commands", &post("/v1/commands", token, &closing), 422);
    check("POST", "/v1/auth/logout", &post("/v1/auth/logout", token, &json!({})), 200);

    // A caseload line without a key the answer always has is refused by its schema.
    let line = answer_schema(&document, "GET", "/v1/caseload", 200, "application/jsonl");
    let mut entry: Value = valid(serde_json::from_str(caseload.body.lines().next().unwrap_or_default()));
    if let Some(map) = entry.as_object_mut() {
        map.remove("next_due_on");
    }
    assert!(!errors(&document, &line, &entry).is_empty(), "a caseload line without next_due_on passes: {entry}");
    h.shutdown();
}

#[test]
fn the_answer_over_the_connection_limit_matches_its_schema() {
    let _watchdog = watchdog("the_answer_over_the_connection_limit_matches_its_schema", 60);
    let document = document();
    let h = Harness::start(Scenario::new(), Limits { max_connections: 1, ..Limits::default() });
    let address = h.base.trim_start_matches("http://").to_owned();
    // An idle connection holds the one place; the next is answered 503 and closed.
    let held = valid(std::net::TcpStream::connect(&address));
    std::thread::sleep(Duration::from_millis(200));
    let (text, _) = raw_exchange(&address, b"GET /v1/health HTTP/1.1\r\nhost: x\r\n\r\n", Duration::from_secs(10));
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("not an HTTP answer: {text}"));
    assert!(head.starts_with("HTTP/1.1 503") && head.contains("application/problem+json"), "{head}");
    let schema = answer_schema(&document, "GET", "/v1/health", 503, "application/problem+json");
    assert_valid(&document, &schema, &valid(serde_json::from_str(body)), "the 503 answer");
    drop(held);
}
