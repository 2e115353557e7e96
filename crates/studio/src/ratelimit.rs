//! Per-address limits for what anyone may do without signing in (reports,
//! sign-in attempts): at most `max` in a sliding `window`, then 429 with the
//! seconds until the oldest one leaves the window.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct RateLimit {
    seen: Mutex<HashMap<(IpAddr, &'static str), VecDeque<Instant>>>,
}

impl RateLimit {
    /// Counts one `what` from `ip` now; `Err(seconds)` when over the limit
    /// (that attempt is not counted).
    pub fn allow(&self, ip: IpAddr, what: &'static str, max: usize, window: Duration) -> Result<(), u64> {
        self.allow_at(ip, what, max, window, Instant::now())
    }

    fn allow_at(&self, ip: IpAddr, what: &'static str, max: usize, window: Duration, now: Instant) -> Result<(), u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        // Forget addresses that have been quiet for a window, so the table
        // cannot grow without end.
        if seen.len() > 10_000 {
            seen.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let q = seen.entry((ip, what)).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
            q.pop_front();
        }
        if q.len() >= max {
            let oldest = q.front().copied().unwrap_or(now);
            let wait = window.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        q.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides_and_addresses_count_apart() {
        let r = RateLimit::default();
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().expect("ip"), "10.0.0.2".parse().expect("ip"));
        let t0 = Instant::now();
        let w = Duration::from_secs(60);
        for i in 0..3 {
            assert!(r.allow_at(a, "report", 3, w, t0 + Duration::from_secs(i)).is_ok());
        }
        let wait = r.allow_at(a, "report", 3, w, t0 + Duration::from_secs(10)).expect_err("a fourth is refused");
        assert_eq!(wait, 50);
        assert!(r.allow_at(b, "report", 3, w, t0 + Duration::from_secs(10)).is_ok(), "another address");
        assert!(r.allow_at(a, "login", 3, w, t0 + Duration::from_secs(10)).is_ok(), "another kind");
        assert!(r.allow_at(a, "report", 3, w, t0 + Duration::from_secs(61)).is_ok(), "the first left the window");
    }
}
