//! A self-contained static page of result files, for people to look at and
//! share: per benchmark the ratio of every configuration to its baseline
//! with its interval, scaling with threads, the trend across runs, and
//! where it was measured; comparisons; the extension readiness matrix.
//!
//! The page opens from disk: inline SVG (drawn by [`svg`] and [`charts`])
//! and inline CSS, no JavaScript, nothing fetched; the raw JSON files it
//! links to are copied beside it by the command. Pure: bytes in, text out.

pub mod charts;
mod ext;
mod ext_packages;
mod hosts;
mod memory;
mod scaling;
mod sections;
pub mod svg;

use chrono::{DateTime, Utc};

use crate::analysis::compare::Verdict;
use crate::report::documents::{histories, Document, Input, Source};
use crate::report::format;

/// Escapes text for HTML (and SVG) content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A link to a copied result file, named by the path it was given as.
fn source_link(source: &Source) -> String {
    format!(
        "<a class=\"raw\" href=\"{}\">{}</a>",
        escape(&source.href),
        escape(&source.path)
    )
}

/// An element id from a title: lowercase letters, digits and dashes, made
/// unique by its position.
fn anchor(prefix: &str, title: &str, index: usize) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    format!("{prefix}-{}-{index}", slug.trim_matches('-'))
}

/// What the page shows, one entry per article, for the contents list.
struct Article {
    id: String,
    title: String,
    html: String,
}

/// The page's articles, in order: each benchmark's runs (per engine), the
/// benchmarks run on several engines side by side, then comparisons and ext
/// results file by file.
fn articles(inputs: &[Input]) -> Vec<Article> {
    let mut articles: Vec<Article> = vec![];
    let runs = histories(inputs);
    // The parts of one run at several thread counts: how each scales, first:
    // the one picture of the run, each part's own card after it.
    for (i, (title, parts)) in scaling::groups(&runs).iter().enumerate() {
        let id = anchor("scaling", title, i);
        articles.push(Article {
            title: format!("{title} scaling"),
            html: scaling::article(title, parts, &id),
            id,
        });
    }
    for (i, history) in runs.iter().enumerate() {
        let id = anchor("run", history.benchmark, i);
        articles.push(Article {
            title: history.title(),
            html: sections::run_article(history, &id),
            id,
        });
    }
    // One benchmark on several engines: their newest runs side by side.
    for (i, group) in hosts::groups(&runs).iter().enumerate() {
        let id = anchor("hosts", group[0].benchmark, i);
        articles.push(Article {
            title: format!("{} across hosts", group[0].benchmark),
            html: hosts::article(group, &id),
            id,
        });
    }
    for (i, input) in inputs.iter().enumerate() {
        match &input.document {
            Document::Run(_) => {}
            Document::Compare(docs) => {
                for (j, doc) in docs.iter().enumerate() {
                    let id = anchor("compare", &doc.benchmark, i * 1000 + j);
                    articles.push(Article {
                        title: format!("compare {}", doc.benchmark),
                        html: sections::compare_article(doc, &input.source, &id),
                        id,
                    });
                }
            }
            Document::ExtMatrix(m) => {
                let id = anchor("ext", "matrix", i);
                articles.push(Article {
                    title: "ext import matrix".into(),
                    html: ext::matrix_article(m, &input.source, &id),
                    id,
                });
            }
            Document::ExtPackage(p) => {
                let id = anchor("ext", &p.package, i);
                articles.push(Article {
                    title: format!("ext {}", p.package),
                    html: ext::package_article(p, &input.source, &id),
                    id,
                });
            }
            Document::ExtPackages(p) => {
                let id = anchor("ext", "packages", i);
                articles.push(Article {
                    title: format!("ext {} packages", p.packages.len()),
                    html: ext_packages::packages_article(p, &input.source, &id),
                    id,
                });
            }
        }
    }
    articles
}

