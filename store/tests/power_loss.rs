//! Power-loss test. A kill leaves the kernel's page cache intact, so the crash test cannot
//! show that an acknowledged append reached the disk; this one can. The store runs on a FUSE
//! file system in this process (`powerfs`) that keeps every write made since the last fsync
//! of its file, and every directory change since the last fsync of its directory, apart. A
//! child process (this test binary, re-run) opens the store on it and appends, printing each
//! acknowledged append; the parent kills it at a random moment (in some runs while it starts
//! up and opens the store), then cuts the power: everything unsynced is dropped or, in a torn
//! cut, kept in part, torn at a 512-byte sector. It then opens a copy of what is left and
//! checks that the store opens, the chain verifies, positions have no gap, and every append
//! ever acknowledged is there, whole, at its position. The next run goes on from that state.
//!
//! PARAPOMPI_POWER_CUTS sets the number of cuts (default 8); PARAPOMPI_TEST_SEED replays the
//! printed seed. It needs /dev/fuse and fusermount3 (Debian's fuse3), and fails when they are
//! missing rather than passing without having run.

mod common;
mod powerfs;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use common::*;
use parapompi_store::*;
use powerfs::Disk;
use uuid::Uuid;

const CHILD_DIR_VAR: &str = "PARAPOMPI_POWER_CHILD_DIR";
/// Where the store lives under the disk's root: two directories the first run creates.
const STORE_UNDER_ROOT: &str = "centre/store";
/// How long a child may take to acknowledge its first append.
const FIRST_ACK_TIMEOUT: Duration = Duration::from_secs(30);

