//! `report --markdown`: the verdicts of a set of result files as compact
//! GitHub-flavoured Markdown for a pull request. A table per benchmark (its
//! newest run, with the ratios of earlier runs when there are some), per
//! comparison, and per extension check. Pure.

use super::documents::{histories, CompareDoc, Document, History};
use super::format::{self, Status};
use super::markdown::{cell, code};
use super::table::ratio_with_ci;
use crate::analysis::compare::{Comparison, Verdict};
use crate::results::{ExtMatrix, ExtPackage, Grade};

/// The summary of `inputs`.
pub fn render(inputs: &[crate::report::documents::Input]) -> String {
    let runs = histories(inputs);
    let mut titles: Vec<String> = vec![];
    let mut parts: Vec<String> = vec![];
    // A run's parts at several thread counts: how each scales, first.
    for (title, group) in super::scaling::groups(&runs) {
        parts.push(format!(
            "### `{}` scaling\n\n{}",
            code(&title),
            super::scaling::markdown(&group)
        ));
        titles.push(format!("{title} scaling"));
    }
    titles.extend(runs.iter().map(|h| h.title()));
    parts.extend(runs.iter().map(run));
    for input in inputs {
        match &input.document {
            Document::Run(_) => {}
            Document::Compare(docs) => {
                for doc in docs {
                    titles.push(format!("compare {}", doc.benchmark));
                    parts.push(compare(doc));
                }
            }
            Document::ExtMatrix(m) => {
                titles.push("ext".into());
                parts.push(matrix(m));
            }
            Document::ExtPackage(p) => {
                titles.push(format!("ext {}", p.package));
                parts.push(package(p));
            }
            Document::ExtPackages(p) => {
                titles.push(format!("ext {} packages", p.packages.len()));
                parts.push(super::packages::markdown(p, None));
            }
        }
    }
    format!(
        "## pybench-docker: {}\n\n{}",
        cell(&titles.join(" · ")),
        parts.join("\n")
    )
}

/// "**2 improved**, 1 degraded, 3 similar (of 6)".
fn tally(verdicts: &[Verdict]) -> String {
    let mut parts = vec![];
    for v in [
        Verdict::Improved,
        Verdict::Degraded,
        Verdict::Similar,
        Verdict::NotDistinguishable,
    ] {
        let n = verdicts.iter().filter(|x| **x == v).count();
        if n > 0 {
            parts.push(format!("**{n} {}**", v.words()));
        }
    }
    match parts.is_empty() {
        true => "no configuration compared".to_string(),
        false => parts.join(", "),
    }
}

fn p_text(c: &Comparison) -> String {
    c.p_value.map_or_else(|| "—".to_string(), format::p_value)
}

/// A benchmark: its newest run's verdicts, with earlier runs' ratios.
fn run(history: &History) -> String {
    let (report, _) = history.newest();
    let comparisons = history.newest_comparisons();
    let earlier = history.earlier();
    let verdicts: Vec<Verdict> = comparisons
        .iter()
        .zip(&report.rows)
        .filter(|(_, row)| row.outcome.is_ok() && !report.is_baseline(row))
        .filter_map(|(rc, _)| rc.comparison.map(|c| c.verdict))
        .collect();
    let mut out = format!(
        "### `{}`\n\n{} · {} · baseline `{}` · {}\n\n{}\n\n",
        code(&format::invocation(report)),
        cell(&format::host(report)),
        report.started_at.format("%Y-%m-%d %H:%M UTC"),
        code(&report.baseline),
        cell(&format::repetitions(report)),
        tally(&verdicts),
    );
    out += "| Configuration | Ratio [95% CI] | p | Status |";
    let memory = comparisons.iter().any(|c| c.memory.is_some());
    if memory {
        out += " Peak memory | Memory ratio [95% CI] |";
    }
    if !earlier.is_empty() {
        out += " Earlier runs |";
    }
    out += "\n|---|--:|--:|---|";
    if memory {
        out += "--:|--:|";
    }
    if !earlier.is_empty() {
        out += "---|";
    }
    out += "\n";
    for (row, rc) in report.rows.iter().zip(comparisons) {
        let comparison = rc.comparison.filter(|_| row.outcome.is_ok());
        let (ratio, p) = match &comparison {
            Some(c) => (ratio_with_ci(c), p_text(c)),
            None => ("—".into(), "—".into()),
        };
        let status = match Status::of(row, rc) {
            Status::Verdict(v) => format!("**{v}**"),
            other => cell(&other.text()),
        };
        out += &format!("| `{}` | {ratio} | {p} | {status} |", code(&row.label()));
        if memory {
            out += &memory_cells(rc.memory.as_ref());
        }
        if !earlier.is_empty() {
            let label = row.label();
            let before: Vec<String> = (0..earlier.len())
                .map(|k| {
                    history
                        .ratio_in(k, &label)
                        .map_or_else(|| "—".to_string(), |c| format::ratio(c.ratio))
                })
                .collect();
            out += &format!(" {} |", before.join(" → "));
        }
        out += "\n";
    }
    let note = match earlier.len() {
        0 => String::new(),
        1 => "\nEarlier runs: the ratio in the run before this one.\n".to_string(),
        n => format!("\nEarlier runs: the ratio in each of the {n} runs before, oldest first.\n"),
    };
    out + &note
}