/// The whole page for `inputs`; `generated` is when, for the footer.
pub fn render(inputs: &[Input], generated: DateTime<Utc>) -> String {
    let articles = articles(inputs);
    let titles: Vec<&str> = articles.iter().map(|a| a.title.as_str()).collect();
    let mut page = String::new();
    page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    // No favicon request: the page fetches nothing.
    page += "<link rel=\"icon\" href=\"data:,\">\n";
    page += &format!(
        "<title>pybench-docker: {}</title>\n",
        escape(&titles.join(", "))
    );
    page += &format!("<style>\n{}</style>\n</head>\n<body>\n", css());
    page += &header(inputs, &titles, generated);
    if articles.len() > 1 {
        page += "<nav class=\"toc\" aria-label=\"contents\"><span>On this page:</span>";
        for a in &articles {
            page += &format!("<a href=\"#{}\">{}</a>", escape(&a.id), escape(&a.title));
        }
        page += "</nav>\n";
    }
    page += "<main>\n";
    for a in &articles {
        page += &a.html;
        page += "\n";
    }
    page += "</main>\n";
    page += &format!(
        "<footer>Generated {} by pybench-docker {} from {} · every figure on this page \
         comes from the linked JSON files.</footer>\n</body>\n</html>\n",
        generated.format("%Y-%m-%d %H:%M UTC"),
        escape(env!("CARGO_PKG_VERSION")),
        plural(inputs.len(), "result file", "result files"),
    );
    page
}

pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The page's heading: what it shows, on which hosts, over which dates.
fn header(inputs: &[Input], titles: &[&str], generated: DateTime<Utc>) -> String {
    // Each host once, with its CPU model where some run recorded it.
    let mut hosts: Vec<(String, Option<String>)> = vec![];
    let mut dates: Vec<DateTime<Utc>> = vec![];
    for input in inputs {
        if let Document::Run(report) = &input.document {
            let cpu = report
                .rows
                .iter()
                .flat_map(|r| &r.samples)
                .find_map(|s| s.host.as_ref()?.cpu_model.clone());
            let host = format::host(report);
            match hosts.iter_mut().find(|(h, _)| *h == host) {
                Some((_, known)) => {
                    if known.is_none() {
                        *known = cpu;
                    }
                }
                None => hosts.push((host, cpu)),
            }
            dates.push(report.started_at);
        }
    }
    let hosts: Vec<String> = hosts
        .into_iter()
        .map(|(host, cpu)| match cpu {
            Some(cpu) => format!("{host} · {}", format::one_line(&cpu)),
            None => host,
        })
        .collect();
    let mut out = String::from("<header class=\"top\">\n<h1>pybench-docker report</h1>\n");
    out += &format!("<p class=\"lead\">{}</p>\n", escape(&titles.join(" · ")));
    for host in &hosts {
        out += &format!("<p class=\"host\"><b>Host</b> {}</p>\n", escape(host));
    }
    let span = match (dates.iter().min(), dates.iter().max()) {
        (Some(a), Some(b)) if a.date_naive() != b.date_naive() => format!(
            " · measured {} to {}",
            a.format("%Y-%m-%d"),
            b.format("%Y-%m-%d")
        ),
        (Some(a), _) => format!(" · measured {}", a.format("%Y-%m-%d %H:%M UTC")),
        _ => String::new(),
    };
    out += &format!(
        "<p class=\"meta\">{}{span} · generated {}</p>\n</header>\n",
        plural(inputs.len(), "result file", "result files"),
        generated.format("%Y-%m-%d %H:%M UTC")
    );
    out
}

