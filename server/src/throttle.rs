//! Per-address back-off for failed logins: after a few failures from one
//! address, each further attempt waits before it is answered, doubling up
//! to a cap, so guessing passwords costs time; a success or a quiet minute
//! forgets the address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures answered without delay: a person mistyping a password.
const FREE_FAILURES: u32 = 3;
const FIRST_DELAY: Duration = Duration::from_millis(250);
const MAX_DELAY: Duration = Duration::from_secs(8);
/// An address with no failure for this long starts afresh.
const FORGET_AFTER: Duration = Duration::from_secs(60);
/// Bounds the table under a spray from many addresses.
const MAX_ADDRESSES: usize = 100_000;

#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl Throttle {
    /// How long to wait before answering a login attempt from `address`.
    pub fn delay(&self, address: IpAddr) -> Duration {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match failures.get(&address) {
            Some(&(count, last)) if count >= FREE_FAILURES && last.elapsed() < FORGET_AFTER => {
                let doublings = (count - FREE_FAILURES).min(16);
                (FIRST_DELAY * 2u32.pow(doublings)).min(MAX_DELAY)
            }
            _ => Duration::ZERO,
        }
    }

    /// Counts a failure; returns how many `address` has had in a row.
    pub fn failed(&self, address: IpAddr) -> u32 {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= MAX_ADDRESSES {
            failures.retain(|_, (_, last)| last.elapsed() < FORGET_AFTER);
        }
        let entry = failures.entry(address).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= FORGET_AFTER {
            entry.0 = 0;
        }
        entry.0 += 1;
        entry.1 = Instant::now();
        entry.0
    }

    pub fn succeeded(&self, address: IpAddr) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&address);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_double_and_stop_at_the_cap() {
        let throttle = Throttle::default();
        let (attacker, other) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let mut delays = Vec::new();
        for _ in 0..10 {
            delays.push(throttle.delay(attacker));
            throttle.failed(attacker);
        }
        let ms: Vec<u128> = delays.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [0, 0, 0, 250, 500, 1000, 2000, 4000, 8000, 8000]);
        assert_eq!(throttle.delay(other), Duration::ZERO);
        throttle.succeeded(attacker);
        assert_eq!(throttle.delay(attacker), Duration::ZERO);
    }
}
