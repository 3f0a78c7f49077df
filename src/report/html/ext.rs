//! The articles of `ext --json` files: the import matrix of compiled
//! modules against interpreter configurations, and a package's readiness
//! per interpreter, as HTML tables. Pure.

use super::{escape, plural, source_link};
use crate::report::documents::Source;
use crate::results::{CheckResult, CompileEntry, ExtMatrix, ExtPackage, Grade};

fn head(id: &str, title: &str, sub: &str, source: &Source) -> String {
    format!(
        "<article class=\"card\" id=\"{}\">\n<header class=\"card-head\"><h2>{}</h2>\
         <p class=\"sub\">{} · {}</p></header>\n",
        escape(id),
        escape(title),
        escape(sub),
        source_link(source)
    )
}

/// Values in the order first seen, each once.
fn distinct<T: PartialEq>(values: impl Iterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = vec![];
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The greeter matrix (or one module): every compile by source and build,
/// then every import by module file and interpreter configuration.
pub fn matrix_article(m: &ExtMatrix, source: &Source, id: &str) -> String {
    let mut out = head(id, "ext · import matrix", &matrix_summary(m), source);
    out += &format!(
        "<section>\n<h3>Compiles</h3>\n{}</section>\n",
        compiles_table(m)
    );
    out += &format!(
        "<section>\n<h3>Imports</h3>\n{}</section>\n",
        imports_table(m)
    );
    out + "</article>\n"
}

/// `1 of 2 import checks as expected · 1 of 2 compiles succeeded`.
fn matrix_summary(m: &ExtMatrix) -> String {
    let passed = m.checks.iter().filter(|c| c.passed).count();
    let compiled = m.compiles.iter().filter(|c| c.ok).count();
    format!(
        "{passed} of {} as expected · {compiled} of {} succeeded",
        plural(m.checks.len(), "import check", "import checks"),
        plural(m.compiles.len(), "compile", "compiles"),
    )
}

/// A row per source file, a column per build whose headers it was
/// compiled against.
fn compiles_table(m: &ExtMatrix) -> String {
    let sources = distinct(m.compiles.iter().map(|c| c.compile.source.as_str()));
    let builds = distinct(m.compiles.iter().map(|c| c.compile.build.as_str()));
    let mut body = String::from("<div class=\"scroll\"><table>\n<thead><tr><th>Source</th>");
    for b in &builds {
        body += &format!("<th>{}</th>", escape(b));
    }
    body += "</tr></thead>\n<tbody>\n";
    for s in &sources {
        body += &format!("<tr><td><code>{}</code></td>", escape(s));
        for b in &builds {
            let entry = m
                .compiles
                .iter()
                .find(|c| c.compile.source == *s && c.compile.build == *b);
            body += &compile_cell(entry);
        }
        body += "</tr>\n";
    }
    body + "</tbody></table></div>\n"
}

/// The module file a compile wrote, or its log when it failed; a dash for
/// a source and build never compiled together.
fn compile_cell(entry: Option<&CompileEntry>) -> String {
    match entry {
        None => "<td class=\"empty\">—</td>".to_string(),
        Some(c) if c.ok => format!(
            "<td class=\"pass\" title=\"{}\">✓ {}</td>",
            escape(&c.compile.config_command),
            escape(&c.compile.output)
        ),
        Some(c) => format!(
            "<td class=\"fail\"><details><summary>✗ failed</summary><pre>{}</pre>\
             </details></td>",
            escape(&c.log)
        ),
    }
}

/// A row per compiled module, a column per interpreter configuration.
fn imports_table(m: &ExtMatrix) -> String {
    let modules = distinct(m.checks.iter().map(|c| c.check.output.as_str()));
    let configurations = distinct(m.checks.iter().map(|c| c.check.configuration()));
    let mut body = String::from(
        "<p class=\"muted\">A row per compiled module, a column per interpreter configuration: \
         what importing it did, green when that is what was expected.</p>\n\
         <div class=\"scroll\"><table>\n<thead><tr><th>Module</th><th>Built for</th>",
    );
    for c in &configurations {
        body += &format!("<th>{}</th>", escape(c));
    }
    body += "</tr></thead>\n<tbody>\n";
    for module in &modules {
        let built_for = m
            .checks
            .iter()
            .find(|c| c.check.output == *module)
            .map_or("", |c| c.check.built_for.as_str());
        body += &format!(
            "<tr><td><code>{}</code></td><td>{}</td>",
            escape(module),
            escape(built_for)
        );
        for conf in &configurations {
            let check = m
                .checks
                .iter()
                .find(|c| c.check.output == *module && c.check.configuration() == *conf);
            body += &import_cell(check);
        }
        body += "</tr>\n";
    }
    body + "</tbody></table></div>\n"
}

/// What importing a module did, marked as expected or not, with the
/// details in its tooltip; a dash for a module not tried there.
fn import_cell(check: Option<&CheckResult>) -> String {
    let Some(c) = check else {
        return "<td class=\"empty\">—</td>".to_string();
    };
    format!(
        "<td class=\"{}\" title=\"{}\">{} {}</td>",
        if c.passed { "pass" } else { "fail" },
        escape(&import_details(c)),
        if c.passed { "✓" } else { "✗" },
        escape(&c.verdict)
    )
}

/// `expected: works; <error>; <warnings>; GIL after import: off`.
fn import_details(c: &CheckResult) -> String {
    let mut title = format!("expected: {}", c.check.expect);
    if let Some(e) = &c.error {
        title += &format!("; {e}");
    }
    for w in &c.warnings {
        title += &format!("; {w}");
    }
    if let Some(gil) = c.gil_after {
        title += &format!("; GIL after import: {}", if gil { "on" } else { "off" });
    }
    title
}

/// A package's readiness: a row per interpreter with its verdict and why.
pub fn package_article(p: &ExtPackage, source: &Source, id: &str) -> String {
    let ready = p
        .results
        .iter()
        .filter(|r| r.readiness.grade() == Grade::Good)
        .count();
    let mut sub = format!(
        "{ready} of {} ready",
        plural(p.results.len(), "build", "builds")
    );
    if !p.build_requires.is_empty() {
        sub += &format!(" · build requires {}", p.build_requires.join(", "));
    }
    let mut out = head(id, &format!("ext · {}", p.package), &sub, source);
    let mut body = String::from(
        "<div class=\"scroll\"><table>\n<thead><tr><th>Interpreter</th><th>Wheel</th>\
         <th class=\"num\">Imported</th><th>GIL after import</th><th>Smoke</th><th>Tests</th><th>Verdict</th>\
         <th>Why</th></tr></thead>\n<tbody>\n",
    );
    for r in &p.results {
        let (words, grade) = (r.readiness.words(), r.readiness.grade());
        let class = match grade {
            Grade::Good => "g-good",
            Grade::Caution => "g-caution",
            Grade::Bad => "g-bad",
        };
        let imported = r
            .imported()
            .map_or_else(|| "—".to_string(), |(ok, n)| format!("{ok}/{n}"));
        let gil = if !r.build.built || r.modules.is_empty() {
            "—".to_string()
        } else if !r.free_threaded {
            "on (GIL build)".to_string()
        } else {
            match r.reenabled_gil().as_slice() {
                [] => "off: Py_mod_gil declared".to_string(),
                names => format!("on: re-enabled by {}", names.join(", ")),
            }
        };
        let smoke = match &r.smoke {
            None => "—".to_string(),
            Some(s) => match (s.signal, s.errors.len(), s.exit_code) {
                (Some(sig), ..) => format!("signal {sig}"),
                (None, 0, 0) => format!("ok, {} threads", s.threads),
                (None, 0, code) => format!("exit {code}"),
                (None, n, _) => format!("{n} of {} threads raised", s.threads),
            },
        };
        let tests = r.tests.as_ref().map_or_else(|| "—".into(), |t| t.summary());
        body += &format!(
            "<tr><td>{}</td><td class=\"mono\">{}</td><td class=\"num\">{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td><span class=\"pill {class}\">{}</span></td><td>{}</td></tr>\n",
            escape(&r.interpreter),
            escape(r.abi_tag().unwrap_or("—")),
            escape(&imported),
            escape(&gil),
            escape(&smoke),
            escape(&tests),
            escape(words),
            escape(&r.why),
        );
    }
    body += "</tbody></table></div>\n";
    out += &format!("<section>\n<h3>Readiness</h3>\n{body}</section>\n");
    out += &crate::report::races::races_html(&p.results);
    out + "</article>\n"
}
