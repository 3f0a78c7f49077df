//! Many packages' readiness (`ext --pypi A B …`, `ext -r FILE`): what a
//! tracker publishes. The count of each verdict per build, what changed
//! since an earlier file, and the matrix as Markdown. Pure.

use super::markdown::{cell, code};
use crate::packages::wheel_tags::normalize;
use crate::results::{ExtPackages, PackageRow, Readiness};

/// A row of the tally: a verdict (None: the package was not checked) and
/// how many packages got it on each build, in `builds`' order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyRow {
    pub verdict: Option<Readiness>,
    pub counts: Vec<usize>,
}

/// How many packages got each verdict on each build; verdicts nobody got
/// are left out. A package counts as not checked on each build it has no
/// result for, so each build's column adds up to the list's length.
pub fn tally(doc: &ExtPackages) -> Vec<TallyRow> {
    let mut rows: Vec<TallyRow> = Readiness::ALL
        .iter()
        .map(|v| TallyRow {
            verdict: Some(*v),
            counts: doc
                .builds
                .iter()
                .map(|b| {
                    (doc.packages.iter())
                        .filter(|p| p.on(b).is_some_and(|r| r.readiness == *v))
                        .count()
                })
                .collect(),
        })
        .collect();
    // Per build: a row whose cached results were kept while its preparation
    // failed has a verdict on some builds and is not checked on the others.
    rows.push(TallyRow {
        verdict: None,
        counts: (doc.builds.iter())
            .map(|b| doc.packages.iter().filter(|p| p.on(b).is_none()).count())
            .collect(),
    });
    rows.retain(|r| r.counts.iter().any(|c| *c > 0));
    rows
}

/// What a tally row is called.
pub fn verdict_words(v: Option<Readiness>) -> &'static str {
    v.map_or("not checked", Readiness::words)
}

/// One difference between an earlier file and this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A build's verdict changed (or the package's version with it).
    Verdict {
        package: String,
        build: String,
        before: Readiness,
        after: Readiness,
    },
    /// A package or a build's result that the earlier file did not have.
    New { package: String, build: String },
    /// A build the earlier file had a verdict for and this one has none:
    /// the package (or this build's check) failed this time.
    NotChecked {
        package: String,
        build: String,
        before: Readiness,
    },
    /// A package the earlier file had and this one has not.
    Gone { package: String },
    /// Its version changed; the verdicts are listed on their own.
    Version {
        package: String,
        before: String,
        after: String,
    },
}

impl Change {
    pub fn line(&self) -> String {
        match self {
            Change::Verdict {
                package,
                build,
                before,
                after,
            } => format!(
                "{package} on {build}: {} → {}",
                before.words(),
                after.words()
            ),
            Change::New { package, build } => format!("{package} on {build}: new"),
            Change::NotChecked {
                package,
                build,
                before,
            } => format!(
                "{package} on {build}: {} → not checked (see its error)",
                before.words()
            ),
            Change::Gone { package } => format!("{package}: no longer in the list"),
            Change::Version {
                package,
                before,
                after,
            } => format!("{package}: version {before} → {after}"),
        }
    }
}

/// Every difference between `before` (an earlier file's rows) and `now`,
/// rows matched on the package's name (PEP 503: case and `-_.` aside),
/// results on the build's name.
pub fn changes(before: &[PackageRow], now: &ExtPackages) -> Vec<Change> {
    let same = |a: &PackageRow, b: &PackageRow| normalize(&a.name) == normalize(&b.name);
    let mut out = Vec::new();
    for row in &now.packages {
        let Some(old) = before.iter().find(|o| same(o, row)) else {
            out.extend(row.results.iter().map(|r| Change::New {
                package: row.name.clone(),
                build: r.interpreter.clone(),
            }));
            continue;
        };
        if let (Some(a), Some(b)) = (&old.version, &row.version) {
            if a != b {
                out.push(Change::Version {
                    package: row.name.clone(),
                    before: a.clone(),
                    after: b.clone(),
                });
            }
        }
        for r in &row.results {
            match old.on(&r.interpreter) {
                Some(o) if o.readiness != r.readiness => out.push(Change::Verdict {
                    package: row.name.clone(),
                    build: r.interpreter.clone(),
                    before: o.readiness,
                    after: r.readiness,
                }),
                Some(_) => {}
                None => out.push(Change::New {
                    package: row.name.clone(),
                    build: r.interpreter.clone(),
                }),
            }
        }
        for o in old
            .results
            .iter()
            .filter(|o| row.on(&o.interpreter).is_none())
        {
            out.push(Change::NotChecked {
                package: row.name.clone(),
                build: o.interpreter.clone(),
                before: o.readiness,
            });
        }
    }
    for old in before {
        if !now.packages.iter().any(|p| same(p, old)) {
            out.push(Change::Gone {
                package: old.name.clone(),
            });
        }
    }
    out
}

