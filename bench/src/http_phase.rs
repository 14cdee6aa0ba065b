//! The server under load: commands per second over HTTP from 16 clients beside the Engine's
//! own rate from 16 tasks on the same commands, in the same run; the latency of one command
//! and of a caseload view over HTTP beside the same calls on the Engine; and the memory the
//! server adds.
//!
//! Each round opens two fresh data directories with the same small demo world. On the first
//! the Engine runs 16 tokio tasks, each whole cases (an intake, then services), every command
//! durable (`engine_phases::command_rate`). On the second `parapompi_server::start` serves
//! the Engine in this process, on a runtime of two worker threads (what `parapompi serve`
//! gets on this machine), and 16 client threads, each with its own connection (ureq) and
//! its own API token of the same social worker, send the same commands as acts to
//! `POST /v1/commands`. The clients run on the same two cores as the server: loopback HTTP
//! on one machine, as behind a reverse proxy on the server's host.
//!
//! The server logs a line a request, as `parapompi serve` does, to `server.log` in the bench's
//! directory (one write a line, as to a standard error redirected to a file).
//!
//! Memory is the bench process's own (`/proc/self/status`): VmRSS before the server starts
//! and after its load, and VmHWM, the peak of the whole process so far.

use std::path::Path;
use std::time::{Duration, Instant};

use parapompi::core::credential::CredentialKind;
use parapompi::core::values::{BeneficiaryId, CaseId, StaffId, Timestamp};
use parapompi::core::vocab::Role;
use parapompi::credentials::{Credentials, PasswordHashing};
use parapompi::demo::DemoSummary;
use parapompi::projections::CaseloadQuery;
use parapompi::{Acting, Engine};
use serde_json::json;

use crate::engine_phases::{case_commands, command_rate, latencies, meta, per_second, small_world, COMMANDS_PER_CASE};

/// Clients and tasks at once.
const N_CLIENTS: usize = 16;
/// Cases each client or task runs in a round (as the Engine's 16-task phase).
const CASES_PER_CLIENT: usize = 8;
/// Samples of each latency.
const N_COMMAND_SAMPLES: usize = 300;
const N_VIEW_SAMPLES: usize = 1_000;
/// Cases opened for the worker before the caseload view is timed.
const CASES_IN_CASELOAD: usize = 150;

fn assign(case_id: CaseId, staff_id: StaffId) -> parapompi::core::Command {
    parapompi::core::Command::Case(parapompi::core::case::CaseCommand {
        case_id,
        action: parapompi::core::case::CaseAction::Assign { staff_id },
    })
}

/// Who acts, and on whose behalf, in a demo world.
struct Cast {
    centre: parapompi::core::values::CentreId,
    worker: StaffId,
    admin: StaffId,
    beneficiaries: Vec<BeneficiaryId>,
}

fn cast(summary: &DemoSummary) -> Cast {
    let centre = summary.centres[0].0;
    let with_role = |role: Role| {
        summary
            .staff
            .iter()
            .find(|(_, _, c, roles)| *c == centre && roles.contains(&role))
            .map(|(id, _, _, _)| *id)
            .expect("the demo has this role at its first centre")
    };
    let beneficiaries = summary.beneficiaries.iter().filter(|(_, c)| *c == centre).map(|(id, _)| *id).collect();
    Cast { centre, worker: with_role(Role::SocialWorker), admin: with_role(Role::Administrator), beneficiaries }
}

/// The Engine's clock now, as the commands' business time.
fn engine_now(engine: &Engine) -> Timestamp {
    Timestamp::from_unix_ms(engine.store().config().clock.now().unix_ms())
}

/// A server over `engine` in this process, with `N_CLIENTS` API tokens of the worker.
struct Served {
    runtime: tokio::runtime::Runtime,
    running: Option<parapompi_server::Running>,
    base: String,
    address: std::net::SocketAddr,
    tokens: Vec<String>,
}

/// `N_CLIENTS` API tokens of the worker, issued by the administrator. The Engine's world gets
/// them too, unused, so that the worker's stream, which the Engine folds for every command
/// (and the server for every request), is the same length in both.
fn issue_tokens(engine: &Engine, cast: &Cast) -> Vec<String> {
    let credentials = Credentials::open(engine, PasswordHashing::default()).expect("credentials");
    (0..N_CLIENTS)
        .map(|_| {
            let issued = credentials
                .issue(
                    cast.worker,
                    CredentialKind::ApiToken,
                    24 * 3_600_000,
                    meta(Acting::Staff(cast.admin), engine_now(engine)),
                )
                .expect("an API token");
            issued.secret.expose().to_owned()
        })
        .collect()
}

