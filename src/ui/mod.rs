//! What the user sees while a command works: progress, and the terminal.

pub mod cpu;
pub mod progress;
pub mod terminal;
