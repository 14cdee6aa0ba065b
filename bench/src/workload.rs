//! The benchmark's workload: events of about 350 bytes of JSON with Greek text, in streams of
//! about 12 events, interleaved the way many open cases interleave in a real log.

/// One event of the workload.
#[derive(Clone, Debug)]
pub struct BenchEvent {
    pub stream: String,
    /// The event's version in its stream, from 1.
    pub version: u64,
    pub payload: String,
}

const DOMAINS: [&str; 4] = ["income_and_benefits", "housing", "employment", "health"];

const NOTES: [&str; 4] = [
    "Ενημέρωση για το επίδομα θέρμανσης και βοήθεια στη συμπλήρωση της αίτησης",
    "Παραπομπή στην Κοινωνική Υπηρεσία του Δήμου για στεγαστική συνδρομή",
    "Συνεδρία ψυχοκοινωνικής υποστήριξης με την οικογένεια του ωφελούμενου",
    "Επαγγελματικός προσανατολισμός και ενημέρωση για προγράμματα της ΔΥΠΑ",
];

/// `n_events` events over streams of `events_per_stream`, `n_open_streams` of them open at once.
pub fn generate(n_events: usize, events_per_stream: u64, n_open_streams: usize, prefix: &str) -> Vec<BenchEvent> {
    let mut open: Vec<(String, u64)> = Vec::with_capacity(n_open_streams);
    let mut next_stream = 0usize;
    let mut events = Vec::with_capacity(n_events);
    let mut slot = 0usize;
    for sequence in 0..n_events {
        if open.len() < n_open_streams {
            open.push((format!("{prefix}-{next_stream:07}"), 0));
            next_stream += 1;
        }
        slot = (slot + 1) % open.len();
        let (stream, version) = &mut open[slot];
        *version += 1;
        events.push(BenchEvent {
            stream: stream.clone(),
            version: *version,
            payload: payload(stream, *version, sequence),
        });
        if *version == events_per_stream {
            open[slot] = (format!("{prefix}-{next_stream:07}"), 0);
            next_stream += 1;
        }
    }
    events
}

fn payload(stream: &str, version: u64, sequence: usize) -> String {
    serde_json::json!({
        "case_id": stream,
        "step": version,
        "staff_id": format!("staff-{:04}", sequence % 37),
        "need_domain": DOMAINS[sequence % DOMAINS.len()],
        "note": NOTES[sequence % NOTES.len()],
        "agency": "Κοινωνικό Παντοπωλείο Δήμου Αποκορώνου",
        "follow_up_due": "2026-03-14",
        "sequence": sequence,
    })
    .to_string()
}
