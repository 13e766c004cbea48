//! The history dashboard: one self-contained page of inline SVG, with no script at all (its
//! Content-Security-Policy allows none, loads nothing and connects nowhere): trend charts,
//! the hotspot map (commits against complexity, area by code lines) and the tables behind
//! them. Every label is escaped and every mark has its value as text.

use std::fmt::Write as _;

use super::model::{findings_total, short, thousands, trend_rows};
use super::HistoryReport;
use wtfcb_report::report::charts;
use wtfcb_report::report::html::escape;

fn series(
    r: &HistoryReport,
    name: &str,
    f: impl Fn(&super::CommitPoint) -> Option<f64>,
) -> (String, Vec<(f64, f64)>) {
    let points = r
        .commits
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((i as f64, f(c)?)))
        .collect();
    (name.to_string(), points)
}

/// Files at the last commit as circles: commits across, complexity up, area by code lines;
/// the top ones labelled.
fn hotspot_map(r: &HistoryReport, top: usize) -> String {
    let spots = &r.hotspots;
    if spots.is_empty() {
        return String::new();
    }
    let max_x = spots.iter().map(|h| h.commits).max().unwrap_or(1).max(1) as f64;
    let max_y = spots.iter().map(|h| h.cyclomatic).max().unwrap_or(1).max(1) as f64;
    let max_lines = spots.iter().map(|h| h.code_lines).max().unwrap_or(1).max(1) as f64;
    // Room above and to the right for the largest circles and their labels.
    let (left, top_px, w, h) = (70.0, 30.0, 560.0, 300.0);
    let mut svg = format!(
        "<figure><figcaption>Hotspot map: commits that changed a file (across) against the sum of its functions' cyclomatic complexity (up); area by code lines</figcaption>\
<svg viewBox=\"0 0 800 380\" width=\"100%\" role=\"img\" aria-label=\"Hotspot map\">\
<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#57606a\"/><line x1=\"{left}\" y1=\"{top_px}\" x2=\"{left}\" y2=\"{}\" stroke=\"#57606a\"/>\
<text x=\"{}\" y=\"{}\" text-anchor=\"end\">commits: {}</text><text x=\"0\" y=\"{}\">cyclomatic {}</text>",
        top_px + h,
        left + w,
        top_px + h,
        top_px + h,
        left + w,
        top_px + h + 30.0,
        max_x,
        top_px + 12.0,
        max_y
    );
    // The largest last, so that the small ones stay visible above them.
    for (rank, spot) in spots.iter().enumerate().rev() {
        let x = left + spot.commits as f64 / max_x * w;
        let y = top_px + h - spot.cyclomatic as f64 / max_y * h;
        let radius = 3.0 + 22.0 * (spot.code_lines as f64 / max_lines).sqrt();
        let colour = if rank < top { "#cf222e" } else { "#0969da" };
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{radius:.1}\" fill=\"{colour}\" fill-opacity=\"0.35\" stroke=\"{colour}\"><title>{}: {} commits, cyclomatic {}, {} code lines</title></circle>",
            escape(&spot.path),
            spot.commits,
            spot.cyclomatic,
            spot.code_lines
        );
        if rank < top.min(10) {
            let name = spot.path.rsplit('/').next().unwrap_or(&spot.path);
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>",
                x + radius + 2.0,
                y + 4.0,
                escape(name)
            );
        }
    }
    svg.push_str("</svg></figure>");
    svg
}

fn trend_table(r: &HistoryReport) -> String {
    let (Some(first), Some(last)) = (r.commits.first(), r.commits.last()) else {
        return String::new();
    };
    let mut t = format!(
        "<table><thead><tr><th></th><th>{}</th><th>{}</th></tr></thead><tbody>",
        escape(short(&first.id)),
        escape(short(&last.id))
    );
    for (label, a, b) in trend_rows(first, last) {
        let _ = write!(
            t,
            "<tr><th scope=\"row\">{label}</th><td>{}</td><td>{}</td></tr>",
            thousands(a),
            thousands(b)
        );
    }
    t.push_str("</tbody></table>");
    t
}