impl Served {
    fn start(engine: &Engine, cast: &Cast) -> Served {
        let tokens = issue_tokens(engine, cast);
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let config = parapompi_server::ServerConfig::default();
        let listen = "127.0.0.1:0".parse().expect("an address");
        let running =
            runtime.block_on(parapompi_server::start(engine.clone(), config, listen)).expect("the server starts");
        let address = running.local_addr();
        let base = format!("http://{address}");
        Served { runtime, running: Some(running), base, address, tokens }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            let stopped = self
                .runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(30), running.shutdown()).await });
            if !matches!(stopped, Ok(Ok(()))) {
                eprintln!("the server did not stop cleanly: {stopped:?}");
            }
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build()
}

/// Sends one act; panics on anything but 200 (a benchmark of failures measures nothing).
fn post_act(agent: &ureq::Agent, base: &str, token: &str, body: &str) {
    let response = agent
        .post(&format!("{base}/v1/commands"))
        .set("Authorization", &format!("Bearer {token}"))
        .set("content-type", "application/json")
        .send_string(body);
    match response {
        Ok(response) => {
            let _ = response.into_string().expect("the answer is read");
        }
        Err(ureq::Error::Status(status, response)) => {
            panic!("the server answered {status}: {}", response.into_string().unwrap_or_default())
        }
        Err(error) => panic!("the request failed: {error}"),
    }
}

/// One kept-alive HTTP/1.1 connection of a load client: requests written whole from bytes
/// made before the clock starts, answers read by their `content-length`. Real HTTP over TCP,
/// as ureq sends it, without building a URL, headers and a request for every command: the
/// clients share the two cores with the server, and what they spend is taken from it.
struct LoadConnection {
    stream: std::net::TcpStream,
    buffer: Vec<u8>,
}

impl LoadConnection {
    fn open(address: std::net::SocketAddr) -> LoadConnection {
        let stream = std::net::TcpStream::connect(address).expect("the client connects");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        stream.set_read_timeout(Some(Duration::from_secs(60))).expect("a read time-out");
        LoadConnection { stream, buffer: Vec::with_capacity(4096) }
    }

    /// Sends one request's bytes and reads its answer; panics on anything but 200 (a
    /// benchmark of failures measures nothing) and on an answer that closes the connection.
    fn send(&mut self, request: &[u8]) {
        use std::io::{Read, Write};
        self.stream.write_all(request).expect("the request is sent");
        self.buffer.clear();
        let mut chunk = [0_u8; 4096];
        let head_end = loop {
            if let Some(at) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let n = self.stream.read(&mut chunk).expect("the answer is read");
            assert!(n > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..n]);
        };
        let head = std::str::from_utf8(&self.buffer[..head_end]).expect("the head is text").to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse().ok())
            .expect("the answer has a content-length");
        while self.buffer.len() < head_end + length {
            let n = self.stream.read(&mut chunk).expect("the answer is read");
            assert!(n > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..n]);
        }
        assert!(
            head.starts_with("http/1.1 200 "),
            "the server answered {}",
            String::from_utf8_lossy(&self.buffer[..head_end + length])
        );
        assert!(!head.contains("connection: close"), "the server closes the connection");
    }
}

