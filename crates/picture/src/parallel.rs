//! The one parallel helper every layer above shares: the machine this runs
//! on has two cores, so work is split in (usually two) scoped threads.

use vivify_media::error::{Error, Result};

/// Runs `work` on each job in its own scoped thread (callers pass two jobs)
/// and returns the results in job order. A panicking thread becomes an error
/// instead of taking the process down.
pub fn in_parallel<J: Send, R: Send>(jobs: Vec<J>, work: impl Fn(J) -> Result<R> + Sync) -> Result<Vec<R>> {
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs.into_iter().map(|j| scope.spawn(move || work(j))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(Error::Internal("a worker thread panicked".into()))))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_job_order_and_a_panic_is_an_error() {
        let r = in_parallel(vec![3, 1, 2], |j| Ok(j * 10)).expect("no failure");
        assert_eq!(r, vec![30, 10, 20]);
        let failed = in_parallel(vec![0, 1], |j| if j == 1 { panic!("worker {j}") } else { Ok(j) });
        assert!(matches!(failed, Err(Error::Internal(_))));
    }
}
