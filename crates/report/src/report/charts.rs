//! Charts as inline SVG, and the page that holds them, for the bench and profile reports: no
//! script at all, so their Content-Security-Policy allows none. Every label is escaped, and
//! every value is also written as text beside its mark (colour is never the only signal).

use std::fmt::Write as _;

use super::html::escape;

/// A self-contained page around `body` (HTML the caller built and escaped).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>{t}</title><style>{}</style></head><body><header><h1>{t}</h1></header><main>{body}</main></body></html>\n",
        include_str!("html/report.css"),
        t = escape(title)
    )
}

/// Colours of successive series, distinguishable in grey too (they differ in lightness).
const PALETTE: [&str; 6] = [
    "#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#57606a",
];

/// Horizontal bars of medians with min–max whiskers, one row per label.
pub fn whiskers(title: &str, unit: &str, rows: &[(String, f64, f64, f64)]) -> String {
    let max = rows
        .iter()
        .map(|r| r.3)
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let height = 26 * rows.len() + 10;
    let scale = |v: f64| 220.0 + v / max * 420.0;
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg viewBox=\"0 0 800 {height}\" width=\"100%\" role=\"img\" aria-label=\"{0}\">",
        escape(title)
    );
    for (i, (label, median, min, max_v)) in rows.iter().enumerate() {
        let y = 6 + i * 26;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"220\" y=\"{y}\" width=\"{:.1}\" height=\"16\" fill=\"#0969da\"><title>median {median:.3} {unit}</title></rect>\
<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#1b1f24\" stroke-width=\"2\"/>\
<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#1b1f24\"/><line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#1b1f24\"/>\
<text x=\"{:.1}\" y=\"{}\">{median:.3} {}{}</text>",
            y + 12,
            escape(label),
            (scale(*median) - 220.0).max(1.0),
            scale(*min),
            scale(*max_v),
            y + 8,
            y + 8,
            scale(*min),
            scale(*min),
            y + 3,
            y + 13,
            scale(*max_v),
            scale(*max_v),
            y + 3,
            y + 13,
            scale(*max_v) + 6.0,
            y + 12,
            escape(unit),
            if min == max_v {
                String::new()
            } else {
                format!(" ({min:.3}–{max_v:.3})")
            }
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

/// Lines of `(x, y)` points, one per named series; with `log`, both axes are logarithmic.
pub fn lines(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[(String, Vec<(f64, f64)>)],
    log: bool,
) -> String {
    let f = |v: f64| if log { v.max(1e-9).log10() } else { v };
    let points: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|&(x, y)| (f(x), f(y))))
        .collect();
    if points.is_empty() {
        return String::new();
    }
    let (x0, x1) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (mut y0, y1) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    if !log {
        y0 = y0.min(0.0);
    }
    let span = |a: f64, b: f64| if (b - a).abs() < 1e-12 { 1.0 } else { b - a };
    let (w, h, left, top) = (640.0, 220.0, 70.0, 10.0);
    let px = |x: f64| left + (f(x) - x0) / span(x0, x1) * w;
    let py = |y: f64| top + h - (f(y) - y0) / span(y0, y1) * h;
    let unlog = |v: f64| if log { 10f64.powf(v) } else { v };
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg viewBox=\"0 0 800 290\" width=\"100%\" role=\"img\" aria-label=\"{0}\">\
<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#57606a\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{}\" stroke=\"#57606a\"/>\
<text x=\"{left}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
<text x=\"0\" y=\"{}\">{}</text><text x=\"0\" y=\"{}\">{}</text><text x=\"{}\" y=\"22\">{}</text><text x=\"{}\" y=\"280\" text-anchor=\"end\">{}</text>",
        escape(title),
        top + h,
        left + w,
        top + h,
        top + h,
        top + h + 16.0,
        number(unlog(x0)),
        left + w,
        top + h + 16.0,
        number(unlog(x1)),
        top + h,
        number(unlog(y0)),
        top + 12.0,
        number(unlog(y1)),
        left + 6.0,
        escape(y_label),
        left + w,
        escape(x_label),
    );
    for (i, (name, pts)) in series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let path: Vec<String> = pts
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"><title>{}</title></polyline>",
            path.join(" "),
            escape(name)
        );
        if pts.len() <= 20 {
            for &(x, y) in pts {
                let _ = write!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"><title>{}: {} → {}</title></circle>",
                    px(x),
                    py(y),
                    escape(name),
                    number(x),
                    number(y)
                );
            }
        }
        let _ = write!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\">{}</text>",
            left + 10.0 + 130.0 * i as f64,
            top + h + 30.0,
            left + 24.0 + 130.0 * i as f64,
            top + h + 39.0,
            escape(name)
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

