//! ClickHouse's `windowFunnel` over one person's events: the deepest step of
//! an ordered chain of conditions whose steps all fall within a window of
//! the chain's first event.

/// The most steps a funnel has (one bit each in a `u32`).
pub const MAX_STEPS: usize = 32;

/// ClickHouse's funnel modes; several may be combined.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FunnelMode {
    /// A row that meets none of the conditions, once the chain has started,
    /// ends it; so does a step met before the step it follows.
    pub strict_order: bool,
    /// A step met again while the chain is at or past it ends the chain.
    pub strict_deduplication: bool,
    /// Each step must come strictly later than the one before.
    pub strict_increase: bool,
}

impl FunnelMode {
    pub const NAMES: [&'static str; 3] = ["strict_order", "strict_deduplication", "strict_increase"];

    /// Parses a comma-separated list of mode names (empty: the default mode).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut mode = Self::default();
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name.to_ascii_lowercase().as_str() {
                "strict_order" => mode.strict_order = true,
                "strict_deduplication" => mode.strict_deduplication = true,
                "strict_increase" => mode.strict_increase = true,
                _ => {
                    return Err(format!(
                        "unknown mode '{name}', expected a comma-separated list of {}",
                        Self::NAMES.join(", ")
                    ));
                }
            }
        }
        Ok(mode)
    }
}

/// What one row contributes: an event per condition it met, at the row's
/// time. `step` 0 marks a row that met none (kept only for `strict_order`,
/// where such a row ends the chain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FunnelEvent {
    pub ts: i64,
    pub step: u8,
}

/// The deepest step reached (0..=steps) by a person's events, which must be
/// sorted by (time, step) — so events of one time are taken in step order,
/// as ClickHouse does. `window` is in the unit of `ts`; a step counts when it
/// comes no later than `window` after the event that started its chain.
pub fn deepest_step(
    events: impl IntoIterator<Item = FunnelEvent>,
    steps: usize,
    window: i64,
    mode: FunnelMode,
) -> u8 {
    debug_assert!((1..=MAX_STEPS).contains(&steps));
    // For each reached step: when the chain that reached it started, and when
    // it reached it.
    let mut started_at = [0i64; MAX_STEPS];
    let mut reached_at = [0i64; MAX_STEPS];
    let mut reached: u32 = 0;
    let deepest = |reached: u32| (32 - reached.leading_zeros()) as u8;
    for FunnelEvent { ts, step } in events {
        if step == 0 {
            if mode.strict_order && reached != 0 {
                break;
            }
            continue;
        }
        let level = step as usize - 1;
        if level == 0 {
            started_at[0] = ts;
            reached_at[0] = ts;
            reached |= 1;
        } else if mode.strict_deduplication && reached & (1 << level) != 0 {
            return deepest(reached);
        } else if mode.strict_order && reached != 0 && reached & (1 << (level - 1)) == 0 {
            return reached.trailing_ones() as u8;
        } else if reached & (1 << (level - 1)) != 0 {
            let first = started_at[level - 1];
            let in_window = ts <= first.saturating_add(window);
            let increasing = !mode.strict_increase || reached_at[level - 1] < ts;
            if in_window && increasing {
                started_at[level] = first;
                reached_at[level] = ts;
                reached |= 1 << level;
                if level + 1 == steps {
                    return steps as u8;
                }
            }
        }
    }
    deepest(reached)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows as (time, step numbers met), expanded and sorted as the
    /// aggregate does.
    fn deepest(rows: &[(i64, &[u8])], steps: usize, window: i64, mode: &str) -> u8 {
        let mode = FunnelMode::parse(mode).unwrap();
        let mut events: Vec<FunnelEvent> = Vec::new();
        for (ts, met) in rows {
            if met.is_empty() && mode.strict_order {
                events.push(FunnelEvent { ts: *ts, step: 0 });
            }
            events.extend(met.iter().map(|&step| FunnelEvent { ts: *ts, step }));
        }
        events.sort_unstable();
        deepest_step(events, steps, window, mode)
    }

    #[test]
    fn steps_in_order_within_the_window() {
        assert_eq!(deepest(&[(1, &[1]), (2, &[2]), (3, &[3])], 3, 10, ""), 3);
        assert_eq!(
            deepest(&[(3, &[3]), (2, &[2]), (1, &[1])], 3, 10, ""),
            3,
            "input order"
        );
        assert_eq!(
            deepest(&[(1, &[1]), (20, &[2])], 2, 10, ""),
            1,
            "outside the window"
        );
        assert_eq!(
            deepest(&[(1, &[1]), (11, &[2])], 2, 10, ""),
            2,
            "window bound included"
        );
        assert_eq!(deepest(&[(1, &[2]), (2, &[3])], 3, 10, ""), 0, "no first step");
        // A later start gives a chain that fits the window.
        assert_eq!(deepest(&[(1, &[1]), (15, &[1]), (20, &[2])], 2, 10, ""), 2);
        assert_eq!(
            deepest(&[(1, &[1]), (2, &[2])], 2, i64::MAX, ""),
            2,
            "no overflow"
        );
    }

    #[test]
    fn same_time_events_are_taken_in_step_order() {
        assert_eq!(deepest(&[(1, &[1, 2, 3])], 3, 10, ""), 3);
        assert_eq!(deepest(&[(1, &[1, 2, 3])], 3, 10, "strict_increase"), 1);
        assert_eq!(deepest(&[(1, &[2]), (1, &[1])], 2, 10, ""), 2);
    }

    #[test]
    fn modes() {
        let a_b_c_b_d: &[(i64, &[u8])] = &[(1, &[1]), (2, &[2]), (3, &[3]), (4, &[2]), (5, &[4])];
        assert_eq!(deepest(a_b_c_b_d, 4, 10, ""), 4);
        assert_eq!(deepest(a_b_c_b_d, 4, 10, "strict_deduplication"), 3);
        let a_b_d_c: &[(i64, &[u8])] = &[(1, &[1]), (2, &[2]), (3, &[4]), (4, &[3])];
        assert_eq!(deepest(a_b_d_c, 4, 10, ""), 3);
        assert_eq!(deepest(a_b_d_c, 4, 10, "strict_order"), 2);
        let other_between: &[(i64, &[u8])] = &[(1, &[1]), (2, &[]), (3, &[2])];
        assert_eq!(deepest(other_between, 2, 10, ""), 2);
        assert_eq!(deepest(other_between, 2, 10, "strict_order"), 1);
        let a_b_a_c: &[(i64, &[u8])] = &[(1, &[1]), (2, &[2]), (3, &[1]), (4, &[4]), (5, &[3])];
        assert_eq!(deepest(a_b_a_c, 4, 10, "strict_order"), 2);
    }

    #[test]
    fn mode_names() {
        assert_eq!(
            FunnelMode::parse("strict_order, STRICT_INCREASE").unwrap(),
            FunnelMode {
                strict_order: true,
                strict_increase: true,
                ..FunnelMode::default()
            }
        );
        assert!(
            FunnelMode::parse("strict")
                .unwrap_err()
                .contains("unknown mode 'strict'")
        );
    }

    #[test]
    fn thirty_two_steps() {
        let steps: Vec<u8> = (1..=32).collect();
        let rows: Vec<(i64, &[u8])> = steps
            .iter()
            .map(|s| (*s as i64, std::slice::from_ref(s)))
            .collect();
        assert_eq!(deepest(&rows, 32, 100, ""), 32);
    }
}