/// The matrix cell of a package on a build: its short verdict, `*` when
/// it came from the cache; "—" when it was not checked there.
pub fn matrix_cell(row: &PackageRow, build: &str) -> String {
    match row.on(build) {
        None => "—".into(),
        Some(r) if row.cached.iter().any(|c| c == build) => format!("{}*", r.readiness.short()),
        Some(r) => r.readiness.short().into(),
    }
}

/// Packages grouped under their worst verdict, worst group first; those
/// not checked on some build (as `tally` counts them) first of all.
/// Within a group, the list's order.
pub fn grouped(doc: &ExtPackages) -> Vec<(Option<Readiness>, Vec<&PackageRow>)> {
    let mut groups: Vec<(Option<Readiness>, Vec<&PackageRow>)> = Vec::new();
    for p in &doc.packages {
        let unchecked = p.error.is_some() || doc.builds.iter().any(|b| p.on(b).is_none());
        let key = if unchecked { None } else { p.worst() };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, rows)) => rows.push(p),
            None => groups.push((key, vec![p])),
        }
    }
    // None (not checked) sorts as the worst of all.
    groups.sort_by_key(|(k, _)| std::cmp::Reverse(k.map_or(usize::MAX, |v| v as usize)));
    groups
}

/// How many results came from the cache, of all.
pub fn cached_count(doc: &ExtPackages) -> (usize, usize) {
    let all = doc.packages.iter().map(|p| p.results.len()).sum();
    let cached = doc.packages.iter().map(|p| p.cached.len()).sum();
    (cached, all)
}

