//! Duplicate code across the project, from every file's clone tokens (see `facts::tokens`).
//!
//! Each file's tokens are hashed in windows of `k` tokens (a rolling polynomial hash) and
//! winnowed (Schleimer, Wilkerson and Aiken, 2003: the minimum hash of every `w` consecutive
//! windows is kept), so any run of `k + w - 1` = `min_tokens` equal tokens shares at least one
//! kept hash, while only about `2 / (w + 1)` of the windows are kept. Files whose kept hashes
//! meet are compared token by token from there, and the match is extended both ways to its
//! maximal length; matches are grouped by their first copy.
//!
//! Memory: the files' facts keep 1 byte a token (3 with `--duplicates exact`) and 8 bytes a
//! line with code; detection adds 12 bytes per kept hash (about 0.9 bytes a token at the
//! default 50 tokens) and the found groups. On the Python standard library (4.45 M tokens,
//! 620 k code lines) that is about 13 MB.

use std::collections::{BTreeMap, HashMap};

use crate::facts::Tokens;
use crate::lang::Language;

/// More places than this sharing one hash are a pervasive snippet: the first ones are kept.
pub const MAX_OCCURRENCES: usize = 64;

/// What counts as duplicated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub min_tokens: usize,
    pub min_lines: u32,
    /// Type-1 only: names and literal values must match too.
    pub exact: bool,
}

/// One file as clone detection sees it.
pub struct Input<'a> {
    pub language: Language,
    pub tokens: &'a Tokens,
}

/// One copy: tokens `start..end` of file `file` (an index into the inputs).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, bincode::Encode, bincode::Decode,
)]
pub struct Region {
    pub file: usize,
    pub start: usize,
    pub end: usize,
    pub start_line: u32,
    pub end_line: u32,
}

/// Copies of one stretch of code, in input order (the first is the one reported).
#[derive(Debug, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct Group {
    pub regions: Vec<Region>,
    /// A hash of the normalised tokens: the same clone has the same identity wherever it is.
    pub identity: u64,
}

impl Group {
    pub fn tokens(&self) -> usize {
        self.regions[0].end - self.regions[0].start
    }
}

/// What detection found.
#[derive(Debug, Default, bincode::Encode, bincode::Decode)]
pub struct Clones {
    pub groups: Vec<Group>,
    /// Per input, how many of its lines lie in a copy.
    pub duplicated_lines: Vec<u32>,
}

/// Finds every group of copies of at least `min_tokens` tokens over `min_lines` lines.
pub fn detect(files: &[Input], settings: &Settings) -> Clones {
    let min_tokens = settings.min_tokens.max(2);
    let k = (min_tokens / 2).max(1);
    let d = Detector {
        files,
        settings,
        min_tokens,
        k,
        w: min_tokens + 1 - k,
    };
    let kept = d.fingerprints();
    let mut covered: HashMap<(usize, usize, isize), Vec<(usize, usize)>> = HashMap::new();
    // Copies found from one anchor position: (anchor's end, partner's file and start).
    let mut by_anchor: BTreeMap<(usize, usize), Vec<Partner>> = BTreeMap::new();
    for run in kept.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 {
            continue;
        }
        let run = &run[..run.len().min(MAX_OCCURRENCES)];
        let a = (run[0].1 as usize, run[0].2 as usize);
        for &(_, fb, pb) in &run[1..] {
            let b = (fb as usize, pb as usize);
            // Overlapping copies of one file are repetition (`a, a, a, a`), not a clone.
            if a.0 == b.0 && a.1 + k > b.1 {
                continue;
            }
            let seen = covered
                .entry((a.0, b.0, b.1 as isize - a.1 as isize))
                .or_default();
            if seen.iter().any(|&(s, e)| (s..e).contains(&a.1)) {
                continue;
            }
            if let Some((sa, ea, sb)) = d.extend(a, b) {
                seen.push((sa, ea));
                if d.reportable(a.0, sa, ea) && d.spans(&d.region(b.0, sb, sb + (ea - sa))) {
                    by_anchor.entry((a.0, sa)).or_default().push((ea, b.0, sb));
                }
            }
        }
    }
    // Copies that start at one place form one group, as long as all of them share: a group
    // reports the same place once, not once per partner with a longer or shorter match.
    let mut groups: Vec<Group> = by_anchor
        .into_iter()
        .filter_map(|((fa, sa), partners)| d.group(fa, sa, &partners))
        .collect();
    groups.sort_by(|a, b| a.regions.cmp(&b.regions));
    let duplicated_lines = duplicated_lines(files, &groups);
    Clones {
        groups,
        duplicated_lines,
    }
}

/// A copy matched from an anchor position: (anchor's end, partner's file, partner's start).
type Partner = (usize, usize, usize);

