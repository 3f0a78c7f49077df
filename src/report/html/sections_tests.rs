use super::*;
use crate::analysis::compare::compare_rows;
use crate::report::documents::{Document, Input};
use crate::report::fixture;

#[test]
fn the_numbers_table_has_a_row_per_configuration() {
    let report = fixture::report();
    let table = numbers_table(&report, &compare_rows(&report));
    assert_eq!(table.matches("<tr").count(), 6);
    assert_eq!(table.matches("<tr class=\"baseline\">").count(), 1);
    assert!(table.contains("<span class=\"pill v-improved\">improved</span>"));
    assert!(table.contains("timed out after 600 s"));
    assert!(!table.contains("Speed-up"));
}

#[test]
fn provenance_names_images_commands_and_the_raw_file() {
    let inputs = [Input {
        source: Source {
            path: "runs/gil.json".into(),
            href: "data/gil.json".into(),
        },
        document: Document::Run(Box::new(fixture::report())),
    }];
    let h = crate::report::documents::histories(&inputs);
    let text = provenance(&h[0]);
    assert!(text.contains("<code>pybench-docker run gil --threads 4</code>"));
    assert!(text.contains("2025-06-01 14:14 UTC (11.7 min)"));
    assert!(text.contains("debian:bookworm-slim (000000000006)"));
    assert!(text.contains("<code>PYTHON_JIT=1</code>"));
    assert!(text.contains("href=\"data/gil.json\">runs/gil.json</a>"));
    assert_eq!(short_id("sha256:954df46f037ac1234"), "954df46f037a");
}

#[test]
fn provenance_shows_each_builds_configure_flags() {
    let mut report = fixture::report();
    // Recorded by run from the plan: none for the distro's python.
    for row in &mut report.rows[1..] {
        row.configure_flags = Some(match row.interpreter.as_str() {
            "3.13" => vec![],
            "3.13j" => vec!["--enable-experimental-jit".into()],
            _ => vec!["--disable-gil".into()],
        });
    }
    let table = configurations(&report);
    assert!(table.contains("<th>Configure flags</th>"));
    let cells: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with("<tr><td>"))
        .map(|l| l.split("</td>").nth(2).unwrap().trim_start_matches("<td>"))
        .collect();
    assert_eq!(
        cells,
        [
            "<span class=\"muted\">—</span>",
            "<span class=\"muted\">none</span>",
            "<code>--disable-gil</code>",
            "<code>--disable-gil</code>",
            "<code>--enable-experimental-jit</code>",
        ]
    );
    let inputs = [Input {
        source: Source {
            path: "gil.json".into(),
            href: "data/gil.json".into(),
        },
        document: Document::Run(Box::new(report)),
    }];
    let text = provenance(&crate::report::documents::histories(&inputs)[0]);
    assert!(text.contains("beyond those every build gets: <code>--build</code>"));
    // Files from before the flags were recorded: dashes, and no note.
    let old = provenance(
        &crate::report::documents::histories(&[Input {
            source: inputs[0].source.clone(),
            document: Document::Run(Box::new(fixture::report())),
        }])[0],
    );
    assert!(!old.contains("every build gets"));
    assert_eq!(old.matches("<span class=\"muted\">—</span>").count(), 5);
}

/// The flags the note says every build gets are those the Dockerfile
/// gives `./configure` besides the build's own.
#[test]
fn every_builds_flags_are_the_dockerfiles() {
    let dockerfile = include_str!("../../../dockerfiles/cpython.Dockerfile");
    // The variant's configure (the last), not the configure-cache stage's.
    let configure = &dockerfile[dockerfile.rfind("./configure").unwrap()..];
    let configure = &configure[..configure.find("${CONFIGURE_FLAGS}").unwrap()];
    // One flag a line, after `./configure \`; where configure keeps its
    // answers is no build flag.
    let flags: Vec<&str> = configure
        .lines()
        .skip(1)
        .map(|l| l.trim().split(['=', ' ']).next().unwrap())
        .filter(|w| !w.is_empty() && *w != "--cache-file")
        .collect();
    let ours: Vec<&str> = EVERY_BUILD
        .iter()
        .map(|f| f.split('=').next().unwrap())
        .collect();
    assert_eq!(flags, ours);
    assert!(configure.contains("--enable-option-checking=fatal"));
}

#[test]
fn a_run_of_two_versions_has_the_across_versions_section() {
    let one = |report| {
        let inputs = [Input {
            source: Source {
                path: "r.json".into(),
                href: "data/r.json".into(),
            },
            document: Document::Run(Box::new(report)),
        }];
        run_article(
            &crate::report::documents::histories(&inputs)[0],
            "run-gil-0",
        )
    };
    let article = one(crate::report::html::charts::tests::two_versions());
    assert!(article.contains("<h3>Across versions</h3>"));
    assert_eq!(article.matches("class=\"chart versions\"").count(), 1);
    assert!(article.contains("against the same version&#39;s stock build"));
    let article = one(fixture::report());
    assert!(!article.contains("Across versions") && !article.contains("chart versions"));
}
