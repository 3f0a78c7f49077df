//! Progress display: indicatif spinners and bars on a terminal, plain timestamped
//! lines otherwise (CI logs, pipes), so every long step shows it is alive.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use console::style;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone)]
pub struct Progress {
    multi: Option<MultiProgress>,
    start: Instant,
}

impl Progress {
    /// Bars when stderr is a terminal, plain lines otherwise.
    pub fn new() -> Progress {
        let fancy = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Progress {
            multi: fancy.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
            start: Instant::now(),
        }
    }

    /// A line above the bars (or a plain line).
    pub fn println(&self, msg: impl AsRef<str>) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(msg.as_ref());
            }
            None => eprintln!("{}", msg.as_ref()),
        }
    }

    /// A spinner line for one stage: `name  current step  elapsed`.
    pub fn task(&self, name: &str) -> Task {
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner:.cyan} {prefix:<22.bold} {wide_msg} {elapsed:>6.dim}",
                )
                .expect("static template")
                .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏✓"),
            );
            bar.set_prefix(name.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Task {
            bar,
            name: name.to_string(),
            start: Instant::now(),
            origin: self.start,
            last_plain: Arc::new(Mutex::new((String::new(), None))),
        }
    }

    /// A bar with a known length (bytes or runs).
    pub fn counter(&self, name: &str, total: u64, bytes: bool) -> Task {
        let task = self.task(name);
        if let Some(bar) = &task.bar {
            bar.set_length(total);
            let template = if bytes {
                "{spinner:.cyan} {prefix:<22.bold} [{bar:30.cyan/blue}] {bytes}/{total_bytes} {wide_msg} {elapsed:>6.dim}"
            } else {
                "{spinner:.cyan} {prefix:<22.bold} [{bar:30.cyan/blue}] {pos}/{len} {wide_msg} {elapsed:>6.dim}"
            };
            bar.set_style(
                ProgressStyle::with_template(template)
                    .expect("static template")
                    .progress_chars("━╸─")
                    .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏✓"),
            );
        }
        task
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Clone)]
pub struct Task {
    bar: Option<ProgressBar>,
    name: String,
    start: Instant,
    origin: Instant,
    /// Plain mode: the last line printed and when, to keep CI logs readable.
    last_plain: Arc<Mutex<(String, Option<Instant>)>>,
}

impl Task {
    /// The current step. Plain mode prints it only when it changes.
    pub fn step(&self, msg: impl AsRef<str>) {
        let msg = one_line(msg.as_ref());
        match &self.bar {
            Some(bar) => bar.set_message(msg),
            None => {
                let mut last = self.last_plain.lock().expect("not poisoned");
                // Build steps always; chatter (compiler lines, byte counts) every 5 s.
                let due = last.1.is_none_or(|t| t.elapsed() >= Duration::from_secs(5));
                if last.0 != msg && (due || msg.starts_with("Step ")) {
                    eprintln!(
                        "[{:>7.1}s] {:<18} {}",
                        self.origin.elapsed().as_secs_f64(),
                        self.name,
                        msg
                    );
                    *last = (msg, Some(Instant::now()));
                }
            }
        }
    }

    pub fn set_position(&self, pos: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(pos);
        }
    }

    pub fn set_length(&self, len: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(len);
        }
    }

    pub fn finish(&self, msg: impl AsRef<str>) {
        let line = format!("{} {}", style("✓").green(), msg.as_ref());
        self.end(&line, msg.as_ref());
    }

    pub fn fail(&self, msg: impl AsRef<str>) {
        let line = format!("{} {}", style("✗").red(), msg.as_ref());
        self.end(&line, msg.as_ref());
    }

    fn end(&self, fancy: &str, plain: &str) {
        match &self.bar {
            Some(bar) => {
                bar.set_style(
                    ProgressStyle::with_template("  {prefix:<22.bold} {wide_msg} {elapsed:>6.dim}")
                        .expect("static template"),
                );
                bar.finish_with_message(fancy.to_string());
            }
            None => eprintln!(
                "[{:>7.1}s] {:<18} {} ({:.1}s)",
                self.origin.elapsed().as_secs_f64(),
                self.name,
                plain,
                self.start.elapsed().as_secs_f64()
            ),
        }
    }
}

/// Build output lines can be long or multi-line; a spinner shows one short line.
fn one_line(s: &str) -> String {
    let s = console::strip_ansi_codes(s);
    let line = s
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut out: String = line.chars().take(110).collect();
    if line.chars().count() > 110 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_keeps_the_last_non_empty_line_and_truncates() {
        assert_eq!(one_line("a\nb\n\n"), "b");
        let long = "x".repeat(200);
        assert_eq!(one_line(&long).chars().count(), 111);
    }
}