fn hotspot_table(r: &HistoryReport, top: usize) -> String {
    let authors = r.hotspots.iter().any(|h| h.authors.is_some());
    let mut t = String::from(
        "<table><thead><tr><th>score</th><th>commits</th><th>lines +/−</th><th>cyclomatic</th><th>max cognitive</th><th>code lines</th>",
    );
    if authors {
        t.push_str("<th>authors</th>");
    }
    t.push_str("<th>path</th></tr></thead><tbody>");
    for h in r.hotspots.iter().take(top) {
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{}</td><td>+{}/−{}</td><td>{}</td><td>{}</td><td>{}</td>",
            thousands(h.score),
            h.commits,
            h.lines_added,
            h.lines_deleted,
            h.cyclomatic,
            h.max_cognitive,
            h.code_lines
        );
        if let Some(a) = h.authors {
            let _ = write!(t, "<td>{a}</td>");
        }
        let _ = write!(t, "<td>{}</td></tr>", escape(&h.path));
    }
    t.push_str("</tbody></table>");
    t
}

fn worsened_table(r: &HistoryReport, top: usize) -> String {
    let mut t = String::from(
        "<table><thead><tr><th>cognitive</th><th>cyclomatic</th><th>since</th><th>function</th><th>path</th></tr></thead><tbody>",
    );
    for w in r.worsened.iter().take(top) {
        let since = r.commits.get(w.since).map_or("", |c| short(&c.id));
        let _ = write!(
            t,
            "<tr><td>{} → {}</td><td>{} → {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            w.cognitive_before,
            w.cognitive_after,
            w.cyclomatic_before,
            w.cyclomatic_after,
            escape(since),
            escape(&w.name),
            escape(&w.path)
        );
    }
    t.push_str("</tbody></table>");
    t
}

/// The dashboard page.
pub fn page(r: &HistoryReport, top: usize) -> String {
    let run = &r.run;
    let mut body = format!(
        "<p>{} commits ({}), {} file versions: {} analyzed by this run, {} from the history store; {:.1} s.</p>",
        thousands(run.commits),
        escape(&r.range),
        thousands(run.file_versions),
        thousands(run.analyzed),
        thousands(run.from_store),
        run.seconds
    );
    body.push_str("<section><h2>Trend</h2>");
    body.push_str(&trend_table(r));
    let x = "commit (oldest first)";
    // Two charts a row on a wide screen, one on a narrow one.
    body.push_str(
        "<div style=\"display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:8px 24px\">",
    );
    body.push_str(&charts::lines(
        "Functions",
        x,
        "functions",
        &[series(r, "functions", |c| Some(c.functions as f64))],
        false,
    ));
    body.push_str(&charts::lines(
        "Files",
        x,
        "files",
        &[series(r, "files", |c| Some(c.files as f64))],
        false,
    ));
    body.push_str(&charts::lines(
        "Code lines",
        x,
        "lines",
        &[series(r, "code lines", |c| Some(c.code_lines as f64))],
        false,
    ));
    body.push_str(&charts::lines(
        "Complexity per function",
        x,
        "value",
        &[
            series(r, "cyclomatic p90", |c| Some(c.cyclomatic.p90.into())),
            series(r, "cognitive p90", |c| Some(c.cognitive.p90.into())),
            series(r, "cyclomatic median", |c| Some(c.cyclomatic.median.into())),
            series(r, "cognitive median", |c| Some(c.cognitive.median.into())),
        ],
        false,
    ));
    body.push_str(&charts::lines(
        "Findings",
        x,
        "findings",
        &[series(r, "findings", |c| Some(findings_total(c) as f64))],
        false,
    ));
    body.push_str(&charts::lines(
        "Duplicated lines (sampled commits)",
        x,
        "percent",
        &[series(r, "duplicated %", |c| {
            c.cross_file.map(|x| x.duplicated_percent)
        })],
        false,
    ));
    body.push_str("</div></section><section><h2>Hotspots</h2>");
    body.push_str(&hotspot_map(r, top));
    body.push_str(&hotspot_table(r, top));
    body.push_str("</section><section><h2>Functions that got worse</h2>");
    if r.worsened.is_empty() {
        body.push_str("<p>None: no function's cognitive complexity grew over the range.</p>");
    } else {
        body.push_str(&worsened_table(r, top));
    }
    body.push_str("</section>");
    charts::page("wtfcb history", &body)
}