/// One detection run: the files, the settings and the window sizes derived from them.
struct Detector<'a> {
    files: &'a [Input<'a>],
    settings: &'a Settings,
    min_tokens: usize,
    /// Tokens per hashed window.
    k: usize,
    /// Windows per winnowing window.
    w: usize,
}

impl Detector<'_> {
    /// A token as compared: its normalised kind, or with `exact` its text hash too.
    fn value(&self, file: usize, i: usize) -> u32 {
        self.files[file].tokens.value(i, self.settings.exact)
    }

    fn eq(&self, a: (usize, usize), b: (usize, usize)) -> bool {
        self.value(a.0, a.1) == self.value(b.0, b.1)
    }

    fn region(&self, file: usize, start: usize, end: usize) -> Region {
        let tokens = &self.files[file].tokens;
        Region {
            file,
            start,
            end,
            start_line: tokens.line_of(start),
            end_line: tokens.line_of(end - 1),
        }
    }

    fn spans(&self, r: &Region) -> bool {
        r.end_line - r.start_line + 1 >= self.settings.min_lines
    }

    /// Every file's winnowed window hashes as (hash, file, position), sorted; files are
    /// hashed in parallel. 32 bits of hash are enough: a collision costs one comparison of
    /// `k` tokens, never a wrong match.
    fn fingerprints(&self) -> Vec<(u32, u32, u32)> {
        use rayon::prelude::*;
        let mut kept: Vec<(u32, u32, u32)> = self
            .files
            .par_iter()
            .enumerate()
            .flat_map_iter(|(f, input)| {
                let mut kept = Vec::new();
                if input.tokens.len() >= self.min_tokens {
                    // One family (JavaScript/TypeScript, C/C++) shares its hashes.
                    let seed = crate::facts::tokens::family(input.language).index() as u64 + 1;
                    let value = |i| self.value(f, i);
                    winnow(input.tokens.len(), self.k, self.w, seed, value, |pos, h| {
                        kept.push(((h >> 32) as u32, f as u32, pos as u32));
                    });
                }
                kept
            })
            .collect();
        kept.par_sort_unstable();
        kept
    }

    /// Verifies that the windows at `a` and `b` are equal token by token (hashes collide) and
    /// extends the match both ways as far as it goes, never letting two copies in one file
    /// overlap: `(start in a, end in a, start in b)`.
    fn extend(
        &self,
        (fa, pa): (usize, usize),
        (fb, pb): (usize, usize),
    ) -> Option<(usize, usize, usize)> {
        if !(0..self.k).all(|j| self.eq((fa, pa + j), (fb, pb + j))) {
            return None;
        }
        let same = fa == fb;
        let (mut sa, mut sb, mut ea) = (pa, pb, pa + self.k);
        while sa > 0 && sb > 0 && (!same || sb > ea) && self.eq((fa, sa - 1), (fb, sb - 1)) {
            sa -= 1;
            sb -= 1;
        }
        let (na, nb) = (self.files[fa].tokens.len(), self.files[fb].tokens.len());
        let mut eb = sb + (ea - sa);
        while ea < na && eb < nb && (!same || ea < sb) && self.eq((fa, ea), (fb, eb)) {
            ea += 1;
            eb += 1;
        }
        Some((sa, ea, sb))
    }

    /// Whether a match is long enough, spans enough lines and is no mere repetition.
    fn reportable(&self, file: usize, start: usize, end: usize) -> bool {
        end - start >= self.min_tokens
            && self.spans(&self.region(file, start, end))
            && !is_repetition((start..end).map(|i| self.value(file, i)))
    }

    /// The group of the copies matched from one anchor position, cut to the length all share.
    fn group(&self, fa: usize, sa: usize, partners: &[(usize, usize, usize)]) -> Option<Group> {
        let len = partners.iter().map(|&(ea, _, _)| ea - sa).min()?;
        let mut regions: Vec<Region> = partners
            .iter()
            .map(|&(_, fb, sb)| self.region(fb, sb, sb + len))
            .collect();
        regions.push(self.region(fa, sa, sa + len));
        regions.sort();
        regions.dedup();
        if !regions.iter().all(|r| self.spans(r)) {
            return None;
        }
        let identity = (sa..sa + len).fold(0xcbf2_9ce4_8422_2325u64, |h, i| {
            (h ^ u64::from(self.value(fa, i))).wrapping_mul(0x0100_0000_01b3)
        });
        Some(Group { regions, identity })
    }
}

