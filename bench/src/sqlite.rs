//! What a user would pick instead: an event store on SQLite in WAL mode with
//! synchronous=FULL, one row per event, and a unique (stream, version) index.

use std::path::Path;

use rusqlite::{params, Connection};

use crate::workload::BenchEvent;

pub struct SqliteLog {
    connection: Connection,
}

impl SqliteLog {
    pub fn open(path: &Path) -> SqliteLog {
        let connection = Connection::open(path).expect("SQLite opens");
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 CREATE TABLE events (
                     position INTEGER PRIMARY KEY,
                     stream_id TEXT NOT NULL,
                     stream_version INTEGER NOT NULL,
                     event_id BLOB NOT NULL,
                     event_type TEXT NOT NULL,
                     occurred_at INTEGER NOT NULL,
                     recorded_at INTEGER NOT NULL,
                     actor TEXT NOT NULL,
                     payload TEXT NOT NULL,
                     UNIQUE (stream_id, stream_version)
                 );",
            )
            .expect("schema");
        SqliteLog { connection }
    }

    /// Inserts events at consecutive positions in one transaction, durably.
    pub fn append(&mut self, first_position: u64, events: &[BenchEvent]) {
        let transaction = self.connection.transaction().expect("begin");
        {
            let mut insert = transaction
                .prepare_cached(
                    "INSERT INTO events (position, stream_id, stream_version, event_id, event_type, occurred_at,
                     recorded_at, actor, payload) VALUES (?1, ?2, ?3, ?4, 'NoteAdded', 0, 0, 'staff-bench', ?5)",
                )
                .expect("prepare");
            for (position, event) in (first_position..).zip(events) {
                let position = i64::try_from(position).expect("fits");
                let version = i64::try_from(event.version).expect("fits");
                insert
                    .execute(params![position, event.stream, version, uuid::Uuid::new_v4().as_bytes(), event.payload])
                    .expect("insert");
            }
        }
        transaction.commit().expect("commit");
    }

    /// Reads every event in position order and decodes its payload; returns the count.
    pub fn read_all(&self) -> usize {
        let mut select = self
            .connection
            .prepare(
                "SELECT position, stream_id, stream_version, event_id, event_type, occurred_at, recorded_at, actor,
                 payload FROM events ORDER BY position",
            )
            .expect("prepare");
        let mut rows = select.query([]).expect("query");
        let mut n = 0;
        while let Some(row) = rows.next().expect("row") {
            // Every column, as a reader of the whole log needs them.
            let _position: i64 = row.get(0).expect("position");
            let stream: String = row.get(1).expect("stream");
            let _version: i64 = row.get(2).expect("version");
            let _event_id: Vec<u8> = row.get(3).expect("event id");
            let _event_type: String = row.get(4).expect("event type");
            let _occurred_at: i64 = row.get(5).expect("occurred at");
            let _recorded_at: i64 = row.get(6).expect("recorded at");
            let _actor: String = row.get(7).expect("actor");
            let payload: String = row.get(8).expect("payload");
            let parsed: serde_json::Value = serde_json::from_str(&payload).expect("JSON");
            assert!(!stream.is_empty() && parsed.is_object());
            n += 1;
        }
        n
    }
}