/// The style sheet: a light theme, readable system fonts, verdict colours
/// from [`charts::verdict_colour`].
fn css() -> String {
    let mut css = String::from(
        r#":root {
  --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #eaeef2;
  --page: #f6f8fa; --card: #ffffff; --link: #0969da;
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--page); color: var(--ink);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
        "Liberation Sans", "DejaVu Sans", sans-serif;
}
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono {
  font-family: ui-monospace, SFMono-Regular, Menlo, "DejaVu Sans Mono", "Liberation Mono", monospace;
  font-size: 12.5px;
}
header.top { background: var(--card); border-bottom: 1px solid var(--line); padding: 22px 0 16px; }
header.top > *, nav.toc, main, footer { max-width: 1160px; margin-left: auto; margin-right: auto; padding-left: 24px; padding-right: 24px; }
h1 { font-size: 26px; margin-top: 0; margin-bottom: 4px; letter-spacing: -0.01em; }
.lead { font-size: 18px; margin-top: 0; margin-bottom: 6px; }
.host, .meta { color: var(--muted); margin-top: 2px; margin-bottom: 2px; }
.host b { color: var(--ink); font-weight: 600; margin-right: 6px; }
nav.toc { padding-top: 14px; padding-bottom: 0; display: flex; flex-wrap: wrap; gap: 6px 14px; color: var(--muted); font-size: 14px; }
main { padding-top: 18px; padding-bottom: 8px; }
article.card {
  background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 20px 24px 12px; margin-bottom: 22px;
}
.card-head h2 { font-size: 21px; margin: 0 0 2px; }
.card-head .sub { color: var(--muted); margin: 0 0 6px; }
section { border-top: 1px solid var(--soft); padding-top: 6px; margin-top: 14px; }
h4 { font-size: 14px; margin: 14px 0 4px; }
section h3 { font-size: 15px; margin: 6px 0 8px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
figure { margin: 0 0 10px; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; max-width: 880px; }
.trends { display: flex; flex-wrap: wrap; gap: 10px 18px; }
.trends figure { flex: 1 1 400px; max-width: 540px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 10px; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--soft); text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--line); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.baseline td:first-child { font-weight: 600; }
td:first-child, td code { white-space: nowrap; }
.pill { display: inline-block; padding: 0 8px; border-radius: 999px; border: 1px solid currentColor; font-size: 12.5px; font-weight: 600; white-space: nowrap; }
.muted { color: var(--muted); }
.note { background: #fff8c5; border: 1px solid #eed888; border-radius: 6px; padding: 6px 10px; font-size: 13.5px; margin: 6px 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 4px 0 12px; font-size: 14px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
td.pass { color: #1a7f37; } td.fail { color: #cf222e; font-weight: 600; }
td.empty { color: #afb8c1; text-align: center; }
.g-good { color: #1a7f37; } .g-caution { color: #9a6700; } .g-bad { color: #cf222e; }
details pre { white-space: pre-wrap; max-height: 18em; overflow: auto; background: var(--page); padding: 8px; border-radius: 6px; }
footer { color: var(--muted); font-size: 13px; padding-top: 4px; padding-bottom: 28px; }
"#,
    );
    for v in [
        Verdict::Improved,
        Verdict::Similar,
        Verdict::Degraded,
        Verdict::NotDistinguishable,
        Verdict::Baseline,
    ] {
        css += &format!(
            ".v-{} {{ color: {}; }}\n",
            v.as_str(),
            charts::verdict_colour(v)
        );
    }
    css
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::report::documents::read;
    use crate::report::documents::tests::{
        comparison_json, ext_matrix_json, ext_package_json, input,
    };
    use crate::report::fixture;

    fn generated() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 2, 9, 0, 0).unwrap()
    }

    fn run(name: &str, report: crate::results::Report) -> Input {
        input(name, Document::Run(Box::new(report)))
    }

    /// The `<svg` elements of a page, each from its start to its end.
    fn charts(page: &str) -> Vec<&str> {
        page.match_indices("<svg")
            .map(|(i, _)| &page[i..i + page[i..].find("</svg>").unwrap() + 6])
            .collect()
    }

    #[test]
    fn escaping_covers_the_five_characters() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("3.13t ×2 ✨"), "3.13t ×2 ✨");
    }

    #[test]
    fn a_page_has_a_chart_per_benchmark_and_links_its_files() {
        let gil = fixture::report();
        let mut jit = fixture::report();
        jit.benchmark = "jit".into();
        let page = render(&[run("gil.json", gil), run("jit.json", jit)], generated());
        assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
        assert_eq!(page.matches("class=\"chart ratio\"").count(), 2);
        assert_eq!(page.matches("<article ").count(), 2);
        for chart in charts(&page) {
            svg::tests::assert_well_formed(chart);
            assert!(chart.contains("class=\"datum\""), "{chart}");
        }
        assert!(page.contains("<a class=\"raw\" href=\"data/gil.json\">gil.json</a>"));
        assert!(page.contains("<a href=\"#run-jit-1\">jit</a>"));
        // Header: the benchmarks and the host; provenance: images, commands.
        assert!(page.contains("<p class=\"lead\">gil · jit</p>"));
        assert!(page.contains("8 CPUs · linux/x86_64 · Docker 27.3.1"));
        assert!(page.contains("pybench-docker/cpython:3.13t"));
        assert!(page.contains("<code>python3.13t -X gil=1 /bench/gil.py --threads 4</code>"));
        assert!(page.contains("Generated 2025-06-02 09:00 UTC"));
        // Nothing that would need a network or a script.
        for banned in ["<script", "http://", "https://", "@import", "url("] {
            let allowed = banned == "http://"
                && page.matches(banned).count()
                    == page.matches("http://www.w3.org/2000/svg").count();
            assert!(!page.contains(banned) || allowed, "{banned}");
        }
    }

    #[test]
    fn text_from_the_files_is_escaped() {
        let mut report = fixture::report();
        report.benchmark = "<script>alert('x')</script>".into();
        report.rows[4].outcome = crate::results::Outcome::Failed {
            reason: "bad <i> & \"quoted\"".into(),
            stderr_tail: String::new(),
        };
        let page = render(&[run("a&b.json", report)], generated());
        assert!(!page.contains("<script>") && !page.contains("<i>"));
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(page.contains("failed: bad &lt;i&gt; &amp; &quot;quoted&quot;"));
        assert!(page.contains(">a&amp;b.json</a>"));
    }

    #[test]
    fn several_runs_of_a_benchmark_show_its_history() {
        let early = fixture::report();
        let mut late = fixture::report();
        late.started_at += chrono::Duration::days(7);
        late.session = "later".into();
        let page = render(
            &[run("late.json", late), run("early.json", early)],
            generated(),
        );
        // One article for the benchmark: the newest run, and its history.
        assert_eq!(page.matches("<article ").count(), 1);
        assert_eq!(page.matches("class=\"chart ratio\"").count(), 1);
        assert_eq!(page.matches("class=\"chart trend\"").count(), 2);
        assert!(page.contains("2 runs of gil from 2025-06-01 to 2025-06-08"));
        assert!(page.contains("Earlier runs"));
        assert!(page.contains("href=\"data/early.json\""));
        let single = render(&[run("one.json", fixture::report())], generated());
        assert!(!single.contains("class=\"chart trend\"") && !single.contains("History"));
    }

    #[test]
    fn comparisons_and_extension_checks_get_their_own_articles() {
        let inputs = vec![
            input("c.json", read("c.json", &comparison_json()).unwrap()),
            input("ext.json", read("ext.json", &ext_matrix_json()).unwrap()),
            input("pkg.json", read("pkg.json", &ext_package_json()).unwrap()),
        ];
        let page = render(&inputs, generated());
        assert_eq!(page.matches("<article ").count(), 3);
        assert_eq!(page.matches("class=\"chart ratio\"").count(), 1);
        assert!(page.contains("B = b.json against A = a.json"));
        assert!(page.contains("only in B: 3.14"));
        // The import matrix: a column per configuration, a row per module.
        assert!(page.contains("<th>3.13t PYTHON_GIL=0</th>"));
        assert!(page.contains("3.13-greeter_stock.so"));
        assert!(page.contains("error: &lt;x&gt; &amp; y"));
        assert!(page.contains("1 of 2 import checks as expected · 1 of 2 compiles succeeded"));
        // The package: a verdict per interpreter.
        assert!(page.contains("ext · pb 1.0 (sdist)"));
        assert!(page.contains("works with the GIL"));
        assert!(page.contains("on: re-enabled by pb._speedups"));
        assert!(page.contains("1 of 3 builds ready"));
        assert!(page.contains("crashes &lt;why&gt;"));
    }

    #[test]
    fn anchors_are_unique_and_safe() {
        assert_eq!(
            anchor("run", "my_bench.py:sort", 3),
            "run-my-bench-py-sort-3"
        );
        assert_eq!(anchor("ext", "<x>", 0), "ext-x-0");
    }
}
