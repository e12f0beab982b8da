//! What every benchmark program shares: running a step in a child process,
//! peak memory and the machine it ran on.

/// Peak resident set size of this process so far, in MB (VmHWM).
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// The CPU model and core count, for the README figures.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    format!("{cpu}, {cores} cores")
}

/// Runs this program's own `--step STEP ARG` in a child process, so that the
/// step's peak RSS is its own, and returns the numbers it printed (seconds,
/// peak MB, then whatever the step adds).
pub fn child_figures(step: &str, arg: &std::path::Path) -> Vec<f64> {
    let out = std::process::Command::new(std::env::current_exe().expect("own path"))
        .args(["--step", step])
        .arg(arg)
        .output()
        .expect("run step");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{step} failed: {}{}",
        text,
        String::from_utf8_lossy(&out.stderr)
    );
    text.split_whitespace()
        .map(|s| s.parse().expect("a number"))
        .collect()
}

/// The number after `flag` on the command line, or `default`.
pub fn number_arg(args: &[String], flag: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}
