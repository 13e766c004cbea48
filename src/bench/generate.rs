//! Synthetic projects for `bench --full-suite` and `bench --generate`: a fixed-seed mix of the
//! supported languages with functions of varied size and complexity, some duplicated files
//! (which the cache stores once), and Python and JavaScript files that import one to three
//! others of their language anywhere in the project (so the import graph has cycles).

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// The seed of every generated project: the same `--files N` gives the same bytes.
pub const SEED: u64 = 0x77_7466_6362;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Python,
    JavaScript,
    TypeScript,
    Go,
    Rust,
    Java,
    C,
    Ruby,
}

/// Share of each language, in percent.
const MIX: [(Lang, u32); 8] = [
    (Lang::Python, 30),
    (Lang::JavaScript, 15),
    (Lang::TypeScript, 15),
    (Lang::Go, 10),
    (Lang::Rust, 10),
    (Lang::Java, 10),
    (Lang::C, 5),
    (Lang::Ruby, 5),
];

/// Share of files that repeat an earlier file's content, in percent.
const DUPLICATES: u32 = 5;

impl Lang {
    fn ext(self) -> &'static str {
        match self {
            Lang::Python => "py",
            Lang::JavaScript => "js",
            Lang::TypeScript => "ts",
            Lang::Go => "go",
            Lang::Rust => "rs",
            Lang::Java => "java",
            Lang::C => "c",
            Lang::Ruby => "rb",
        }
    }

    fn comment(self) -> &'static str {
        match self {
            Lang::Python | Lang::Ruby => "#",
            _ => "//",
        }
    }

    /// Python and Ruby close blocks by indentation / `end`; the rest with a brace.
    fn close(self) -> &'static str {
        match self {
            Lang::Python => "",
            Lang::Ruby => "end",
            _ => "}",
        }
    }

    fn and(self) -> &'static str {
        match self {
            Lang::Python => "and",
            _ => "&&",
        }
    }

    fn function(self, name: &str, params: &[String]) -> String {
        let typed = |ty: &str, before: bool| {
            params
                .iter()
                .map(|p| {
                    if before {
                        format!("{ty} {p}")
                    } else {
                        format!("{p}: {ty}")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Lang::Python => format!("def {name}({}):", params.join(", ")),
            Lang::JavaScript => format!("function {name}({}) {{", params.join(", ")),
            Lang::TypeScript => format!(
                "export function {name}({}): number {{",
                typed("number", false)
            ),
            Lang::Go => format!(
                "func {name}({}) int {{",
                params
                    .iter()
                    .map(|p| format!("{p} int"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Lang::Rust => format!("pub fn {name}({}) -> i64 {{", typed("i64", false)),
            Lang::Java => format!("    static int {name}({}) {{", typed("int", true)),
            Lang::C => format!("int {name}({}) {{", typed("int", true)),
            Lang::Ruby => format!("def {name}({})", params.join(", ")),
        }
    }

    fn if_open(self, cond: &str) -> String {
        match self {
            Lang::Python => format!("if {cond}:"),
            Lang::Ruby => format!("if {cond}"),
            Lang::Go | Lang::Rust => format!("if {cond} {{"),
            _ => format!("if ({cond}) {{"),
        }
    }

    fn else_line(self) -> &'static str {
        match self {
            Lang::Python => "else:",
            Lang::Ruby => "else",
            _ => "} else {",
        }
    }

    fn loop_open(self, var: &str, n: u32) -> String {
        match self {
            Lang::Python => format!("for {var} in range({n}):"),
            Lang::Ruby => format!("{n}.times do |{var}|"),
            Lang::Go => format!("for {var} := 0; {var} < {n}; {var}++ {{"),
            Lang::Rust => format!("for {var} in 0..{n} {{"),
            Lang::JavaScript | Lang::TypeScript => {
                format!("for (let {var} = 0; {var} < {n}; {var}++) {{")
            }
            Lang::Java | Lang::C => format!("for (int {var} = 0; {var} < {n}; {var}++) {{"),
        }
    }

    fn assign(self, var: &str, expr: &str) -> String {
        match self {
            Lang::Python | Lang::Ruby => format!("{var} = {expr}"),
            Lang::JavaScript | Lang::TypeScript => format!("const {var} = {expr};"),
            Lang::Go => format!("{var} := {expr}\n_ = {var}"),
            Lang::Rust => format!("let {var} = {expr};"),
            Lang::Java | Lang::C => format!("int {var} = {expr};"),
        }
    }

    fn ret(self, expr: &str) -> String {
        match self {
            Lang::Python | Lang::Ruby | Lang::Go => format!("return {expr}"),
            _ => format!("return {expr};"),
        }
    }
}

struct Writer<'a> {
    lang: Lang,
    rng: &'a mut fastrand::Rng,
    out: String,
    vars: u32,
    params: Vec<String>,
}

impl Writer<'_> {
    fn line(&mut self, depth: usize, text: &str) {
        for part in text.split('\n') {
            let _ = writeln!(self.out, "{}{part}", "    ".repeat(depth));
        }
    }

    fn param(&mut self) -> String {
        let i = self.rng.usize(..self.params.len());
        self.params[i].clone()
    }

    fn cond(&mut self) -> String {
        let a = self.param();
        let k = self.rng.u32(0..100);
        if self.rng.u32(0..3) == 0 {
            let b = self.param();
            format!("{a} > {k} {} {b} < {}", self.lang.and(), k + 7)
        } else {
            format!("{a} > {k}")
        }
    }

    fn expr(&mut self) -> String {
        let (a, b) = (self.param(), self.param());
        format!("{a} * {} + {b}", self.rng.u32(1..9))
    }

    /// A block of `budget` statements or so; nesting up to depth 4 below the function.
    fn block(&mut self, depth: usize, budget: u32) {
        let mut left = budget.max(1);
        while left > 0 {
            let roll = self.rng.u32(0..100);
            if roll < 18 && depth < 5 && left > 2 {
                let inner = self.rng.u32(1..left.min(8));
                let cond = self.cond();
                let open = self.lang.if_open(&cond);
                self.line(depth, &open);
                self.block(depth + 1, inner);
                if self.rng.bool() {
                    self.line(depth, self.lang.else_line());
                    self.block(depth + 1, 1 + inner / 2);
                }
                self.close(depth);
                left = left.saturating_sub(inner + 1);
            } else if roll < 30 && depth < 5 && left > 2 {
                let inner = self.rng.u32(1..left.min(6));
                let var = format!("i{}", self.vars);
                self.vars += 1;
                let open = self.lang.loop_open(&var, self.rng.u32(2..50));
                self.line(depth, &open);
                self.block(depth + 1, inner);
                self.close(depth);
                left = left.saturating_sub(inner + 1);
            } else if roll < 33 {
                let note = if self.rng.u32(0..10) == 0 {
                    "TODO: revisit this"
                } else {
                    "keep the running value"
                };
                self.line(depth, &format!("{} {note}", self.lang.comment()));
                left -= 1;
            } else {
                let var = format!("v{}", self.vars);
                self.vars += 1;
                let expr = self.expr();
                let stmt = self.lang.assign(&var, &expr);
                self.line(depth, &stmt);
                left -= 1;
            }
        }
    }

    fn close(&mut self, depth: usize) {
        let close = self.lang.close();
        if !close.is_empty() {
            self.line(depth, close);
        }
    }

    fn function(&mut self, index: usize) {
        let n = 1 + self.rng.usize(..7);
        self.params = (0..n).map(|i| format!("p{i}")).collect();
        // Mostly small functions, some long and branchy ones.
        let budget = match self.rng.u32(0..100) {
            0..=69 => self.rng.u32(3..15),
            70..=94 => self.rng.u32(15..45),
            _ => self.rng.u32(45..140),
        };
        let base = usize::from(self.lang == Lang::Java);
        let header = self.lang.function(&format!("f{index}"), &self.params);
        self.line(0, &header);
        self.block(base + 1, budget);
        let result = self.expr();
        let ret = self.lang.ret(&result);
        self.line(base + 1, &ret);
        self.close(base);
        self.out.push('\n');
    }
}

fn pick_lang(rng: &mut fastrand::Rng) -> Lang {
    let mut roll = rng.u32(0..100);
    for (lang, share) in MIX {
        if roll < share {
            return lang;
        }
        roll -= share;
    }
    Lang::Python
}

/// The import statement of file `target` (same language) in file `index`.
fn import_line(lang: Lang, target: usize) -> Option<String> {
    match lang {
        Lang::Python => Some(format!("from pkg{:03} import m{target}\n", target / 100)),
        Lang::JavaScript => Some(format!(
            "import * as m{target} from \"../pkg{:03}/m{target}.js\";\n",
            target / 100
        )),
        _ => None,
    }
}

fn source_file(rng: &mut fastrand::Rng, lang: Lang, index: usize, peers: &[usize]) -> String {
    let mut w = Writer {
        lang,
        rng,
        out: String::new(),
        vars: 0,
        params: Vec::new(),
    };
    let _ = writeln!(
        w.out,
        "{} Generated by wtfcb bench (file {index}).",
        lang.comment()
    );
    if !peers.is_empty() {
        for _ in 0..1 + w.rng.usize(..3) {
            let target = peers[w.rng.usize(..peers.len())];
            if let Some(line) = import_line(lang, target).filter(|_| target != index) {
                w.out.push_str(&line);
            }
        }
        w.out.push('\n');
    }
    match lang {
        Lang::Go => w.out.push_str("package gen\n\n"),
        Lang::Java => {
            let _ = writeln!(w.out, "public class Gen{index} {{");
        }
        _ => {}
    }
    let functions = 2 + w.rng.usize(..10);
    for f in 0..functions {
        w.function(f);
    }
    if lang == Lang::Java {
        w.out.push_str("}\n");
    }
    w.out
}

/// What `generate` wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct Generated {
    pub files: usize,
    pub bytes: u64,
    pub duplicates: usize,
}

/// Writes a project of `files` source files under `dir` (100 per directory).
pub fn generate(dir: &Path, files: usize) -> io::Result<Generated> {
    let mut rng = fastrand::Rng::with_seed(SEED);
    // Languages first, so a file can import one that comes later.
    let langs: Vec<Lang> = (0..files).map(|_| pick_lang(&mut rng)).collect();
    let of = |lang: Lang| -> Vec<usize> { (0..files).filter(|&i| langs[i] == lang).collect() };
    let (python, javascript) = (of(Lang::Python), of(Lang::JavaScript));
    let mut written: Vec<(Lang, String)> = Vec::new();
    let mut stats = Generated::default();
    for (i, &lang) in langs.iter().enumerate() {
        let (lang, text) = if !written.is_empty() && rng.u32(0..100) < DUPLICATES {
            stats.duplicates += 1;
            written[rng.usize(..written.len())].clone()
        } else {
            let peers: &[usize] = match lang {
                Lang::Python => &python,
                Lang::JavaScript => &javascript,
                _ => &[],
            };
            (lang, source_file(&mut rng, lang, i, peers))
        };
        let sub = dir.join(format!("pkg{:03}", i / 100));
        std::fs::create_dir_all(&sub)?;
        let name = if lang == Lang::Java {
            format!("Gen{i}.java")
        } else {
            format!("m{i}.{}", lang.ext())
        };
        std::fs::write(sub.join(name), &text)?;
        stats.bytes += text.len() as u64;
        stats.files += 1;
        written.push((lang, text));
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wtfcb_core::lang::Language;

    #[test]
    fn generated_projects_are_deterministic_and_parse_cleanly() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let sa = generate(a.path(), 60).unwrap();
        let sb = generate(b.path(), 60).unwrap();
        assert_eq!((sa.files, sa.bytes), (sb.files, sb.bytes));
        let mut langs = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(a.path().join("pkg000"))
            .unwrap()
            .flatten()
        {
            let path = entry.path();
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(
                text,
                std::fs::read_to_string(b.path().join("pkg000").join(entry.file_name())).unwrap()
            );
            let lang = Language::from_path(&path).unwrap();
            langs.insert(lang.name());
            let tree = wtfcb_core::parse::parse(lang, &text).unwrap();
            assert!(
                !tree.root_node().has_error(),
                "{} does not parse:\n{text}",
                path.display()
            );
            let facts =
                wtfcb_core::facts::extract(&tree, &text, lang, &wtfcb_core::rules::SYNTACTIC);
            assert!(facts.functions.len() >= 2, "{}", path.display());
        }
        assert!(langs.len() >= 6, "{langs:?}");
    }
}
