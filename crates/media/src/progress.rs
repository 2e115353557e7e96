//! The one way long work reports progress and learns it should stop: `alive`,
//! `live`, convert batches (and, later, server jobs) all take a
//! `&dyn Progress`; the CLI draws its bars from it, a server could stream it.

use crate::error::{Error, Result};

/// Progress reports and cancellation, shared by worker threads.
///
/// Work is a series of phases ("analysing motion", "rendering"), each with a
/// number of steps when it is known. Every method has a default, so an
/// implementation picks what it needs.
pub trait Progress: Sync {
    /// A new phase starts; `total` is its number of steps (0 = unknown).
    fn phase(&self, _name: &str, _total: u64) {}
    /// `done` of `total` steps of the current phase are finished.
    fn advance(&self, _done: u64, _total: u64) {}
    /// Polled between steps: return true to stop with [`Error::Cancelled`].
    fn cancelled(&self) -> bool {
        false
    }
    /// [`Error::Cancelled`] when the caller asked to stop, for `?` between steps.
    fn check(&self) -> Result<()> {
        if self.cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// No progress reports, never cancelled.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;
impl Progress for Quiet {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    struct Stop(AtomicBool);
    impl Progress for Stop {
        fn cancelled(&self) -> bool {
            self.0.load(Ordering::Relaxed)
        }
    }

    #[test]
    fn check_turns_a_cancel_into_the_cancelled_error() {
        let p = Stop(AtomicBool::new(false));
        assert!(p.check().is_ok());
        p.0.store(true, Ordering::Relaxed);
        assert!(matches!(p.check(), Err(Error::Cancelled)));
        assert!(Quiet.check().is_ok());
    }
}
