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

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by Ctrl-C; the library polls it between frames and stops cleanly.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// The running command stops cleanly at [`INTERRUPTED`].
static CANCELLABLE: AtomicBool = AtomicBool::new(false);

/// Makes the first Ctrl-C a clean cancel for the running command (nothing
/// half-written is left); a second one ends it as a signal does.
pub fn cancel_on_interrupt() {
    CANCELLABLE.store(true, Ordering::SeqCst);
}

/// What a long-running command does on its first stop signal before the
/// process ends (`vivify serve`: hand running jobs back to the queue).
static ON_STOP: std::sync::Mutex<Option<Box<dyn FnOnce() + Send>>> = std::sync::Mutex::new(None);

/// Runs `f` on the first SIGINT, SIGTERM or SIGHUP, then ends the process
/// as the signal would; a second signal ends it at once.
pub fn on_stop(f: Box<dyn FnOnce() + Send>) {
    *ON_STOP.lock().unwrap_or_else(|p| p.into_inner()) = Some(f);
}

/// Takes the stop hook, if one is set and not yet taken.
fn take_on_stop() -> Option<Box<dyn FnOnce() + Send>> {
    ON_STOP.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// Ends the process for signal `sig` (exit 128 + sig, as shells report it)
/// after removing the temporary files of outputs being written.
fn exit_on_signal(sig: i32) -> ! {
    let _held = vivify::outfile::remove_temporaries();
    std::process::exit(128 + sig);
}

/// Handles SIGINT, SIGTERM and SIGHUP for every command: outputs being
/// written lose their temporary files (never a final name), then the
/// process exits 130, 143 or 129. During `alive` the first Ctrl-C only
/// asks the job to stop between frames.
pub fn install_signal_handlers() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else { return };
        std::thread::spawn(move || {
            for sig in signals.forever() {
                if sig == SIGINT && CANCELLABLE.load(Ordering::SeqCst) && !INTERRUPTED.swap(true, Ordering::SeqCst) {
                    continue;
                }
                if let Some(stop) = take_on_stop() {
                    // Stopping may take a moment (a job reaching its next
                    // step); signals keep being read meanwhile.
                    std::thread::spawn(move || {
                        stop();
                        exit_on_signal(sig);
                    });
                    continue;
                }
                exit_on_signal(sig);
            }
        });
    }
    #[cfg(not(unix))]
    {
        let _ = ctrlc::set_handler(|| {
            if CANCELLABLE.load(Ordering::SeqCst) && !INTERRUPTED.swap(true, Ordering::SeqCst) {
                return;
            }
            if let Some(stop) = take_on_stop() {
                std::thread::spawn(move || {
                    stop();
                    exit_on_signal(2);
                });
                return;
            }
            exit_on_signal(2);
        });
    }
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

impl vivify::Progress for Phases {
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
