//! Every file the tool writes, typed: what is written is read back by the
//! same types.

mod run;

pub use run::*;
