//! The article of many packages' readiness (`ext --pypi A B … --json`):
//! the count of each verdict per build, then the packages grouped under
//! their worst verdict, one line each, the builds' reasons on demand
//! (`<details>`). Pure.

use super::{escape, plural, source_link};
use crate::report::documents::Source;
use crate::report::packages::{grouped, matrix_cell, tally, verdict_words};
use crate::results::{ExtPackages, Grade, PackageRow, Readiness};

fn grade_class(v: Option<Readiness>) -> &'static str {
    match v.map(Readiness::grade) {
        Some(Grade::Good) => "g-good",
        Some(Grade::Caution) => "g-caution",
        _ => "g-bad",
    }
}

/// One package: its line (name, a pill per build) and, opened, each
/// build's verdict and why.
fn package_details(p: &PackageRow, builds: &[String]) -> String {
    let pills: String = builds
        .iter()
        .map(|b| {
            let class = grade_class(p.on(b).map(|r| r.readiness));
            format!(
                "<span class=\"pill {class}\" title=\"{}\">{}</span> ",
                escape(b),
                escape(&matrix_cell(p, b))
            )
        })
        .collect();
    let mut inner = format!("<p>{}</p>\n", escape(&p.source));
    if let Some(e) = &p.error {
        inner += &format!("<p>not checked: {}</p>\n", escape(e));
    }
    if !p.results.is_empty() {
        inner += "<table>\n<thead><tr><th>Build</th><th>Wheel</th><th>Verdict</th><th>Why</th></tr></thead>\n<tbody>\n";
        for r in &p.results {
            let cached = match p.cached.contains(&r.interpreter) {
                true => " (cached)",
                false => "",
            };
            inner += &format!(
                "<tr><td>{}</td><td class=\"mono\">{}</td><td><span class=\"pill {}\">{}</span>{cached}</td><td>{}</td></tr>\n",
                escape(&r.interpreter),
                escape(r.abi_tag().unwrap_or("—")),
                grade_class(Some(r.readiness)),
                escape(r.readiness.words()),
                escape(&r.why)
            );
        }
        inner += "</tbody></table>\n";
    }
    format!(
        "<details><summary><strong>{}</strong> {pills}</summary>\n{inner}</details>\n",
        escape(&p.label())
    )
}

pub fn packages_article(doc: &ExtPackages, source: &Source, id: &str) -> String {
    let ready = (doc.packages.iter())
        .filter(|p| p.error.is_none() && p.worst() == Some(Readiness::Ready))
        .count();
    let sub = format!(
        "{ready} of {} ready on all {}",
        plural(doc.packages.len(), "package", "packages"),
        plural(doc.builds.len(), "build", "builds")
    );
    let mut out = format!(
        "<article class=\"card\" id=\"{}\">\n<header class=\"card-head\"><h2>ext · {}</h2>\
         <p class=\"sub\">{} · {}</p></header>\n",
        escape(id),
        escape(&plural(doc.packages.len(), "package", "packages")),
        escape(&sub),
        source_link(source)
    );
    let cols: String = (doc.builds.iter())
        .map(|b| format!("<th class=\"num\">{}</th>", escape(b)))
        .collect();
    let mut table = format!(
        "<div class=\"scroll\"><table>\n<thead><tr><th>Verdict</th>{cols}</tr></thead>\n<tbody>\n"
    );
    for row in tally(doc) {
        let counts: String = (row.counts.iter())
            .map(|c| format!("<td class=\"num\">{c}</td>"))
            .collect();
        table += &format!(
            "<tr><td><span class=\"pill {}\">{}</span></td>{counts}</tr>\n",
            grade_class(row.verdict),
            escape(verdict_words(row.verdict))
        );
    }
    table += "</tbody></table></div>\n";
    out += &format!("<section>\n<h3>Verdicts per build</h3>\n{table}</section>\n");
    for (verdict, rows) in grouped(doc) {
        let title = match verdict {
            None => "not checked".to_string(),
            Some(v) => format!("worst: {}", v.words()),
        };
        let lines: String = rows
            .iter()
            .map(|p| package_details(p, &doc.builds))
            .collect();
        out += &format!(
            "<section>\n<h3>{} ({})</h3>\n{lines}</section>\n",
            escape(&title),
            rows.len()
        );
    }
    out + "</article>\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_are_grouped_by_verdict_one_line_each_with_details() {
        let source = Source {
            path: "many.json".into(),
            href: "data/many.json".into(),
        };
        let html = packages_article(
            &crate::report::packages::tests::three(),
            &source,
            "ext-many",
        );
        assert!(
            html.contains("1 of 3 packages ready on all 2 builds"),
            "{html}"
        );
        let (unchecked, gil, ready) = (
            html.find("<h3>not checked (1)</h3>").unwrap(),
            html.find("<h3>worst: works with the GIL (1)</h3>").unwrap(),
            html.find("<h3>worst: ready (1)</h3>").unwrap(),
        );
        assert!(unchecked < gil && gil < ready);
        assert_eq!(html.matches("<details>").count(), 3);
        assert!(html.contains("<summary><strong>b 1.0</strong> <span class=\"pill g-good\" title=\"3.13\">ready*</span> <span class=\"pill g-caution\" title=\"3.13t\">GIL</span> </summary>"), "{html}");
        assert!(html.contains("ready</span> (cached)"));
        assert!(html.contains("not checked: no sdist on PyPI"));
    }
}