/// Calls `keep(position, hash)` for the winnowed `k`-token window hashes of one file: in every
/// `w` consecutive windows, the smallest hash (the rightmost of equal ones), each once.
fn winnow(
    n: usize,
    k: usize,
    w: usize,
    seed: u64,
    value: impl Fn(usize) -> u32,
    mut keep: impl FnMut(usize, u64),
) {
    const BASE: u64 = 0x0000_0100_0000_01b3;
    let top = (1..k).fold(1u64, |p, _| p.wrapping_mul(BASE));
    let mut h = (0..k).fold(0u64, |h, i| {
        h.wrapping_mul(BASE).wrapping_add(u64::from(value(i)) + 1)
    });
    let windows = n + 1 - k;
    let mut hashes = Vec::with_capacity(windows);
    for i in 0..windows {
        if i > 0 {
            h = h
                .wrapping_sub((u64::from(value(i - 1)) + 1).wrapping_mul(top))
                .wrapping_mul(BASE)
                .wrapping_add(u64::from(value(i + k - 1)) + 1);
        }
        hashes.push(mix(h ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
    }
    let mut queue: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let mut last = usize::MAX;
    for i in 0..windows {
        while queue.back().is_some_and(|&j| hashes[j] >= hashes[i]) {
            queue.pop_back();
        }
        queue.push_back(i);
        while queue.front().is_some_and(|&j| j + w <= i) {
            queue.pop_front();
        }
        // A file shorter than one winnowing window still keeps its minimum.
        if i + 1 >= w.min(windows) {
            let min = queue[0];
            if min != last {
                keep(min, hashes[min]);
                last = min;
            }
        }
    }
}

/// Whether a token run is a shorter unit repeated (`x = f(x)` sixty times): a run of
/// identical statements is no clone of another such run. KMP's failure function gives the
/// shortest period.
fn is_repetition(values: impl Iterator<Item = u32>) -> bool {
    let v: Vec<u32> = values.collect();
    let mut fail = vec![0usize; v.len()];
    for i in 1..v.len() {
        let mut j = fail[i - 1];
        while j > 0 && v[i] != v[j] {
            j = fail[j - 1];
        }
        if v[i] == v[j] {
            j += 1;
        }
        fail[i] = j;
    }
    let period = v.len() - fail.last().copied().unwrap_or(0);
    period * 2 <= v.len()
}

/// A 64-bit finaliser (splitmix64), so the minimum of a window is a fair sample.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Per input, how many distinct lines with code lie in its copies.
fn duplicated_lines(files: &[Input], groups: &[Group]) -> Vec<u32> {
    let mut lines: HashMap<usize, Vec<u32>> = HashMap::new();
    for r in groups.iter().flat_map(|g| &g.regions) {
        let tokens = files[r.file].tokens;
        let out = lines.entry(r.file).or_default();
        out.push(tokens.line_of(r.start));
        let first = tokens
            .lines
            .partition_point(|&(i, _)| (i as usize) <= r.start);
        out.extend(
            tokens.lines[first..]
                .iter()
                .take_while(|&&(i, _)| (i as usize) < r.end)
                .map(|&(_, line)| line),
        );
    }
    (0..files.len())
        .map(|f| {
            lines.get_mut(&f).map_or(0, |l| {
                l.sort_unstable();
                l.dedup();
                l.len() as u32
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(lang: Language, src: &str) -> Tokens {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&lang.grammar()).unwrap();
        let tree = parser.parse(src, None).unwrap();
        crate::facts::extract(&tree, src, lang).tokens
    }

    const BODY: &str = "def handle(request, user):
    if request.method != \"POST\":
        return error(405, \"method not allowed\")
    data = parse(request.body)
    if not data.get(\"name\"):
        return error(400, \"name is required\")
    if len(data[\"name\"]) > 100:
        return error(400, \"name is too long\")
    user.name = data[\"name\"]
    user.save()
    return ok(user)
";

    fn settings(exact: bool) -> Settings {
        Settings {
            min_tokens: 50,
            min_lines: 6,
            exact,
        }
    }

    fn detect_in(sources: &[String], exact: bool) -> Clones {
        let toks: Vec<Tokens> = sources
            .iter()
            .map(|s| tokens(Language::Python, s))
            .collect();
        let inputs: Vec<Input> = toks
            .iter()
            .map(|t| Input {
                language: Language::Python,
                tokens: t,
            })
            .collect();
        detect(&inputs, &settings(exact))
    }

    #[test]
    fn renamed_copies_are_one_type2_group_and_not_an_exact_one() {
        let renamed = BODY
            .replace("request", "req")
            .replace("user", "account")
            .replace("405", "404");
        let sources = [
            format!("x = 1\n{BODY}"),
            format!("{renamed}\ny = 2\n"),
            BODY.to_string(),
        ];
        let found = detect_in(&sources, false);
        assert_eq!(found.groups.len(), 1, "{:?}", found.groups);
        let g = &found.groups[0];
        let places: Vec<_> = g.regions.iter().map(|r| (r.file, r.start_line)).collect();
        assert_eq!(places, [(0, 2), (1, 1), (2, 1)]);
        assert_eq!(
            g.regions[0].end_line - g.regions[0].start_line + 1,
            11,
            "the whole function, extended to its maximal extent"
        );
        assert_eq!(found.duplicated_lines, [11, 11, 11]);
        let exact = detect_in(&sources, true);
        let places: Vec<_> = exact.groups[0].regions.iter().map(|r| r.file).collect();
        assert_eq!(places, [0, 2], "the renamed copy is no Type-1 clone");
    }

    #[test]
    fn javascript_and_typescript_copies_match_and_python_never_does() {
        let js = "function total(items, rate) {
  let s = 0;
  for (const item of items) {
    s = s + item.price * rate;
  }
  if (s > 100) {
    s = s - 10;
  }
  const count = items.length;
  return [s, s / count, count];
}
";
        let ts = js.replace("(items, rate)", "(items: Item[], rate: number)");
        let files = [
            (Language::JavaScript, js.to_string()),
            (Language::TypeScript, js.to_string()),
            (Language::Tsx, ts),
            (Language::C, "int f(int a) { return a; }\n".to_string()),
        ];
        let toks: Vec<(Language, Tokens)> =
            files.iter().map(|(l, s)| (*l, tokens(*l, s))).collect();
        let inputs: Vec<Input> = toks
            .iter()
            .map(|(language, tokens)| Input {
                language: *language,
                tokens,
            })
            .collect();
        let found = detect(&inputs, &settings(false));
        let groups: Vec<Vec<usize>> = found
            .groups
            .iter()
            .map(|g| g.regions.iter().map(|r| r.file).collect())
            .collect();
        // JavaScript and TypeScript whole; the TSX copy from after its typed signature.
        assert_eq!(groups, [vec![0, 1], vec![0, 2]]);
        assert!(found.groups[1].regions[1].start > found.groups[1].regions[0].start);
        // A Python file never matches a JavaScript one, whatever their tokens' numbers.
        let py = tokens(Language::Python, BODY);
        let same_numbers = Input {
            language: Language::JavaScript,
            tokens: &py,
        };
        let python = Input {
            language: Language::Python,
            tokens: &py,
        };
        assert!(detect(&[python, same_numbers], &settings(false))
            .groups
            .is_empty());
    }

    #[test]
    fn a_different_operator_is_no_clone() {
        let total = "def total(items, rate):
    s = 0
    for item in items:
        s = s + item.price * rate
    if s > 100:
        s = s - 10
    s = round(s, 2)
    count = len(items)
    avg = s / count
    return s, avg
";
        let renamed = total.replace("items", "rows").replace("rate", "k");
        assert_eq!(detect_in(&[total.into(), renamed], false).groups.len(), 1);
        let minus = total.replace("s + item", "s - item");
        let found = detect_in(&[total.into(), minus], false);
        assert!(found.groups.is_empty(), "{:?}", found.groups);
    }

    #[test]
    fn short_or_few_lined_copies_are_not_reported() {
        let short = "def f(a):\n    return g(a, 1) + h(a, 2)\n".to_string();
        let found = detect_in(&[short.clone(), short], false);
        assert!(found.groups.is_empty());
        // Over 50 tokens, but on one line.
        let line = format!(
            "x = [{}]\n",
            (0..30)
                .map(|i| format!("f(a{i})"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let found = detect_in(&[line.clone(), line], false);
        assert!(found.groups.is_empty());
    }

    #[test]
    fn shared_licence_headers_and_import_blocks_are_no_clone() {
        let header: String = (0..30).map(|i| format!("# Licence line {i}\n")).collect();
        let imports: String = (0..12).map(|i| format!("import module{i}\n")).collect();
        let sources: Vec<String> = (0..200)
            .map(|i| format!("{header}{imports}\ndef f{i}(x):\n    return x + {i}\n"))
            .collect();
        let found = detect_in(&sources, false);
        assert!(found.groups.is_empty(), "{:?}", found.groups.first());
    }

    #[test]
    fn a_copy_inside_one_file_is_found_and_overlap_is_not() {
        let found = detect_in(&[format!("{BODY}\n\n{BODY}")], false);
        assert_eq!(found.groups.len(), 1);
        let lines: Vec<_> = found.groups[0]
            .regions
            .iter()
            .map(|r| r.start_line)
            .collect();
        assert_eq!(lines, [1, 14]);
        // A long run of one repeated statement is no clone of itself.
        let repeated: String = "x = f(x)\n".repeat(60);
        assert!(detect_in(&[repeated], false).groups.is_empty());
    }

    #[test]
    fn a_pervasive_snippet_is_one_group_with_capped_places() {
        let sources: Vec<String> = (0..100).map(|_| BODY.to_string()).collect();
        let found = detect_in(&sources, false);
        assert_eq!(found.groups.len(), 1);
        assert_eq!(found.groups[0].regions.len(), MAX_OCCURRENCES);
    }
}
