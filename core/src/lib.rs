//! Pure domain: placeholder.
