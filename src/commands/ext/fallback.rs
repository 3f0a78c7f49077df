//! A silent fallback to pure Python: a package whose optional C speed-up
//! did not compile still builds a wheel (setuptools' `optional=True`, or a
//! `build_ext` that catches the compiler's error), and pip hides why. Pure.

use crate::results::BuildOutcome;

/// The ABI part of a wheel tag: `cp313t` of `cp313-cp313t-linux_x86_64`.
fn abi_of(tag: &str) -> Option<&str> {
    tag.split('-').nth(1)
}

/// Why the wheel is a fallback to pure Python, or None when it is not one:
/// it holds no extension module, yet it is tagged for a CPython ABI while
/// the sources hold C/C++/Cython files, or the build log has a compiler
/// error that did not stop the build.
pub fn fell_back(build: &BuildOutcome) -> Option<String> {
    if !build.built || !build.modules.is_empty() {
        return None;
    }
    let tag = build.tags.first().map(String::as_str).unwrap_or("");
    let abi_tagged = abi_of(tag).is_some_and(|abi| abi != "none");
    let native = build.native_sources.len();
    let error = build.compiler_errors.first();
    if !(abi_tagged && native > 0) && error.is_none() {
        return None;
    }
    let wheel = if abi_tagged {
        format!("the wheel ({tag}) is tagged for a CPython ABI but holds no extension module")
    } else {
        "the wheel holds no extension module".to_string()
    };
    let sources = match native {
        0 => String::new(),
        n => format!(" though the sources hold {n} C/C++/Cython file(s)"),
    };
    let said = match error {
        Some(line) => format!("; the compiler said: {line}"),
        None => "; the build log names no compiler error (see it in the JSON)".to_string(),
    };
    Some(format!("{wheel}{sources}{said}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wheel(tag: &str, native: &[&str], errors: &[&str]) -> BuildOutcome {
        BuildOutcome {
            built: true,
            tags: vec![tag.into()],
            native_sources: native.iter().map(|s| s.to_string()).collect(),
            compiler_errors: errors.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    const GCC: &str = "src/speedups.c:20:5: error: expected ‘,’ or ‘;’ before ‘return’";

    #[test]
    fn an_abi_tagged_wheel_without_modules_from_c_sources_fell_back() {
        let why = fell_back(&wheel(
            "cp313-cp313-linux_x86_64",
            &["src/speedups.c"],
            &[GCC],
        ))
        .unwrap();
        assert_eq!(
            why,
            format!(
                "the wheel (cp313-cp313-linux_x86_64) is tagged for a CPython ABI but holds \
                 no extension module though the sources hold 1 C/C++/Cython file(s); the \
                 compiler said: {GCC}"
            )
        );
        // Without the error in the log it is still a fallback, said so.
        let why = fell_back(&wheel("cp313-cp313t-linux_x86_64", &["a.pyx"], &[])).unwrap();
        assert!(why.contains("names no compiler error"), "{why}");
    }

    #[test]
    fn a_caught_compiler_error_is_a_fallback_whatever_the_tag() {
        let why = fell_back(&wheel("py3-none-any", &[], &[GCC])).unwrap();
        assert!(
            why.starts_with("the wheel holds no extension module;"),
            "{why}"
        );
        assert!(why.ends_with(GCC), "{why}");
    }

    #[test]
    fn pure_python_and_real_extensions_are_not_fallbacks() {
        // A pure-Python package: no ABI tag, no native sources, no error.
        assert_eq!(fell_back(&wheel("py3-none-any", &[], &[])), None);
        // C files in an sdist whose wheel is pure (e.g. vendored, unused): no ABI tag.
        assert_eq!(fell_back(&wheel("py3-none-any", &["x.c"], &[])), None);
        // A wheel with its modules is what it claims.
        let mut built = wheel("cp313-cp313-linux_x86_64", &["x.c"], &[GCC]);
        built.modules = vec!["x".into()];
        assert_eq!(fell_back(&built), None);
        // A build that failed is judged as such elsewhere.
        let mut failed = wheel("cp313-cp313-linux_x86_64", &["x.c"], &[GCC]);
        failed.built = false;
        assert_eq!(fell_back(&failed), None);
    }
}
