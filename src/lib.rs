//! Parapompi.
pub use parapompi_store as store;
pub use parapompi_core as core;
