//! `GET /v1/backup`: a backup of the whole data directory (`parapompi::backup`: the log, the
//! vault, the credentials and the key files, as one file), for an administrator of the
//! deployment's first centre (core's `policy::may_take_backup`), recorded as the act
//! `BackupTaken` in their centre's stream before it is sent. The backup is written whole into the data directory's
//! `backups-served/` while acts wait only for the moment the Engine holds them, then sent a
//! mebibyte at a time and removed. A read that fails, or a shutdown, cuts the connection
//! without ending the body, so a client never keeps a shorter file that looks whole (and a
//! cut backup fails its trailer's digest anyway).

use std::io::Read;
use std::path::PathBuf;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use parapompi::Acting;

use crate::auth::{authenticate, now};
use crate::error::ApiError;
use crate::export::{Window, Windows};
use crate::routes::{acted_by, blocking, meta, params};
use crate::AppState;

/// Bytes sent at a time.
const CHUNK_BYTES: usize = 1 << 20;

/// Removes the backups a server stopped while sending (they hold everything): called as a
/// server starts.
pub(crate) fn clear_served(engine: &parapompi::Engine) {
    if let Some(dir) = engine.store().path().map(|p| p.join("backups-served")) {
        if dir.exists() {
            if let Err(error) = std::fs::remove_dir_all(&dir) {
                tracing::warn!(%error, "backups left by an earlier run could not be removed");
            }
        }
    }
}

/// The handler.
pub(crate) async fn backup(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<crate::routes::Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let params = params(query, &["since_position", "since_head_hash"])?;
    // An increment: the earlier backup's head, as the client read it from the earlier file.
    let base = match (params.get("since_position"), params.get("since_head_hash")) {
        (None, None) => None,
        (Some(position), Some(head_hash)) => {
            let position = position.trim().parse::<u64>().map_err(|_| {
                ApiError::bad_field("since_position", format!("{position:?} is not a position (a whole number)"))
            })?;
            if parapompi::store::Hash::from_hex(head_hash).is_none() {
                return Err(ApiError::bad_field("since_head_hash", "not 64 hex digits"));
            }
            // The earlier backup's state is the one this data directory kept for that head.
            Some(parapompi::backup::BackupBase { position, head_hash: head_hash.clone(), state: None })
        }
        (Some(_), None) => return Err(ApiError::bad_field("since_head_hash", "give it with since_position")),
        (None, Some(_)) => return Err(ApiError::bad_field("since_position", "give it with since_head_hash")),
    };
    let staff_id = caller.staff.staff_id;
    let engine = state.engine.clone();
    let Some(data_dir) = engine.store().path().map(PathBuf::from) else {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server's Engine has no data directory",
        ));
    };
    let dir = data_dir.join("backups-served");
    let file = dir.join(format!("{}.backup", uuid::Uuid::now_v7()));
    let meta = meta(uuid::Uuid::now_v7(), Acting::Staff(staff_id), now(&state));
    let (written, written_path) = (file.clone(), dir.clone());
    let taken = blocking(move || {
        std::fs::create_dir_all(&written_path)
            .map_err(|e| parapompi::EngineError::Backup { part: "file".to_owned(), problem: e.to_string() })?;
        let taken = match base {
            Some(base) => engine.backup_after(&written, meta, base),
            None => engine.backup(&written, meta),
        };
        match taken {
            // The earlier backup is not of this log: the client's to fix.
            Err(parapompi::EngineError::Backup { part, problem }) if part == "since" => {
                Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "backup_since", problem))
            }
            other => Ok(other?),
        }
    })
    .await?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Window>(2);
    let stopping = state.stopping.clone();
    let sent_file = file.clone();
    tokio::task::spawn_blocking(move || {
        send_file(&sent_file, &sender, &stopping);
        let _ = std::fs::remove_file(&sent_file);
    });
    let name = format!("attachment; filename=\"parapompi-{}.backup\"", taken.manifest.header.head_position);
    let mut response = (
        StatusCode::OK,
        [("content-type", "application/octet-stream".to_owned()), ("content-disposition", name)],
        Body::from_stream(Windows { receiver, ended: false }),
    )
        .into_response();
    response.extensions_mut().insert(acted_by(staff_id, Some("TakeBackup".to_owned())));
    Ok(response)
}

/// Sends the file a chunk at a time, then the end; stops without the end (so the connection
/// is cut) on a failed read, a client gone, or a shutdown.
fn send_file(
    path: &std::path::Path,
    sender: &tokio::sync::mpsc::Sender<Window>,
    stopping: &tokio::sync::watch::Receiver<bool>,
) {
    let Ok(mut reader) = std::fs::File::open(path) else {
        tracing::warn!("backup cut short: its file could not be opened");
        return;
    };
    loop {
        if *stopping.borrow() {
            tracing::info!("backup cut short: the server is shutting down");
            return;
        }
        let mut buffer = vec![0u8; CHUNK_BYTES];
        let n = match reader.read(&mut buffer) {
            Ok(n) => n,
            Err(error) => {
                tracing::warn!(%error, "backup cut short: its file could not be read");
                return;
            }
        };
        if n == 0 {
            break;
        }
        buffer.truncate(n);
        if sender.blocking_send(Window::Records(Bytes::from(buffer))).is_err() {
            return;
        }
    }
    let _ = sender.blocking_send(Window::End);
}