/// The matrix, the tally and the changes as Markdown for a tracker's page
/// or a pull request.
pub fn markdown(doc: &ExtPackages, changed: Option<&[Change]>) -> String {
    let builds = &doc.builds;
    let header = |first: &str| {
        let cols: Vec<String> = builds.iter().map(|b| format!("`{}`", code(b))).collect();
        format!(
            "| {first} | {} |\n|---|{}\n",
            cols.join(" | "),
            "---|".repeat(builds.len())
        )
    };
    let mut out = format!(
        "### ext: {} packages\n\n{}",
        doc.packages.len(),
        header("Package")
    );
    for p in &doc.packages {
        let cells: Vec<String> = builds.iter().map(|b| cell(&matrix_cell(p, b))).collect();
        out += &format!("| {} | {} |\n", cell(&p.label()), cells.join(" | "));
    }
    let (cached, all) = cached_count(doc);
    if cached > 0 {
        out += &format!("\n\\* from the cache: {cached} of {all} results.\n");
    }
    out += &format!("\n#### Verdicts per build\n\n{}", header("Verdict"));
    for row in tally(doc) {
        let counts: Vec<String> = row.counts.iter().map(|c| c.to_string()).collect();
        out += &format!(
            "| {} | {} |\n",
            verdict_words(row.verdict),
            counts.join(" | ")
        );
    }
    let not_checked: Vec<String> = (doc.packages.iter())
        .filter_map(|p| {
            Some(format!(
                "- {}: {}",
                cell(&p.label()),
                cell(p.error.as_ref()?)
            ))
        })
        .collect();
    if !not_checked.is_empty() {
        out += &format!("\n#### Not checked\n\n{}\n", not_checked.join("\n"));
    }
    if let Some(changed) = changed {
        out += "\n#### Changes since the earlier file\n\n";
        out += &match changed {
            [] => "None.\n".to_string(),
            list => list
                .iter()
                .map(|c| format!("- {}\n", cell(&c.line())))
                .collect(),
        };
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::results::{BuildOutcome, PackageResult};

    pub(crate) fn result(build: &str, readiness: Readiness) -> PackageResult {
        PackageResult {
            interpreter: build.into(),
            free_threaded: build.ends_with('t'),
            build: BuildOutcome {
                built: readiness != Readiness::BuildFails,
                ..Default::default()
            },
            modules: vec![],
            smoke: None,
            tests: None,
            graph: None,
            tsan: None,
            readiness,
            why: format!("{} because", readiness.words()),
        }
    }

    pub(crate) fn row(name: &str, verdicts: &[(&str, Readiness)]) -> PackageRow {
        PackageRow {
            name: name.into(),
            version: Some("1.0".into()),
            source: format!("{name} 1.0 from PyPI"),
            identity: "sha256:00".into(),
            build_requires: vec![],
            results: verdicts.iter().map(|(b, v)| result(b, *v)).collect(),
            cached: vec![],
            engine: None,
            error: None,
        }
    }

    pub(crate) fn three() -> ExtPackages {
        use Readiness::*;
        let mut c = row("c", &[]);
        c.error = Some("no sdist on PyPI".into());
        let mut b = row("b", &[("3.13", Ready), ("3.13t", NeedsGil)]);
        b.cached = vec!["3.13".into()];
        ExtPackages {
            builds: vec!["3.13".into(), "3.13t".into()],
            packages: vec![row("a", &[("3.13", Ready), ("3.13t", Ready)]), b, c],
            session: "s".into(),
        }
    }

    #[test]
    fn the_tally_counts_each_verdict_per_build_and_the_unchecked() {
        let rows = tally(&three());
        assert_eq!(
            rows,
            [
                TallyRow {
                    verdict: Some(Readiness::Ready),
                    counts: vec![2, 1]
                },
                TallyRow {
                    verdict: Some(Readiness::NeedsGil),
                    counts: vec![0, 1]
                },
                TallyRow {
                    verdict: None,
                    counts: vec![1, 1]
                },
            ]
        );
    }

    #[test]
    fn changes_name_verdicts_versions_new_and_gone_packages() {
        use Readiness::*;
        let now = three();
        let mut old_b = row("b", &[("3.13", Ready), ("3.13t", Ready)]);
        old_b.version = Some("0.9".into());
        let before = vec![
            row("a", &[("3.13", Ready)]),
            old_b,
            row("z", &[("3.13", Ready)]),
        ];
        let lines: Vec<String> = changes(&before, &now).iter().map(Change::line).collect();
        assert_eq!(
            lines,
            [
                "a on 3.13t: new",
                "b: version 0.9 → 1.0",
                "b on 3.13t: ready → works with the GIL",
                "z: no longer in the list",
            ]
        );
        // The same file twice: nothing changed.
        assert!(changes(&now.packages, &now).is_empty());
    }

    #[test]
    fn changes_match_normalised_names_and_report_results_now_missing() {
        use Readiness::*;
        let now = three();
        // Before: `C` (now `c`) had verdicts; this time it was not checked.
        let before = vec![
            row("A", &[("3.13", Ready), ("3.13t", Ready)]),
            row("b", &[("3.13", Ready), ("3.13t", NeedsGil)]),
            row("C", &[("3.13", Ready), ("3.13t", NeedsGil)]),
        ];
        let lines: Vec<String> = changes(&before, &now).iter().map(Change::line).collect();
        assert_eq!(
            lines,
            [
                "c on 3.13: ready → not checked (see its error)",
                "c on 3.13t: works with the GIL → not checked (see its error)",
            ]
        );
    }

    #[test]
    fn a_row_with_kept_results_and_an_error_is_not_checked_only_where_it_has_none() {
        use Readiness::*;
        let mut doc = three();
        // d's 3.13 result came from the cache; preparing it for 3.13t failed.
        let mut d = row("d", &[("3.13", Ready)]);
        d.cached = vec!["3.13".into()];
        d.error = Some("no wheel for setuptools".into());
        doc.packages.push(d);
        let rows = tally(&doc);
        assert_eq!(
            rows,
            [
                TallyRow {
                    verdict: Some(Ready),
                    counts: vec![3, 1]
                },
                TallyRow {
                    verdict: Some(NeedsGil),
                    counts: vec![0, 1]
                },
                TallyRow {
                    verdict: None,
                    counts: vec![1, 2]
                },
            ]
        );
        for b in 0..doc.builds.len() {
            let column: usize = rows.iter().map(|r| r.counts[b]).sum();
            assert_eq!(column, doc.packages.len());
        }
        let unchecked: Vec<&str> = grouped(&doc)[0].1.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(unchecked, ["c", "d"]);
    }

    #[test]
    fn groups_put_the_worst_first_and_the_unchecked_before_all() {
        let doc = three();
        let groups: Vec<(Option<Readiness>, Vec<&str>)> = grouped(&doc)
            .into_iter()
            .map(|(k, rows)| (k, rows.iter().map(|r| r.name.as_str()).collect()))
            .collect();
        assert_eq!(
            groups,
            [
                (None, vec!["c"]),
                (Some(Readiness::NeedsGil), vec!["b"]),
                (Some(Readiness::Ready), vec!["a"]),
            ]
        );
    }

    #[test]
    fn markdown_has_the_matrix_cache_marks_tally_and_changes() {
        let doc = three();
        let md = markdown(&doc, Some(&[]));
        assert!(
            md.contains("| Package | `3.13` | `3.13t` |\n|---|---|---|\n"),
            "{md}"
        );
        assert!(md.contains("| a 1.0 | ready | ready |"), "{md}");
        assert!(md.contains("| b 1.0 | ready\\* | GIL |"), "{md}");
        assert!(md.contains("| c 1.0 | — | — |"), "{md}");
        assert!(md.contains("from the cache: 1 of 4 results"), "{md}");
        assert!(md.contains("| ready | 2 | 1 |"), "{md}");
        assert!(md.contains("| not checked | 1 | 1 |"), "{md}");
        assert!(md.contains("- c 1.0: no sdist on PyPI"), "{md}");
        assert!(
            md.contains("Changes since the earlier file\n\nNone."),
            "{md}"
        );
        assert!(!markdown(&doc, None).contains("Changes since"));
    }
}
