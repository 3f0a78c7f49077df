//! A list's matrix in the terminal (package × build, `*` from the cache),
//! the tally per build, what changed since `--since`, the files, and the
//! exit status `--fail-on` asks for.

use anyhow::Result;
use comfy_table::{Cell, Color};

use super::ManyJob;
use crate::commands::ext::render::new_table;
use crate::error::ChecksFailed;
use crate::report::packages::{cached_count, changes, markdown, matrix_cell, tally, verdict_words};
use crate::results::{self, ExtPackages, Grade, Readiness};

fn colour(v: Option<Readiness>) -> Color {
    match v.map(Readiness::grade) {
        Some(Grade::Good) => Color::Green,
        Some(Grade::Caution) => Color::Yellow,
        Some(Grade::Bad) => Color::Red,
        None => Color::DarkGrey,
    }
}

/// The matrix, then the tally, as the terminal shows them. Pure but for colours and width.
pub fn render_matrix(doc: &ExtPackages, color: bool, width: Option<u16>) -> String {
    let mut table = new_table(color, width);
    let mut header = vec!["package".to_string()];
    header.extend(doc.builds.iter().cloned());
    table.set_header(header);
    for p in &doc.packages {
        let mut row = vec![Cell::new(p.label())];
        for b in &doc.builds {
            row.push(Cell::new(matrix_cell(p, b)).fg(colour(p.on(b).map(|r| r.readiness))));
        }
        table.add_row(row);
    }
    let mut tallied = new_table(color, width);
    let mut header = vec!["verdicts".to_string()];
    header.extend(doc.builds.iter().cloned());
    tallied.set_header(header);
    for row in tally(doc) {
        let mut cells = vec![Cell::new(verdict_words(row.verdict)).fg(colour(row.verdict))];
        cells.extend(row.counts.iter().map(Cell::new));
        tallied.add_row(cells);
    }
    let mut out = vec![
        format!("Extension readiness: {} packages", doc.packages.len()),
        table.to_string(),
    ];
    let (cached, all) = cached_count(doc);
    out.push(match cached {
        0 => format!("{all} results checked now, none from the cache."),
        n if n == all => format!(
            "all {all} results from the cache (marked *): nothing changed since they were checked."
        ),
        n => format!(
            "{n} of {all} results from the cache (marked *), {} checked now.",
            all - n
        ),
    });
    out.push(tallied.to_string());
    for p in &doc.packages {
        if let Some(e) = &p.error {
            let how = if p.results.is_empty() {
                "not checked"
            } else {
                "partly checked"
            };
            out.push(format!("✗ {}: {how}: {e}", p.label()));
        }
        for r in p
            .results
            .iter()
            .filter(|r| r.readiness.grade() != Grade::Good)
        {
            out.push(format!("· {} on {}: {}", p.label(), r.interpreter, r.why));
        }
    }
    out.join("\n")
}

/// The terminal's output, the files, and the exit status.
pub fn present(job: &ManyJob, doc: &ExtPackages) -> Result<()> {
    let width = console::Term::stdout().size_checked().map(|(_, cols)| cols);
    println!("{}", render_matrix(doc, console::colors_enabled(), width));
    let changed = job.since.as_ref().map(|(_, rows)| changes(rows, doc));
    if let (Some((path, _)), Some(list)) = (&job.since, &changed) {
        println!("changes since {}:", path.display());
        match list.as_slice() {
            [] => println!("  none"),
            list => list.iter().for_each(|c| println!("  {}", c.line())),
        }
    }
    println!("wheels: {}", job.each.out_dir.display());
    let bytes = results::to_json(doc)?;
    if let Some(j) = &job.each.json {
        crate::report::write::write_atomically(j, &bytes)?;
    }
    if let Some(m) = &job.each.markdown {
        crate::report::write::write_atomically(m, markdown(doc, changed.as_deref()).as_bytes())?;
    }
    if let Some(dir) = &job.each.html {
        let (json, now) = (job.each.json.as_deref(), chrono::Utc::now());
        let said = crate::report::site::write_one(dir, json, "ext-packages.json", bytes, now)?;
        println!("{said}");
    }
    let mut failing: Vec<String> = doc
        .packages
        .iter()
        .filter(|p| p.error.is_some())
        .map(|p| {
            let unchecked: Vec<&str> = (doc.builds.iter())
                .filter(|b| p.on(b).is_none())
                .map(String::as_str)
                .collect();
            if p.results.is_empty() || unchecked.is_empty() {
                format!("{} (not checked)", p.label())
            } else {
                format!("{} (not checked on {})", p.label(), unchecked.join(", "))
            }
        })
        .collect();
    for p in &doc.packages {
        failing.extend(
            (p.results.iter())
                .filter(|r| job.each.fail_on.contains(&r.readiness))
                .map(|r| {
                    format!(
                        "{} on {} ({})",
                        p.label(),
                        r.interpreter,
                        r.readiness.words()
                    )
                }),
        );
    }
    if !failing.is_empty() {
        return Err(ChecksFailed(format!(
            "{} not ready: {}; see the matrix above (--fail-on chooses which verdicts fail).",
            if failing.len() == 1 {
                "one result is"
            } else {
                "some results are"
            },
            failing.join(", ")
        ))
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_matrix_marks_the_cache_and_tallies() {
        let doc = crate::report::packages::tests::three();
        let out = render_matrix(&doc, false, Some(120));
        assert!(out.contains("Extension readiness: 3 packages"), "{out}");
        assert!(out.contains("│ b 1.0   ┆ ready* ┆ GIL   │"), "{out}");
        assert!(
            out.contains("1 of 4 results from the cache (marked *), 3 checked now."),
            "{out}"
        );
        assert!(
            out.contains("│ not checked        ┆ 1    ┆ 1     │"),
            "{out}"
        );
        assert!(
            out.contains("✗ c 1.0: not checked: no sdist on PyPI"),
            "{out}"
        );
        assert!(
            out.contains("· b 1.0 on 3.13t: works with the GIL because"),
            "{out}"
        );
    }
}
