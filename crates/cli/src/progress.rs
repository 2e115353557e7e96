//! Progress display on stderr (hidden when stderr is not a terminal).

use indicatif::{ProgressBar, ProgressStyle};

pub fn spinner(quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

pub fn bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb
}

/// Set by Ctrl-C; the library polls it between frames and stops cleanly.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes the first Ctrl-C a clean cancel (nothing half-written is left);
/// a second one ends the process at once.
pub fn cancel_on_interrupt() {
    use std::sync::atomic::Ordering;
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
}

/// A bar for the library's phased progress: a spinner with the phase name,
/// becoming a bar when the phase has a known number of steps.
pub struct Phases {
    bar: ProgressBar,
}

impl Phases {
    pub fn new(quiet: bool) -> Phases {
        let bar = if quiet { ProgressBar::hidden() } else { spinner(false) };
        Phases { bar }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl vivify::alive::Progress for Phases {
    fn phase(&self, name: &str, total: u64) {
        if total > 0 {
            self.bar.set_style(
                ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            self.bar.set_length(total);
            self.bar.set_position(0);
        } else {
            self.bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
        }
        self.bar.set_message(name.to_string());
    }

    fn advance(&self, done: u64, _total: u64) {
        self.bar.set_position(done);
    }

    fn cancelled(&self) -> bool {
        INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed)
    }
}
