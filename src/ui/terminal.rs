//! The local terminal: raw mode for an interactive container session.

/// Puts the local terminal in raw mode for the life of the guard (via stty, which
/// every Linux has), so keys go to the container's TTY unechoed and unbuffered.
pub struct RawTerminal {
    saved: Option<String>,
}

impl RawTerminal {
    pub fn enter() -> RawTerminal {
        let stty = |args: &[&str]| {
            std::process::Command::new("stty")
                .args(args)
                .stdin(
                    std::fs::File::open("/dev/tty")
                        .ok()
                        .map(std::process::Stdio::from)
                        .unwrap_or_else(std::process::Stdio::inherit),
                )
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        let saved = stty(&["-g"]);
        if saved.is_some() {
            stty(&["raw", "-echo"]);
        }
        RawTerminal { saved }
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            let _ = std::process::Command::new("stty")
                .arg(saved)
                .stdin(
                    std::fs::File::open("/dev/tty")
                        .ok()
                        .map(std::process::Stdio::from)
                        .unwrap_or_else(std::process::Stdio::inherit),
                )
                .status();
        }
    }
}