/// A number in few characters: `0.012`, `3.4`, `1200`.
fn number(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// A profile as a page: the memory and CPU timeline and the phase breakdown.
pub fn profile_page(profile: &super::analyze::ProfileReport) -> String {
    let t = &profile.timeline;
    let mut body = format!(
        "<p>{} files, {} code lines, {:.1} MB in {:.1} ms on {} thread(s); peak memory {:.1} MiB (sampled), average CPU {:.0}% (100% = one core).</p>",
        profile.files,
        profile.code_lines,
        profile.bytes as f64 / 1e6,
        profile.run.wall_ms,
        profile.run.jobs,
        t.peak_rss_bytes as f64 / (1 << 20) as f64,
        t.avg_cpu_percent
    );
    body.push_str("<section><h2>Timeline</h2>");
    body.push_str(&lines(
        "Resident memory (MiB) over time",
        "ms since start",
        "MiB",
        &[
            (
                "wtfcb".into(),
                t.samples
                    .iter()
                    .map(|s| (s.t_ms, s.rss_bytes as f64 / (1 << 20) as f64))
                    .collect(),
            ),
            (
                "parser processes".into(),
                t.samples
                    .iter()
                    .map(|s| (s.t_ms, s.parsers_rss_bytes as f64 / (1 << 20) as f64))
                    .collect(),
            ),
        ],
        false,
    ));
    body.push_str(&lines(
        "CPU (%, 100 = one core) over time",
        "ms since start",
        "%",
        &[
            (
                "wtfcb".into(),
                t.samples
                    .iter()
                    .skip(1)
                    .map(|s| (s.t_ms, f64::from(s.cpu_percent)))
                    .collect(),
            ),
            (
                "parser processes".into(),
                t.samples
                    .iter()
                    .skip(1)
                    .map(|s| (s.t_ms, f64::from(s.parsers_cpu_percent)))
                    .collect(),
            ),
        ],
        false,
    ));
    body.push_str("</section><section><h2>Phases</h2>");
    let p = &profile.run.phases_ms;
    let phases = [
        ("walk (wall)", p.walk),
        ("cache (summed over threads)", p.cache),
        ("read (summed)", p.read),
        ("parse (summed)", p.parse),
        ("metrics (summed)", p.facts),
        ("rules (summed)", p.rules),
        ("project phase (wall)", p.project),
        ("cache write (wall)", p.cache_write),
        ("report (wall)", profile.report_ms),
    ];
    let rows: Vec<(String, f64, f64, f64)> = phases
        .iter()
        .map(|(name, ms)| (name.to_string(), *ms, *ms, *ms))
        .collect();
    body.push_str(&whiskers("Time per phase (ms)", "ms", &rows));
    body.push_str("</section>");
    page("wtfcb profile", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_labels_and_write_values_as_text() {
        let svg = whiskers(
            "t",
            "s",
            &[("<b>parallel 2</b>".to_string(), 1.5, 1.0, 2.0)],
        );
        assert!(svg.contains("&lt;b&gt;parallel 2&lt;/b&gt;"));
        assert!(svg.contains("1.500 s (1.000–2.000)"));
        let chart = lines(
            "scaling",
            "files",
            "s",
            &[(
                "cold".into(),
                vec![(100.0, 0.1), (1000.0, 1.0), (10000.0, 10.0)],
            )],
            true,
        );
        assert!(chart.contains("<polyline") && chart.contains("10000"));
        assert!(lines("empty", "x", "y", &[], false).is_empty());
        let page = page("<x>", "<p>ok</p>");
        assert!(page.contains("default-src 'none'") && page.contains("<title>&lt;x&gt;</title>"));
        assert!(!page.contains("<script"));
    }
}
