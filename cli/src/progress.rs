//! Progress for long work (demo, import, export, verify, rebuild): drawn on standard error
//! only when it is a terminal, so pipes and scripts see nothing.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget};

/// A progress indicator that draws only on a terminal.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    fn hidden_unless_terminal(bar: ProgressBar) -> ProgressBar {
        if !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar
    }

    /// A spinner with a message, for work whose length is unknown.
    pub fn spinner(message: &str) -> Progress {
        let bar = Progress::hidden_unless_terminal(ProgressBar::new_spinner());
        bar.set_message(message.to_owned());
        if !bar.is_hidden() {
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        Progress { bar }
    }

    /// Removes the indicator.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
