//! Progress for long work (demo, import, export, verify, replay, rebuild): drawn on standard
//! error only when it is a terminal, so pipes and scripts see nothing. Work the library
//! reports progress of (`parapompi::Progress`: all of these) is a bar with its counts and an
//! estimate of the time left; other work (a backup, a restore) a spinner.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use parapompi::progress::Work;

/// What the library says it is doing, in the chosen language.
pub fn work_words(work: Work) -> String {
    let key = match work {
        Work::Checking => "progress-work-checking",
        Work::Writing => "progress-work-writing",
        Work::Verifying => "progress-work-verifying",
        Work::Folding => "progress-work-folding",
        Work::Simulating => "progress-work-simulating",
        Work::Exporting => "progress-work-exporting",
        Work::Replaying => "progress-work-replaying",
    };
    crate::i18n::message(key, &[])
}

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

    /// A bar for work the library reports progress of; `message` names the work, and each
    /// report ([`Progress::report`]) its part, counts and total.
    pub fn bar(message: &str) -> Progress {
        let bar = Progress::hidden_unless_terminal(ProgressBar::new_spinner());
        bar.set_message(message.to_owned());
        Progress { bar }
    }

    /// Shows a report of the library's: the bar with `done` of `total` and the time left
    /// once the total is known, the count alone before.
    pub fn report(&self, progress: parapompi::Progress) {
        let message = work_words(progress.work);
        match progress.total {
            Some(total) => {
                if self.bar.length() != Some(total) {
                    // indicatif fills in `{eta}`; the words around it are the language's.
                    let left = crate::i18n::message("progress-time-left", &[("value", "{eta}")]);
                    let style = ProgressStyle::with_template(&format!(
                        "{{prefix}} {{msg}} [{{bar:30}}] {{pos}}/{{len}} ({left})"
                    ))
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
                    self.bar.set_style(style);
                    self.bar.set_length(total);
                }
            }
            None => {
                let style = ProgressStyle::with_template("{prefix} {msg} {pos}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner());
                self.bar.set_style(style);
            }
        }
        if self.bar.prefix().is_empty() {
            self.bar.set_prefix(self.bar.message());
        }
        self.bar.set_message(message);
        self.bar.set_position(progress.done);
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
