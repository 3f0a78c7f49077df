//! The machine's busy CPU time, for the build summary: a build's work happens
//! in the daemon, the compilers and the storage driver, so only the whole
//! machine's counters see it. Meaningful only when the daemon is local.

/// `/proc/stat` counts in USER_HZ, which Linux fixes at 100 for user space.
const USER_HZ: f64 = 100.0;

/// Busy seconds summed over all CPUs (user, nice, system, irq, softirq,
/// steal) from the first line of a `/proc/stat` text. Pure.
pub fn busy_seconds_of(stat: &str) -> Option<f64> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal
    let busy = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|i| ticks.get(*i))
        .sum::<u64>();
    Some(busy as f64 / USER_HZ)
}

/// This machine's busy seconds so far, when the daemon runs here too.
pub fn local_busy_seconds(docker_host: &str) -> Option<f64> {
    if !docker_host.starts_with("unix://") {
        return None;
    }
    busy_seconds_of(&std::fs::read_to_string("/proc/stat").ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_leaves_idle_and_iowait_out() {
        let stat = "cpu  100 20 30 5000 400 6 7 8 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n";
        assert_eq!(
            busy_seconds_of(stat),
            Some((100 + 20 + 30 + 6 + 7 + 8) as f64 / 100.0)
        );
        assert_eq!(busy_seconds_of("intr 1 2"), None);
        assert!(local_busy_seconds("tcp://10.0.0.1:2375").is_none());
    }
}
