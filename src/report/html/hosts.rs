//! The article putting one benchmark's runs on several hosts side by side:
//! each host's newest run, each cell that host's own ratio to its own
//! baseline (the terminal's table after `run` on several engines).

use super::escape;
use crate::report::documents::History;
use crate::report::hosts::{side_by_side, HostRun};

/// Per benchmark and measure run on two or more engines, the newest run of
/// each, in the order the histories come (a timed run and a counted run are
/// never side by side). Pure.
pub fn groups<'a>(histories: &'a [History<'a>]) -> Vec<Vec<&'a History<'a>>> {
    let mut out: Vec<Vec<&History>> = vec![];
    for h in histories.iter().filter(|h| !h.engine.is_empty()) {
        let same =
            |g: &&mut Vec<&History>| g[0].benchmark == h.benchmark && g[0].measure == h.measure;
        match out.iter_mut().find(same) {
            Some(g) => g.push(h),
            None => out.push(vec![h]),
        }
    }
    out.retain(|g| g.len() >= 2);
    out
}

/// The article for one group. Pure.
pub fn article(group: &[&History], id: &str) -> String {
    let runs: Vec<HostRun> = group.iter().map(|h| (h.engine, Ok(h.newest().0))).collect();
    let data = side_by_side(&runs);
    let mut head = String::from("<tr><th>Configuration</th>");
    for (name, what) in &data.hosts {
        head += &format!(
            "<th>{}<br><span class=\"sub\">{}</span></th>",
            escape(name),
            escape(what).replace('\n', "<br>")
        );
    }
    head += "</tr>";
    let mut body = String::new();
    for (label, cells) in &data.rows {
        body += &format!("<tr><td>{}</td>", escape(label));
        for c in cells {
            body += &format!("<td>{}</td>", escape(c));
        }
        body += "</tr>\n";
    }
    format!(
        "<article class=\"card\" id=\"{}\">\n<header class=\"card-head\"><h2>{} across hosts</h2>\
         <p class=\"sub\">the newest run on each of {} engines · each host against its own \
         baseline: mean, ratio [95% CI], status; statistics never mix hosts</p></header>\n\
         <section>\n<div class=\"scroll\"><table>\n<thead>{head}</thead>\n<tbody>\n{body}</tbody></table></div>\n\
         </section>\n</article>\n",
        escape(id),
        escape(&data.benchmark),
        group.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::documents::{histories, Document, Input, Source};
    use crate::report::fixture;

    fn on(engine: &str, benchmark: &str) -> Input {
        let mut r = fixture::report();
        r.host.engine = engine.into();
        r.benchmark = benchmark.into();
        Input {
            source: Source {
                path: format!("{benchmark}.{engine}.json"),
                href: format!("data/{benchmark}.{engine}.json"),
            },
            document: Document::Run(Box::new(r)),
        }
    }

    #[test]
    fn a_benchmark_on_two_engines_gets_a_column_per_host() {
        let inputs = vec![
            on("laptop", "gil"),
            on("server", "gil"),
            on("laptop", "jit"),
            on("", "gil"),
        ];
        let h = histories(&inputs);
        let g = groups(&h);
        assert_eq!(
            g.len(),
            1,
            "jit ran on one engine, the unnamed run is not a host"
        );
        let html = article(&g[0], "hosts-gil-0");
        assert!(
            html.contains("gil across hosts") && html.contains("of 2 engines"),
            "{html}"
        );
        assert!(
            html.contains("<th>laptop<br>") && html.contains("<th>server<br>"),
            "{html}"
        );
        assert!(html.contains("<td>3.13t</td>"), "{html}");
        assert_eq!(
            html.matches("improved").count(),
            2,
            "one cell per host: {html}"
        );
    }

    #[test]
    fn timed_and_counted_runs_are_never_side_by_side() {
        let mut counted = on("server", "gil");
        if let Document::Run(r) = &mut counted.document {
            r.measure = crate::results::Measure::Instructions;
        }
        let inputs = vec![on("laptop", "gil"), counted];
        let h = histories(&inputs);
        assert!(groups(&h).is_empty(), "one timed host and one counted host");
        // A second counted host makes a group of the counted runs alone.
        let mut more = on("laptop", "gil");
        if let Document::Run(r) = &mut more.document {
            r.measure = crate::results::Measure::Instructions;
        }
        let inputs = [inputs, vec![more]].concat();
        let h = histories(&inputs);
        let g = groups(&h);
        assert_eq!(g.len(), 1);
        assert!(g[0].iter().all(|h| !h.measure.is_time()));
        assert_eq!(g[0].len(), 2);
    }
}