/// A row's peak memory and its ratio with the verdict, as two cells.
fn memory_cells(m: Option<&crate::analysis::memory::RowMemory>) -> String {
    match m {
        Some(m) => {
            let ratio = m.comparison.map_or("—".into(), |c| {
                format!(
                    "{} {}",
                    cell(&super::memory::ratio_cell(&c)),
                    c.verdict.words()
                )
            });
            format!(" {} | {ratio} |", cell(&super::memory::peak_cell(m)))
        }
        None => " — | — |".into(),
    }
}

fn compare(doc: &CompareDoc) -> String {
    let verdicts: Vec<Verdict> = doc
        .rows
        .iter()
        .filter_map(|p| p.comparison.map(|c| c.verdict))
        .collect();
    let mut out = format!(
        "### compare `{}`: B = {} against A = {}\n\n{}\n\n\
         | Configuration | B / A [95% CI] | p | Status |\n|---|--:|--:|---|\n",
        code(&doc.benchmark),
        cell(&doc.b),
        cell(&doc.a),
        tally(&verdicts),
    );
    for p in &doc.rows {
        let (ratio, pv, status) = match &p.comparison {
            Some(c) => (ratio_with_ci(c), p_text(c), format!("**{}**", c.verdict)),
            None => ("—".into(), "—".into(), "not completed".into()),
        };
        out += &format!("| `{}` | {ratio} | {pv} | {status} |\n", code(&p.label));
    }
    out
}

fn matrix(m: &ExtMatrix) -> String {
    let passed = m.checks.iter().filter(|c| c.passed).count();
    let compiled = m.compiles.iter().filter(|c| c.ok).count();
    let mut out = format!(
        "### ext: import matrix\n\n**{passed} of {} checks as expected**, {compiled} of {} compiles.\n",
        m.checks.len(),
        m.compiles.len()
    );
    let failed: Vec<String> = m
        .compiles
        .iter()
        .filter(|c| !c.ok)
        .map(|c| {
            format!(
                "- compiling `{}` for `{}` failed",
                code(&c.compile.source),
                code(&c.compile.build)
            )
        })
        .chain(m.checks.iter().filter(|c| !c.passed).map(|c| {
            format!(
                "- `{}` in `{}`: {} (expected {})",
                code(&c.check.output),
                code(&c.check.configuration()),
                cell(&c.verdict),
                cell(c.check.expect.as_str())
            )
        }))
        .collect();
    if !failed.is_empty() {
        out += &format!("\n{}\n", failed.join("\n"));
    }
    out
}

