//! `parapompi-server`: the HTTP API over one [`parapompi::Engine`], with staff who log in.
//!
//! This crate is the only one that knows HTTP. A handler authenticates, turns the body into
//! the library's command ([`parapompi::act_form`]), calls the Engine, and answers with the
//! library's document ([`parapompi::documents`]): no rule, no formatting of its own. Every
//! rule is core's; the actor of every act is the authenticated staff member.
//!
//! Code map: `openapi` (the table of endpoints, from which the router and the OpenAPI
//! document are built), `routes` (the endpoints), `acts` (one act, the path of `POST
//! /v1/commands` and of each act of a batch), `batch` (many acts in one request), `export`
//! (the log's export lines, streamed), `lookups` (streams' records and the
//! look-ups a client needs to decide what to send), `reads` (audited reads of texts and
//! identities), `identity` (correcting an identity by the fields given), `feed` (the live
//! feed of records), `auth` (bearer tokens to staff members), `limits` (the limits' values,
//! bodies, failed logins), `observe` (request ids and log lines), `log_lines` (where the
//! lines are written), `error` (problem details), `transport` (the accept loop: TLS,
//! HTTP/1.1 over hyper, the connection limit and the client's pace, graceful shutdown),
//! `tls` (the certificate and key files). docs/SERVER.md is the API's contract.

mod acts;
mod auth;
mod backup;
mod batch;
mod error;
mod export;
mod feed;
mod identity;
mod limits;
mod log_lines;
mod lookups;
mod observe;
mod openapi;
mod reads;
mod routes;
mod tls;
mod transport;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use parapompi::credentials::{Credentials, PasswordHashing};
use parapompi::Engine;

pub use error::{ApiError, Problem};
pub use limits::Limits;
pub use log_lines::install_log;
pub use openapi::document_text as openapi_document;
pub use tls::{TlsConfig, TlsError, TlsFile, MAX_PEM_FILE_BYTES};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The limits on what clients control.
    pub limits: Limits,
    /// How long a session token lives, in ms (at most core's day).
    pub session_lifetime_ms: i64,
    /// How long an enrolment code lives, in ms, unless the request asks for less.
    pub enrolment_lifetime_ms: i64,
    /// How long an API token lives, in ms, unless the request asks for less.
    pub api_token_lifetime_ms: i64,
    /// How passwords are hashed.
    pub password_hashing: PasswordHashing,
    /// The certificate to serve HTTPS with; without one, plain HTTP (on loopback, behind a
    /// reverse proxy that holds the certificate).
    pub tls: Option<TlsConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        const HOUR_MS: i64 = 3_600_000;
        ServerConfig {
            limits: Limits::default(),
            session_lifetime_ms: 12 * HOUR_MS,
            enrolment_lifetime_ms: 72 * HOUR_MS,
            api_token_lifetime_ms: 90 * 24 * HOUR_MS,
            password_hashing: PasswordHashing::default(),
            tls: None,
        }
    }
}

/// Why the server could not start or stopped badly.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The address could not be listened on, or serving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The Engine failed to open its credential store or to close.
    #[error(transparent)]
    Engine(#[from] parapompi::EngineError),
    /// The credential store could not be opened.
    #[error(transparent)]
    Credentials(#[from] parapompi::credentials::CredentialError),
    /// A limit of the configuration cannot be served with.
    #[error("limit {limit}: {problem}")]
    BadLimit {
        /// The limit's field in [`Limits`].
        limit: &'static str,
        /// What is wrong with its value.
        problem: String,
    },
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub engine: Engine,
    pub credentials: Credentials,
    pub config: Arc<ServerConfig>,
    pub failed_logins: Arc<limits::FailedLogins>,
    /// Becomes true when the server begins to shut down: live feeds end then.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

/// A server listening, serving in its own task until [`Running::shutdown`].
pub struct Running {
    local_addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), ServerError>>,
}

impl Running {
    /// The address it listens on (the port chosen, when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, lets the requests in flight finish, and closes the Engine.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => Err(ServerError::Io(std::io::Error::other(format!("the server's task failed: {e}")))),
        }
    }
}

/// Binds `listen` and serves `engine` in a task of the current runtime until
/// [`Running::shutdown`]: HTTPS when `config.tls` holds a certificate, else plain HTTP.
pub async fn start(engine: Engine, config: ServerConfig, listen: SocketAddr) -> Result<Running, ServerError> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let listener = bind(listen, &config).await?;
    let local_addr = listener.local_addr()?;
    let task = tokio::spawn(serve_on(engine, config, listener, async move {
        let _ = stopped.await;
    }));
    Ok(Running { local_addr, stop: Some(stop), task })
}

/// Serves `engine` on `listen` until SIGTERM or SIGINT, then shuts down gracefully: stops
/// accepting, finishes the requests in flight, closes the Engine (checkpoint and flush).
/// HTTPS when `config.tls` holds a certificate, else plain HTTP.
pub async fn serve(engine: Engine, config: ServerConfig, listen: SocketAddr) -> Result<(), ServerError> {
    let listener = bind(listen, &config).await?;
    serve_on(engine, config, listener, shutdown_signal()).await
}

/// Binds the listener and says where, warning when plain HTTP is reachable from elsewhere.
async fn bind(listen: SocketAddr, config: &ServerConfig) -> Result<tokio::net::TcpListener, ServerError> {
    config.limits.check().map_err(|(limit, problem)| ServerError::BadLimit { limit, problem })?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let address = listener.local_addr()?;
    let tls = config.tls.is_some();
    tracing::info!(%address, scheme = transport::scheme(tls), "listening");
    if transport::exposed_without_tls(tls, address) {
        tracing::warn!(
            %address,
            "serving plain HTTP on an address other machines reach: passwords and tokens cross the network \
             unencrypted; put the server behind a TLS reverse proxy, or give it a certificate (docs/SERVER.md)"
        );
    }
    Ok(listener)
}

async fn serve_on(
    engine: Engine,
    config: ServerConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    backup::clear_served(&engine);
    let credentials = Credentials::open(&engine, config.password_hashing)?;
    let client_limits = config.limits.clone();
    let tls = config.tls.clone();
    // Becomes true when shutting down begins: the connections stop after their requests in
    // flight, and live feeds, which never end on their own, end, so that the drain finishes.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let state = AppState {
        engine: engine.clone(),
        credentials,
        config: Arc::new(config),
        failed_logins: Arc::new(limits::FailedLogins::default()),
        stopping,
    };
    transport::serve(listener, tls.as_ref(), &client_limits, routes::router(state), shutdown, stop).await;
    tracing::info!("stopped accepting; requests in flight finished; closing the engine");
    // The handlers' clones of the Engine are gone with the router. Work the drain does not
    // wait for (a command whose request timed out, an export's reading task) holds a clone
    // until it ends: the store stays open for it and syncs when the last clone goes. This
    // clone's close checkpoints the read models and flushes the log before answering.
    let closed = tokio::task::spawn_blocking(move || engine.close())
        .await
        .map_err(|e| ServerError::Io(std::io::Error::other(format!("closing the engine failed: {e}"))))?;
    closed?;
    Ok(())
}

/// Resolves on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!(signal = "SIGINT", "shutting down"),
        () = terminate => tracing::info!(signal = "SIGTERM", "shutting down"),
    }
}
