//! The rules of a valid log that look past one record and its chain link (`FORMAT.md`,
//! "Rules of a valid log"): payload sizes, what a command id may span, and event ids that
//! never come back. Every reader of a whole log applies them in log order: the import, and
//! the bundle checks of `verify` and `replay`, so that they refuse the same records.

use std::collections::HashSet;

use uuid::Uuid;

use crate::config::Limits;
use crate::record::{RecordedEvent, StreamId};

/// The rules' memory of the records read so far.
#[derive(Debug)]
pub struct LogRules {
    limits: Limits,
    event_ids: HashSet<Uuid>,
    commands_seen: HashSet<Uuid>,
    /// The act being read: its command id, its streams so far (the current one last), and
    /// how many events it holds.
    last_command: Option<(Uuid, Vec<StreamId>, usize)>,
}

impl LogRules {
    /// Rules under `limits`, with nothing read yet.
    pub fn new(limits: Limits) -> LogRules {
        LogRules { limits, event_ids: HashSet::new(), commands_seen: HashSet::new(), last_command: None }
    }

    /// Checks the next record in log order; `Ok(true)` when it starts an act (its command id
    /// is new here, so a store may check that it does not hold it).
    pub fn check(&mut self, record: &RecordedEvent) -> Result<bool, String> {
        if record.payload.n_bytes() > self.limits.max_payload_bytes {
            return Err(format!(
                "payload of {} bytes is over the limit of {}",
                record.payload.n_bytes(),
                self.limits.max_payload_bytes
            ));
        }
        // Records of one act sit together, each stream's together; a command id never comes
        // back later, nor a stream within its act.
        let starts_act = match &mut self.last_command {
            Some((command, streams, n_events)) if *command == record.command_id => {
                if streams.last() != Some(&record.stream_id) {
                    if streams.contains(&record.stream_id) {
                        return Err(format!("command {command} writes to stream {} twice", record.stream_id));
                    }
                    streams.push(record.stream_id.clone());
                }
                *n_events += 1;
                if *n_events > self.limits.max_events_per_append {
                    return Err(format!(
                        "append of command {command} is over {} events",
                        self.limits.max_events_per_append
                    ));
                }
                false
            }
            _ => {
                if !self.commands_seen.insert(record.command_id) {
                    return Err(format!("command {} appears again after other commands", record.command_id));
                }
                self.last_command = Some((record.command_id, vec![record.stream_id.clone()], 1));
                true
            }
        };
        if !self.event_ids.insert(record.event_id) {
            return Err(format!("event id {} appears again", record.event_id));
        }
        Ok(starts_act)
    }
}