/// The bytes of `POST /v1/commands` with `body`, as a client sends them.
fn act_request(address: std::net::SocketAddr, token: &str, body: &str) -> Vec<u8> {
    format!(
        "POST /v1/commands HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Commands per second over HTTP from `N_CLIENTS` clients, each running whole cases, and the
/// CPU seconds the client threads used.
fn http_rate(served: &Served, cast: &Cast, at: Timestamp) -> (f64, f64) {
    // The acts are written before the clock starts, as the Engine's commands are built
    // before they run (each task builds one case's at a time, which costs microseconds).
    let plans: Vec<Vec<String>> = (0..N_CLIENTS)
        .map(|client| {
            let beneficiary = cast.beneficiaries[client % cast.beneficiaries.len()];
            (0..CASES_PER_CLIENT)
                .flat_map(|_| {
                    let case_id = CaseId::new(uuid::Uuid::new_v4());
                    case_commands(beneficiary, cast.centre, cast.worker, case_id, at)
                })
                .map(|(command, _)| {
                    json!({"act": [command], "command_id": uuid::Uuid::now_v7().to_string()}).to_string()
                })
                .collect()
        })
        .collect();
    let plans: Vec<Vec<Vec<u8>>> = plans
        .iter()
        .zip(&served.tokens)
        .map(|(plan, token)| plan.iter().map(|body| act_request(served.address, token, body)).collect())
        .collect();
    let barrier = std::sync::Barrier::new(N_CLIENTS + 1);
    let (n_commands, seconds) = std::thread::scope(|scope| {
        let handles: Vec<_> = plans
            .iter()
            .map(|plan| {
                let (barrier, address) = (&barrier, served.address);
                scope.spawn(move || {
                    let mut connection = LoadConnection::open(address);
                    barrier.wait();
                    let cpu_before = thread_cpu_seconds();
                    for request in plan {
                        connection.send(request);
                    }
                    (plan.len(), thread_cpu_seconds() - cpu_before)
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let done: Vec<(usize, f64)> = handles.into_iter().map(|h| h.join().expect("a client")).collect();
        let seconds = start.elapsed().as_secs_f64();
        (done.iter().map(|d| d.0).sum::<usize>(), (seconds, done.iter().map(|d| d.1).sum::<f64>()))
    });
    let (seconds, clients_cpu) = seconds;
    (per_second(n_commands, seconds), clients_cpu)
}

/// A line of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`).
fn status_kib(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(key).and_then(|rest| rest.strip_prefix(':')))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN)
}

/// The CPU time this process has used (user and system, every thread), in seconds, from
/// `/proc/self/stat` (in clock ticks of 10 ms).
fn cpu_seconds() -> f64 {
    stat_cpu_seconds("/proc/self/stat")
}

/// The CPU time the calling thread has used, in seconds, from `/proc/thread-self/schedstat`
/// (in ns: a client's share is far below a clock tick).
fn thread_cpu_seconds() -> f64 {
    let schedstat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = schedstat.split_whitespace().next().and_then(|n| n.parse::<u64>().ok());
    // CPU times stay far below 2^52 ns (52 days), where f64 is exact.
    #[allow(clippy::cast_precision_loss)]
    ns.map_or(f64::NAN, |ns| ns as f64 / 1e9)
}

fn stat_cpu_seconds(path: &str) -> f64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |index: usize| fields.get(index).and_then(|f| f.parse::<u32>().ok()).map_or(f64::NAN, f64::from);
    // utime and stime are the 14th and 15th fields of the line, the 12th and 13th after it.
    (ticks(11) + ticks(12)) / 100.0
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

pub fn run(dir: &Path, rounds: usize) {
    println!(
        "http benchmark: {N_CLIENTS} clients over loopback HTTP beside {N_CLIENTS} Engine tasks, {CASES_PER_CLIENT} cases of {} commands each, every command durable; {rounds} rounds",
        COMMANDS_PER_CASE
    );
    // The server logs a line a request, as `parapompi serve` does to its standard error:
    // here to a file, so that the figures hold what logging costs a served request.
    std::fs::create_dir_all(dir).expect("the bench's directory");
    let log = std::fs::File::create(dir.join("server.log")).expect("the server's log file");
    parapompi_server::install_log(std::sync::Arc::new(log), false);
    let (mut engine_rates, mut http_rates, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut memory = (0.0, 0.0);
    for round in 1..=rounds {
        let engine_dir = dir.join(format!("engine-{round}"));
        let (engine, summary) = small_world(&engine_dir);
        let _unused = issue_tokens(&engine, &cast(&summary));
        let cpu_before = cpu_seconds();
        let engine_rate = command_rate(&engine, &summary, N_CLIENTS, CASES_PER_CLIENT);
        let engine_cpu = cpu_seconds() - cpu_before;
        engine.close().expect("close");

        let http_dir = dir.join(format!("http-{round}"));
        let (engine, summary) = small_world(&http_dir);
        let cast = cast(&summary);
        let rss_before = status_kib("VmRSS");
        let served = Served::start(&engine, &cast);
        let cpu_before = cpu_seconds();
        let (http, clients_cpu) = http_rate(&served, &cast, engine_now(&engine));
        let http_cpu = cpu_seconds() - cpu_before;
        let rss_after = status_kib("VmRSS");
        memory = (rss_before, rss_after);
        drop(served);
        drop(engine);
        let n_commands = f64::from(u32::try_from(N_CLIENTS * CASES_PER_CLIENT * COMMANDS_PER_CASE).unwrap_or(0));
        println!(
            "round {round}: commands/s, Engine 16 tasks {engine_rate:>7.0}, HTTP 16 clients {http:>7.0} ({:.2}x); CPU a command, Engine {:.0} µs, HTTP {:.0} µs (of it the clients' {:.0} µs)",
            http / engine_rate,
            engine_cpu / n_commands * 1e6,
            http_cpu / n_commands * 1e6,
            clients_cpu / n_commands * 1e6,
        );
        engine_rates.push(engine_rate);
        http_rates.push(http);
        ratios.push(http / engine_rate);
        let _ = std::fs::remove_dir_all(&engine_dir);
        let _ = std::fs::remove_dir_all(&http_dir);
    }
    let ratio = median(&mut ratios);
    println!(
        "commands/s, median of rounds: Engine 16 tasks {:.0}, HTTP 16 clients {:.0}; HTTP / Engine, median of rounds' ratios {ratio:.2}x",
        median(&mut engine_rates),
        median(&mut http_rates)
    );

    // Latencies: one client at a time, over HTTP and on the Engine, on one data directory.
    let latency_dir = dir.join("latency");
    let (engine, summary) = small_world(&latency_dir);
    let cast = cast(&summary);
    let served = Served::start(&engine, &cast);
    let at = engine_now(&engine);
    let beneficiary = cast.beneficiaries[0];
    // Each path serves a case of its own, so that both fold streams of the same lengths.
    let service_on_new_case = || {
        let case_id = CaseId::new(uuid::Uuid::new_v4());
        let mut commands = case_commands(beneficiary, cast.centre, cast.worker, case_id, at).into_iter();
        let (open, _) = commands.next().expect("an intake");
        engine.execute(&open, meta(Acting::Staff(cast.worker), at)).expect("the intake");
        commands.next().expect("a service").0
    };
    let (http_service, engine_service) = (service_on_new_case(), service_on_new_case());
    let agent = agent();
    let token = served.tokens[0].clone();
    let (http_command_p50, http_command_p99) = latencies(
        || {
            let body = json!({"act": [&http_service], "command_id": uuid::Uuid::now_v7().to_string()}).to_string();
            post_act(&agent, &served.base, &token, &body);
        },
        N_COMMAND_SAMPLES,
    );
    let (engine_command_p50, engine_command_p99) = latencies(
        || {
            engine.execute(&engine_service, meta(Acting::Staff(cast.worker), at)).expect("a service");
        },
        N_COMMAND_SAMPLES,
    );
    // A caseload of the size a centre's staff carry: the worker takes on more cases.
    for _ in 0..CASES_IN_CASELOAD {
        let case_id = CaseId::new(uuid::Uuid::new_v4());
        let (open, _) = case_commands(beneficiary, cast.centre, cast.worker, case_id, at).remove(0);
        engine.execute(&open, meta(Acting::Staff(cast.worker), at)).expect("an intake");
        engine.execute(&assign(case_id, cast.worker), meta(Acting::Staff(cast.worker), at)).expect("assigned");
    }
    let caseload_url = format!("{}/v1/caseload?staff={}", served.base, cast.worker);
    let mut n_lines = 0;
    let (http_view_p50, http_view_p99) = latencies(
        || {
            let body = agent
                .get(&caseload_url)
                .set("Authorization", &format!("Bearer {token}"))
                .call()
                .expect("the caseload")
                .into_string()
                .expect("the caseload is read");
            n_lines = body.lines().count();
        },
        N_VIEW_SAMPLES,
    );
    let query = CaseloadQuery { staff: Some(cast.worker), ..CaseloadQuery::default() };
    let (engine_view_p50, engine_view_p99) = latencies(
        || {
            engine.caseload(&query).expect("the caseload");
        },
        N_VIEW_SAMPLES,
    );
    drop(served);
    drop(engine);
    let _ = std::fs::remove_dir_all(&latency_dir);
    println!(
        "one command, one client:  HTTP p50 {:>7.2} ms, p99 {:>7.2} ms; Engine p50 {:>7.2} ms, p99 {:>7.2} ms",
        http_command_p50 / 1e3,
        http_command_p99 / 1e3,
        engine_command_p50 / 1e3,
        engine_command_p99 / 1e3
    );
    println!(
        "caseload view ({n_lines} cases): HTTP p50 {http_view_p50:>7.0} µs, p99 {http_view_p99:>7.0} µs; Engine p50 {engine_view_p50:>7.1} µs, p99 {engine_view_p99:>7.1} µs"
    );
    println!(
        "memory of the bench process (server in process): VmRSS {:.0} MiB before the last round's server, {:.0} MiB after its load; VmHWM {:.0} MiB",
        memory.0 / 1024.0,
        memory.1 / 1024.0,
        status_kib("VmHWM") / 1024.0
    );
    println!();
    println!("target: HTTP 16 clients >= 0.7x Engine 16 tasks: {}", if ratio >= 0.7 { "met" } else { "MISSED" });
}