/// The child's work: only when the parent set the variable, otherwise nothing. One to three
/// writer threads, each on streams of its own, so that appends share group commits.
#[test]
fn power_child() {
    let Ok(dir) = std::env::var(CHILD_DIR_VAR) else { return };
    let store = match Store::open(&dir, StoreConfig::default()) {
        Ok(store) => store,
        Err(error) => {
            println!("UNOPENABLE {error}");
            std::process::exit(3);
        }
    };
    let seed: u64 = std::env::var("PARAPOMPI_CHILD_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let mut rng = XorShift(seed.max(1));
    // In some runs half the appends are deferred (synced only by the next durable one), so
    // that a cut finds sled's unsynced writes, and its background flushes, to drop or tear.
    let mix_deferred = rng.below(3) == 0;
    // In some runs payloads are large, so that a group spans several chunks (sled's
    // `apply_batch`) and sled writes more than a sector at a time.
    let pad_bytes = if rng.below(3) == 0 { rng.below(12_000) } else { 0 };
    let n_writers = 1 + rng.below(3);
    let writers: Vec<_> = (0..n_writers)
        .map(|writer| {
            let store = store.clone();
            let seed = rng.next();
            std::thread::spawn(move || write_forever(&store, writer, seed, mix_deferred, pad_bytes))
        })
        .collect();
    for writer in writers {
        writer.join().expect("a writer thread");
    }
}

fn write_forever(store: &Store, writer: u64, seed: u64, mix_deferred: bool, pad_bytes: u64) {
    let mut rng = XorShift(seed.max(1));
    let stdout = std::io::stdout();
    let mut versions: HashMap<String, u64> = HashMap::new();
    let pad = "ε".repeat(usize::try_from(pad_bytes / 2).unwrap());
    loop {
        // One stream, or (a third of the time) two or three distinct ones in one act.
        let n_streams = if rng.below(3) == 0 { 2 + rng.below(2) } else { 1 };
        let mut names: Vec<String> = Vec::new();
        while names.len() < usize::try_from(n_streams).unwrap() {
            let name = format!("case-{writer}-{}", rng.below(20));
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let sizes: Vec<u64> = names.iter().map(|_| 1 + rng.below(5)).collect();
        let n_events: u64 = sizes.iter().sum();
        let command = Uuid::new_v4();
        let mut next = 0u64;
        let mut parts = Vec::new();
        for (name, size) in names.iter().zip(&sizes) {
            let current = match versions.get(name) {
                Some(version) => *version,
                None => store.stream_version(&stream(name)).unwrap(),
            };
            let labels: Vec<String> = (next..next + size).map(|i| format!("{command}/{name}/{i}/{n_events}")).collect();
            next += size;
            parts.push(StreamEvents {
                stream_id: stream(name),
                expected: ExpectedVersion::Exact(current),
                events: labels.iter().map(|label| padded_event(label, &pad)).collect(),
            });
        }
        let durability = if mix_deferred && rng.below(2) == 0 { Durability::Deferred } else { Durability::Durable };
        let request = MultiAppend { command_id: command, streams: parts, durability };
        let appended = store.append_multi(request).expect("the child's append succeeds");
        for name in names {
            versions.insert(name.clone(), appended.version_of(&stream(&name)).expect("a version"));
        }
        let mut out = stdout.lock();
        // Only a durable append is acknowledged as one that must survive.
        let word = if durability == Durability::Durable { "ACK" } else { "DEFERRED" };
        writeln!(out, "{word} {command} {} {n_events}", appended.last_position()).unwrap();
        out.flush().unwrap();
    }
}

/// The shared test event, with `pad` beside its label in the payload.
fn padded_event(label: &str, pad: &str) -> NewEvent {
    let mut event = event(label);
    if !pad.is_empty() {
        event.payload = Payload::from_value(&serde_json::json!({ "label": label, "pad": pad }));
    }
    event
}

/// An acknowledged append: its command id, its last position, how many events it wrote.
#[derive(Clone, Copy, Debug)]
struct Ack {
    command: Uuid,
    last_position: u64,
    n_events: usize,
}

#[derive(Debug, Default)]
struct Tally {
    cuts: u64,
    torn_cuts: u64,
    kills_only: u64,
    cuts_during_start_up: u64,
    acks: u64,
    ack_checks: u64,
    lost: u64,
    torn: u64,
    unopenable: u64,
    unsynced_bytes_dropped: u64,
    unsynced_dir_changes: u64,
    fsyncs: u64,
    dir_fsyncs: u64,
    failures: Vec<String>,
}

#[test]
fn cutting_the_power_at_random_moments_loses_no_acknowledged_append() {
    if let Err(why) = powerfs::fuse_is_usable() {
        panic!(
            "\n\n*** THE POWER-LOSS TEST CANNOT RUN: {why}.\n*** It needs /dev/fuse and fusermount3 (apt-get install \
             fuse3); it fails rather than pass without having cut any power.\n\n"
        );
    }
    let n_cuts: u64 = std::env::var("PARAPOMPI_POWER_CUTS").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let seed: u64 = std::env::var("PARAPOMPI_TEST_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos().into()
    });
    eprintln!("power-loss test: {n_cuts} power cuts, PARAPOMPI_TEST_SEED={seed}");
    let started = Instant::now();
    let mut rng = XorShift(seed.max(1));
    let work = tempfile::tempdir().unwrap();
    let mountpoint = work.path().join("disk");
    std::fs::create_dir(&mountpoint).unwrap();
    let child_pid = Arc::new(AtomicI32::new(0));
    let watchdog = Watchdog::start(Duration::from_secs(120 + 10 * n_cuts), mountpoint.clone(), Arc::clone(&child_pid));

    let mut disk = Disk::new();
    let mut acknowledged: Vec<Ack> = Vec::new();
    let mut tally = Tally::default();
    let mut n_runs = 0u64;
    while tally.cuts < n_cuts {
        let cut = n_runs;
        n_runs += 1;
        if cut > 0 && cut.is_multiple_of(25) {
            eprintln!("power-loss test: {} power cuts so far, {:.0} s", tally.cuts, started.elapsed().as_secs_f64());
        }
        let during_start_up = rng.below(4) == 0;
        let mut run = {
            let mounted = disk.mount(&mountpoint).expect("the disk mounts");
            let child = Command::new(std::env::current_exe().unwrap())
                .args(["power_child", "--exact", "--nocapture", "--test-threads=1"])
                .env(CHILD_DIR_VAR, mounted.path().join(STORE_UNDER_ROOT))
                .env("PARAPOMPI_CHILD_SEED", rng.next().to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("the child starts");
            child_pid.store(i32::try_from(child.id()).unwrap(), Ordering::SeqCst);
            // Dropped before the mount, on every path: the child is dead before the unmount.
            let mut child = KillOnDrop(child);
            let run = supervise(&mut child.0, during_start_up, &mut rng);
            child_pid.store(0, Ordering::SeqCst);
            drop(mounted);
            run
        };
        // A sixth of the runs end in a kill alone (the page cache reaches the disk), a third in
        // a torn cut, the rest in a clean cut.
        let draw = rng.below(6);
        let (kill_only, torn_cut) = (draw == 0, draw == 1 || draw == 2);
        let report = if kill_only {
            disk.settle();
            powerfs::CutReport::default()
        } else {
            disk.cut_power(torn_cut, &mut |n| rng.below(n))
        };
        tally.cuts += u64::from(!kill_only);
        tally.kills_only += u64::from(kill_only);
        tally.torn_cuts += u64::from(torn_cut);
        tally.cuts_during_start_up += u64::from(during_start_up);
        tally.unsynced_bytes_dropped += report.unsynced_bytes - report.kept_unsynced_bytes;
        tally.unsynced_dir_changes += report.unsynced_dir_changes;
        tally.fsyncs += report.fsyncs;
        tally.dir_fsyncs += report.dir_fsyncs;
        tally.acks += u64::try_from(run.acks.len()).unwrap();
        acknowledged.append(&mut run.acks);

        let label = format!(
            "run {cut} (kill only: {kill_only}, torn: {torn_cut}, during start-up: {during_start_up}, {report:?})"
        );
        let failure = match run.unopenable {
            Some(message) => {
                tally.unopenable += 1;
                Some(format!("{label}: the child could not open the store: {message}"))
            }
            None => {
                check_after_cut(&disk, &acknowledged, &mut tally).err().map(|problem| format!("{label}: {problem}"))
            }
        };
        if let Some(failure) = failure {
            eprintln!("power-loss test: {failure}");
            tally.failures.push(failure);
            // Later runs start again from an empty disk, so one failure is counted once.
            disk = Disk::new();
            acknowledged.clear();
        }
    }
    watchdog.stop();
    eprintln!(
        "power-loss test: {} power cuts ({} torn) and {} kills alone, {} of them during start-up; {} appends acknowledged, {} checks of them; lost {}, \
         torn {}, unopenable {}; {} unsynced bytes and {} unsynced directory changes at the cuts; the disk served {} \
         fsyncs and {} directory fsyncs; {:.1} s, PARAPOMPI_TEST_SEED={seed}",
        tally.cuts,
        tally.torn_cuts,
        tally.kills_only,
        tally.cuts_during_start_up,
        tally.acks,
        tally.ack_checks,
        tally.lost,
        tally.torn,
        tally.unopenable,
        tally.unsynced_bytes_dropped,
        tally.unsynced_dir_changes,
        tally.fsyncs,
        tally.dir_fsyncs,
        started.elapsed().as_secs_f64(),
    );
    assert!(
        tally.failures.is_empty(),
        "power-loss test failed (PARAPOMPI_TEST_SEED={seed}):\n{}",
        tally.failures.join("\n")
    );
    assert!(tally.acks >= n_cuts / 2, "too few appends were acknowledged for the test to mean anything");
}

/// The disk itself, through a mount: what a power cut keeps is what was synced, file content
/// and directory entries apart.
#[test]
fn the_disk_keeps_through_a_cut_only_what_was_synced() {
    if let Err(why) = powerfs::fuse_is_usable() {
        panic!("\n\n*** THE POWER-LOSS TEST CANNOT RUN: {why}.\n\n");
    }
    let work = tempfile::tempdir().unwrap();
    let mountpoint = work.path().join("disk");
    std::fs::create_dir(&mountpoint).unwrap();
    let disk = Disk::new();
    {
        let mounted = disk.mount(&mountpoint).expect("the disk mounts");
        let root = mounted.path();
        let sync_dir = |dir: &Path| std::fs::File::open(dir).unwrap().sync_all().unwrap();
        // Synced content, synced entry: kept.
        let mut whole = std::fs::File::create(root.join("whole")).unwrap();
        whole.write_all(b"synced").unwrap();
        whole.sync_all().unwrap();
        whole.write_all(b" and not").unwrap();
        // Entry synced, content never synced: empty.
        std::fs::write(root.join("empty"), b"never synced").unwrap();
        // A directory whose own entry is synced, with a file renamed in it after its sync.
        std::fs::create_dir(root.join("sub")).unwrap();
        sync_dir(root);
        // Synced content, entry never synced: gone.
        let mut nameless = std::fs::File::create(root.join("nameless")).unwrap();
        nameless.write_all(b"synced").unwrap();
        nameless.sync_data().unwrap();
        let mut renamed = std::fs::File::create(root.join("sub/a.generating")).unwrap();
        renamed.write_all(b"snapshot").unwrap();
        renamed.sync_all().unwrap();
        sync_dir(&root.join("sub"));
        std::fs::rename(root.join("sub/a.generating"), root.join("sub/a")).unwrap();
        assert_eq!(std::fs::read(root.join("whole")).unwrap(), b"synced and not");
        assert!(root.join("sub/a").exists());
    }
    disk.cut_power(false, &mut |_| 0);
    let copy = tempfile::tempdir().unwrap();
    disk.materialise(copy.path()).unwrap();
    let root = copy.path();
    assert_eq!(std::fs::read(root.join("whole")).unwrap(), b"synced");
    assert!(!root.join("nameless").exists(), "an entry whose directory was not synced vanishes");
    assert_eq!(std::fs::read(root.join("empty")).unwrap(), b"", "unsynced content vanishes");
    assert!(!root.join("sub/a").exists(), "a rename whose directory was not synced is undone");
    assert_eq!(std::fs::read(root.join("sub/a.generating")).unwrap(), b"snapshot");
}

/// What one child run gave: its acknowledgements, or the reason it could not open the store.
struct Run {
    acks: Vec<Ack>,
    unopenable: Option<String>,
}

/// Lets the child run, then kills it: after a random while from its start (a kill during
/// start-up or open), or after its first acknowledgement and a random while.
fn supervise(child: &mut Child, during_start_up: bool, rng: &mut XorShift) -> Run {
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let mut unopenable = None;
    if during_start_up {
        std::thread::sleep(Duration::from_millis(rng.below(150)));
    } else {
        let deadline = Instant::now() + FIRST_ACK_TIMEOUT;
        loop {
            match lines_rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) if line.starts_with("ACK ") => {
                    lines.push(line);
                    break;
                }
                Ok(line) if line.starts_with("UNOPENABLE ") => {
                    unopenable = Some(line["UNOPENABLE ".len()..].to_owned());
                    break;
                }
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    unopenable = Some("the child ended before it acknowledged an append".to_owned());
                    break;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    unopenable = Some(format!("no append acknowledged within {FIRST_ACK_TIMEOUT:?}"));
                    break;
                }
            }
        }
        if unopenable.is_none() {
            std::thread::sleep(Duration::from_millis(rng.below(200)));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    reader.join().unwrap();
    lines.extend(lines_rx.try_iter());
    let mut acks = Vec::new();
    for line in &lines {
        if let Some(rest) = line.strip_prefix("UNOPENABLE ") {
            unopenable.get_or_insert_with(|| rest.to_owned());
        }
        let Some(rest) = line.strip_prefix("ACK ") else { continue };
        let mut fields = rest.split(' ');
        let command = Uuid::parse_str(fields.next().unwrap()).unwrap();
        let last_position = fields.next().unwrap().parse().unwrap();
        let n_events = fields.next().unwrap().parse().unwrap();
        acks.push(Ack { command, last_position, n_events });
    }
    Run { acks, unopenable }
}

/// Opens a copy of what the cut left and checks it; the first problem found is the answer.
fn check_after_cut(disk: &Disk, acknowledged: &[Ack], tally: &mut Tally) -> Result<(), String> {
    let copy = tempfile::tempdir().unwrap();
    disk.materialise(copy.path()).map_err(|e| format!("the disk could not be copied out: {e}"))?;
    let dir: PathBuf = copy.path().join(STORE_UNDER_ROOT);
    if !dir.exists() && !acknowledged.is_empty() {
        tally.lost += u64::try_from(acknowledged.len()).unwrap();
        return Err(format!("the store's directory is gone, and {} acknowledged appends with it", acknowledged.len()));
    }
    let store = match Store::open(&dir, StoreConfig::default()) {
        Ok(store) => store,
        Err(error) => {
            tally.unopenable += 1;
            return Err(format!("the store does not open: {error}; files: {}", listing(copy.path())));
        }
    };
    let verified = store.verify().map_err(|e| {
        tally.unopenable += 1;
        format!("the log does not verify: {e}")
    })?;
    let records: Vec<RecordedEvent> = store.iter_from(1).collect::<Result<_, _>>().map_err(|e| {
        tally.unopenable += 1;
        format!("the log does not read: {e}")
    })?;
    for (i, record) in records.iter().enumerate() {
        if record.position != u64::try_from(i + 1).unwrap() {
            tally.torn += 1;
            return Err(format!("a gap: record {} is at position {}", i + 1, record.position));
        }
    }
    if u64::try_from(records.len()).unwrap() != verified.head_position {
        return Err(format!("{} records to a head at {}", records.len(), verified.head_position));
    }
    let mut by_command: HashMap<Uuid, Vec<&RecordedEvent>> = HashMap::new();
    for record in &records {
        by_command.entry(record.command_id).or_default().push(record);
    }
    // Every append in the log is whole, acknowledged or not.
    for (command, written) in &by_command {
        let labels = labels(&written.iter().map(|record| (*record).clone()).collect::<Vec<_>>());
        let n_events: usize = labels[0].rsplit('/').next().unwrap().parse().unwrap();
        let whole = labels.len() == n_events
            && labels.iter().enumerate().all(|(i, label)| {
                let fields: Vec<&str> = label.split('/').collect();
                fields[0] == command.to_string() && fields[2] == i.to_string()
            })
            && written.windows(2).all(|pair| pair[1].position == pair[0].position + 1);
        if !whole {
            tally.torn += 1;
            return Err(format!("append {command} is not whole: {labels:?}"));
        }
    }
    for ack in acknowledged {
        tally.ack_checks += 1;
        match by_command.get(&ack.command) {
            None => {
                let lost = acknowledged.iter().filter(|a| !by_command.contains_key(&a.command)).count();
                tally.lost += u64::try_from(lost).unwrap();
                return Err(format!(
                    "acknowledged append {} at {} is lost ({lost} of {} acknowledged are; head at {})",
                    ack.command,
                    ack.last_position,
                    acknowledged.len(),
                    verified.head_position
                ));
            }
            Some(written) if written.len() != ack.n_events || written.last().unwrap().position != ack.last_position => {
                tally.torn += 1;
                return Err(format!("acknowledged append {} is not as acknowledged", ack.command));
            }
            Some(_) => {}
        }
    }
    let found =
        store.command_result(acknowledged.last().map_or(Uuid::nil(), |a| a.command)).map_err(|e| e.to_string())?;
    if let (Some(last), None) = (acknowledged.last(), found) {
        return Err(format!("the command index does not know acknowledged append {}", last.command));
    }
    store.close().map_err(|e| format!("the store does not close: {e}"))?;
    Ok(())
}

/// The files under `dir` with their sizes, for a failure's message.
fn listing(dir: &Path) -> String {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        for entry in std::fs::read_dir(&path).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                out.push(format!("{} ({size} B)", path.strip_prefix(dir).unwrap_or(&path).display()));
            }
        }
    }
    out.sort();
    out.join(", ")
}

/// Kills and reaps the child it holds when dropped, a panic included.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Ends a test that runs too long: kills the child, unmounts the disk lazily, and exits the
/// test process with a failure, so that nothing hangs and nothing stays mounted.
struct Watchdog {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    fn start(limit: Duration, mountpoint: PathBuf, child_pid: Arc<AtomicI32>) -> Watchdog {
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + limit;
            while !flag.load(Ordering::SeqCst) {
                if Instant::now() > deadline {
                    eprintln!("power-loss test: over its time limit of {limit:?}; killing the child and unmounting");
                    let pid = child_pid.load(Ordering::SeqCst);
                    if pid > 0 {
                        // SAFETY: kill is called with a process id this test spawned.
                        unsafe { libc::kill(pid, libc::SIGKILL) };
                    }
                    powerfs::force_unmount(&mountpoint);
                    std::process::exit(101);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Watchdog { done, thread: Some(thread) }
    }

    fn stop(mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // On a panic the test is over: the watchdog stops with it.
        self.done.store(true, Ordering::SeqCst);
    }
}

/// A small deterministic generator, so that a seed replays the same cuts.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
