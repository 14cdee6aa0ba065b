//! Where the server's log lines go: one text line an event (a request's line from
//! [`crate::observe`], starting and stopping, limits hit), without the module's name, to a
//! writer chosen by whoever runs the server. `parapompi serve` writes them to standard error;
//! the benchmark to a file, so that its figures hold what a served request costs to log.

use tracing_subscriber::fmt::MakeWriter;

/// Installs the process's log subscriber, writing each line to `writer`, with terminal
/// colours when `ansi`. False when a subscriber was installed already (the first one stays).
pub fn install_log<W>(writer: W, ansi: bool) -> bool
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(ansi)
        .with_target(false)
        // A log line that cannot be written is dropped: reporting it would write to the same
        // closed standard error, which panics and takes the request that logged it down.
        .log_internal_errors(false)
        .try_init()
        .is_ok()
}
