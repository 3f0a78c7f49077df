//! Choosing configurations: a benchmark's default matrix, or names the user gave.

use super::{Interpreter, Mode, Plan, Variant, VariantBuild};

/// Which interpreters a benchmark uses by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// The free-threading comparison: system, stock, t, t -X gil=1, j.
    Gil,
    /// The JIT comparison: system, stock, j, j PYTHON_JIT=0.
    Jit,
    /// Every configuration.
    All,
}

impl Plan {
    pub fn default_interpreters(&self, selection: Selection) -> Vec<&Interpreter> {
        self.interpreters
            .iter()
            .filter(|i| match selection {
                Selection::All => true,
                Selection::Gil => i.mode != Mode::JitOff,
                Selection::Jit => i.variant != Some(Variant::FreeThreaded),
            })
            .collect()
    }

    /// Resolves user-given names (`3.13,3.13t -X gil=1`). Unknown names are an error
    /// listing the valid ones. Whitespace and case are not significant.
    pub fn select(&self, names: &[String]) -> Result<Vec<&Interpreter>, String> {
        let norm = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        let mut chosen: Vec<&Interpreter> = Vec::new();
        for name in names {
            let wanted = norm(name);
            let found = self
                .interpreters
                .iter()
                .find(|i| norm(&i.name) == wanted || i.slug().to_lowercase() == wanted);
            match found {
                Some(i) if !chosen.iter().any(|c| c.name == i.name) => chosen.push(i),
                Some(_) => {}
                None => {
                    return Err(format!(
                        "unknown interpreter {name:?}. Valid names: {}.",
                        self.interpreter_names().join(", ")
                    ))
                }
            }
        }
        if chosen.is_empty() {
            return Err(format!(
                "no interpreter selected. Valid names: {}.",
                self.interpreter_names().join(", ")
            ));
        }
        Ok(chosen)
    }

    pub fn interpreter_names(&self) -> Vec<String> {
        self.interpreters
            .iter()
            .map(|i| {
                if i.name.contains(' ') {
                    format!("\"{}\"", i.name)
                } else {
                    i.name.clone()
                }
            })
            .collect()
    }

    pub fn variant_builds(&self) -> impl Iterator<Item = &VariantBuild> {
        self.releases.iter().flat_map(|r| r.variants.iter())
    }
}