fn package(p: &ExtPackage) -> String {
    let mut out = format!(
        "### ext: {}\n\n| Interpreter | Wheel | Verdict | Why |\n|---|---|---|---|\n",
        cell(&p.package)
    );
    let mut ready = 0;
    for r in &p.results {
        let (words, grade) = (r.readiness.words(), r.readiness.grade());
        if grade == Grade::Good {
            ready += 1;
        }
        out += &format!(
            "| `{}` | {} | **{}** | {} |\n",
            code(&r.interpreter),
            cell(r.abi_tag().unwrap_or("—")),
            cell(words),
            cell(&r.why)
        );
    }
    out += &format!("\n{ready} of {} builds ready.\n", p.results.len());
    out + &crate::report::races::races_markdown(&p.results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::documents::read;
    use crate::report::documents::tests::{
        comparison_json, ext_matrix_json, ext_package_json, input,
    };
    use crate::report::fixture;

    #[test]
    fn a_runs_parts_at_several_thread_counts_get_their_scaling_table_first() {
        let whole = crate::report::scaling::tests::two_patterns();
        let inputs: Vec<_> = crate::report::split::split(&whole)
            .into_iter()
            .map(|(name, part)| input(&format!("r.{name}.json"), Document::Run(Box::new(part))))
            .collect();
        let text = render(&inputs);
        assert!(
            text.starts_with("## pybench-docker: ftscalingbench scaling · ftscalingbench:fast"),
            "{text}"
        );
        assert!(
            text.contains("### `ftscalingbench` scaling\n\n| Pattern |"),
            "{text}"
        );
        assert!(text.contains("| locked | 3.14t ×2 |"), "{text}");
    }

    #[test]
    fn memory_adds_its_peak_and_ratio_to_each_row() {
        let text = render(&[input(
            "gil.json",
            Document::Run(Box::new(fixture::report_with_memory())),
        )]);
        assert!(
            text.contains(
                "| Status | Peak memory | Memory ratio [95% CI] |\n|---|--:|--:|---|--:|--:|"
            ),
            "{text}"
        );
        let ft = text.lines().find(|l| l.starts_with("| `3.13t` |")).unwrap();
        assert!(
            ft.contains("| 19.3 MiB ± 0.0 | 1.245× \\[") && ft.ends_with("degraded |"),
            "{ft}"
        );
        let gil = text
            .lines()
            .find(|l| l.starts_with("| `3.13t -X gil=1` |"))
            .unwrap();
        assert!(gil.ends_with("| — | — |"), "{gil}");
    }

    #[test]
    fn a_run_gives_its_verdicts_in_one_table() {
        let text = render(&[input(
            "gil.json",
            Document::Run(Box::new(fixture::report())),
        )]);
        let expected = "\
## pybench-docker: gil

### `gil --threads 4`

8 CPUs · linux/x86\\_64 · Docker 27.3.1 · 2025-06-01 14:03 UTC · baseline `3.13` · 5 processes (+1 warm-up) × 1 value each

**1 improved**, **1 similar**

| Configuration | Ratio [95% CI] | p | Status |
|---|--:|--:|---|
| `system` | 1.04× [1.04–1.05] | <0.001 | **similar** |
| `3.13` | 1.00× | — | **baseline** |
| `3.13t` | 0.30× [0.29–0.31] | <0.001 | **improved** |
| `3.13t -X gil=1` | — | — | timed out after 600 s |
| `3.13j` | — | — | failed: exit code 139 (SIGSEGV) |
";
        assert_eq!(text, expected);
    }

    #[test]
    fn earlier_runs_add_their_ratios() {
        let early = fixture::report();
        let mut late = fixture::report();
        late.started_at += chrono::Duration::days(1);
        late.session = "late".into();
        let text = render(&[
            input("late.json", Document::Run(Box::new(late))),
            input("early.json", Document::Run(Box::new(early))),
        ]);
        assert_eq!(text.matches("### ").count(), 1);
        assert!(text.contains("| Status | Earlier runs |"));
        assert!(text.contains("| `3.13t` | 0.30× [0.29–0.31] | <0.001 | **improved** | 0.30× |"));
        assert!(text.contains("| `3.13j` | — | — | failed: exit code 139 (SIGSEGV) | — |"));
    }

    #[test]
    fn comparisons_and_extension_checks_are_summarized() {
        let text = render(&[
            input("c.json", read("c.json", &comparison_json()).unwrap()),
            input("e.json", read("e.json", &ext_matrix_json()).unwrap()),
            input("p.json", read("p.json", &ext_package_json()).unwrap()),
        ]);
        assert!(text.starts_with("## pybench-docker: compare gil · ext · ext pb 1.0 (sdist)"));
        assert!(text.contains("### compare `gil`: B = b.json against A = a.json"));
        assert!(text.contains("| `system` | 1.30×"), "{text}");
        assert!(text.contains("| `3.13j` | — | — | not completed |"));
        assert!(text.contains("**1 of 2 checks as expected**, 1 of 2 compiles."));
        assert!(text.contains("- compiling `greeter.c` for `3.13t` failed"));
        assert!(text.contains(
            "- `3.13-greeter_stock.so` in `3.13t PYTHON_GIL=0`: import failed: X (expected abi-mismatch)"
        ));
        assert!(text.contains(
            "| `3.13t` | cp313t | **works with the GIL** | works with the GIL \\<why> |"
        ));
        assert!(text.contains("1 of 3 builds ready."));
    }

    #[test]
    fn tallies_count_verdicts() {
        use Verdict::*;
        assert_eq!(
            tally(&[Improved, Improved, Degraded, Baseline]),
            "**2 improved**, **1 degraded**"
        );
        assert_eq!(tally(&[]), "no configuration compared");
    }
}
