//! Duplicate code across the project, from every file's clone tokens (see `facts::tokens`).
//!
//! Each file's tokens are hashed in windows of `k` tokens (a rolling polynomial hash) and
//! winnowed (Schleimer, Wilkerson and Aiken, 2003: the minimum hash of every `w` consecutive
//! windows is kept), so any run of `k + w - 1` = `min_tokens` equal tokens shares at least one
//! kept hash, while only about `2 / (w + 1)` of the windows are kept. Files whose kept hashes
//! meet are compared token by token from there (every two places of a hash), and the match
//! is extended both ways to its maximal length; matches are grouped by their first copy.
//!
//! The next run starts from a [`Memo`] of the kept hashes, the reportable matches (with the
//! hash they were found from) and the groups: a match depends only on the tokens of its two
//! files, so after an edit only the changed files are winnowed, only the places of the hashes
//! they had or have are compared, and only the groups whose first place gained or lost a
//! match are built again (see [`update`]).
//!
//! Memory: the files' facts keep 1 byte a token (3 with `--duplicates exact`) and 8 bytes a
//! line with code; detection adds 12 bytes per kept hash (about 0.9 bytes a token at the
//! default 50 tokens), 24 per reportable match and the found groups. On the Python standard
//! library (4.45 M tokens, 620 k code lines) that is about 13 MB, and the memo 4.3 MB stored.

use std::collections::{BTreeMap, HashMap, HashSet};

use wtfcb_core::facts::Tokens;
use wtfcb_core::lang::Language;

/// More places than this sharing one hash are a pervasive snippet: the first ones are kept.
pub const MAX_OCCURRENCES: usize = 1024;

/// A hash's places form at most this many classes (see [`Detector::matches`]): a place that
/// is a copy of none of their first places starts no further one, so a hash costs at most
/// this many comparisons a place.
pub const MAX_CLASSES: usize = 64;

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
#[derive(Debug, Default, Clone, PartialEq, Eq, bincode::Encode, bincode::Decode)]
pub struct Clones {
    pub groups: Vec<Group>,
    /// Per input, how many of its lines lie in a copy.
    pub duplicated_lines: Vec<u32>,
}

impl Clones {
    /// The groups as reported (see [`reported`]), with the same lines duplicated.
    fn reported(&self) -> Clones {
        Clones {
            groups: reported(&self.groups),
            duplicated_lines: self.duplicated_lines.clone(),
        }
    }
}

/// Finds every group of copies of at least `min_tokens` tokens over `min_lines` lines.
pub fn detect(files: &[Input], settings: &Settings) -> Clones {
    detect_again(files, settings, None).0
}

/// The winnowed window hashes of every file as (hash, file, position), sorted: where detection
/// starts (its first step, apart for benches).
pub fn fingerprints(files: &[Input], settings: &Settings) -> Vec<(u32, u32, u32)> {
    let all: Vec<usize> = (0..files.len()).collect();
    Sizes::of(settings)
        .detector(files, settings)
        .fingerprints(&all)
}

/// What one detection leaves for the next to start from: every file's winnowed hashes, every
/// reportable match with the hash whose places it was found from, and the result. Each part
/// depends only on the tokens of the files it names, so the next detection recomputes only
/// what involves a changed file and reuses the rest unchanged.
#[derive(Debug, Default, bincode::Encode, bincode::Decode)]
pub struct Memo {
    /// How many inputs the detection had (file numbers below are indices into them).
    files: u32,
    /// The winnowed hashes as (hash, file, position), sorted.
    kept: Vec<(u32, u32, u32)>,
    /// The reportable matches, sorted.
    found: Vec<Found>,
    clones: Clones,
}

/// A reportable match between two of a hash's places (`a`, the earlier, from token `sa` to
/// `ea`, and `b`, from `sb`), found from the places that share `hash`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, bincode::Encode, bincode::Decode)]
struct Found {
    hash: u32,
    a: u32,
    sa: u32,
    ea: u32,
    b: u32,
    sb: u32,
}

/// An earlier detection's memo, and per input its number there when its tokens are unchanged.
pub struct Earlier<'m> {
    pub memo: &'m Memo,
    pub index: Vec<Option<u32>>,
}

/// What a detection computed afresh rather than took from the memo.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    /// Files winnowed (the others' hashes were reused).
    pub fingerprinted: usize,
    /// Hashes whose places were compared again, of `hashes` shared by two places or more.
    pub hashes_compared: usize,
    pub hashes: usize,
    /// Groups built again, of `groups` found.
    pub groups_rebuilt: usize,
    pub groups: usize,
    /// Whether the memo was unusable (it does not fit the files) and so ignored.
    pub memo_rejected: bool,
}

/// Where a detection gets its files' tokens: a cache keeps them apart from the rest of a
/// file's facts, so an update brings into memory only those of the files it looks at.
pub trait TokenSource {
    /// How many files there are.
    fn count(&self) -> usize;
    /// Brings these files' tokens into memory; `false` when some could not be (they are then
    /// compared as empty, as a detection from scratch would).
    fn load(&mut self, files: &[usize]) -> bool;
    /// Every file as detection sees it (files not loaded yet have no tokens).
    fn inputs(&self) -> Vec<Input<'_>>;
}

/// Files whose tokens are all in memory.
struct InMemory<'a, 'b>(&'a [Input<'b>]);

impl TokenSource for InMemory<'_, '_> {
    fn count(&self) -> usize {
        self.0.len()
    }

    fn load(&mut self, _: &[usize]) -> bool {
        true
    }

    fn inputs(&self) -> Vec<Input<'_>> {
        self.0
            .iter()
            .map(|i| Input {
                language: i.language,
                tokens: i.tokens,
            })
            .collect()
    }
}

/// [`detect`], reusing what `earlier` found in the files whose tokens did not change (see
/// [`update`]), with every file's tokens in memory.
pub fn detect_again(
    files: &[Input],
    settings: &Settings,
    earlier: Option<Earlier>,
) -> (Clones, Memo, Work) {
    update(&mut InMemory(files), settings, earlier)
}

/// [`detect`], reusing what `earlier` found in the files whose tokens did not change: the
/// same groups as a detection from scratch, with only the changed files winnowed, only the
/// places sharing a hash with a changed file compared again, only the groups whose matches
/// changed built again, and only the tokens of the files involved brought into memory.
/// Returns the memo for the next run and what was recomputed. A memo that does not fit, or
/// a file whose tokens cannot be loaded, makes it a detection from scratch.
pub fn update(
    source: &mut impl TokenSource,
    settings: &Settings,
    earlier: Option<Earlier>,
) -> (Clones, Memo, Work) {
    let sizes = Sizes::of(settings);
    let mut work = Work::default();
    let plan = earlier.and_then(|e| {
        let plan = Reuse::of(&e, source.count());
        work.memo_rejected = plan.is_none();
        plan.map(|plan| (e.memo, plan))
    });
    let updated = plan.and_then(|(memo, plan)| {
        let updated = sizes.update(source, settings, memo, plan, &mut work);
        work.memo_rejected = updated.is_none();
        updated
    });
    let (clones, memo) = updated.unwrap_or_else(|| {
        let all: Vec<usize> = (0..source.count()).collect();
        source.load(&all);
        let inputs = source.inputs();
        let fallback = work.memo_rejected;
        work = Work {
            memo_rejected: fallback,
            ..Work::default()
        };
        sizes.detector(&inputs, settings).everything(&mut work)
    });
    work.groups = memo.clones.groups.len();
    (clones, memo, work)
}

/// The window sizes of a detection.
#[derive(Clone, Copy)]
struct Sizes {
    min_tokens: usize,
    /// Tokens per hashed window.
    k: usize,
    /// Windows per winnowing window.
    w: usize,
}

impl Sizes {
    fn of(settings: &Settings) -> Sizes {
        let min_tokens = settings.min_tokens.max(2);
        let k = (min_tokens / 2).max(1);
        Sizes {
            min_tokens,
            k,
            w: min_tokens + 1 - k,
        }
    }

    fn detector<'a>(self, files: &'a [Input<'a>], settings: &'a Settings) -> Detector<'a> {
        Detector {
            files,
            settings,
            min_tokens: self.min_tokens,
            k: self.k,
            w: self.w,
        }
    }

    /// The update of `memo` for the changed files, in three steps that each load the tokens
    /// of the files they look at: winnowing the changed files; comparing the places of the
    /// hashes they had or have; building the groups whose first place gained or lost a match.
    /// `None` when the memo turns out not to fit or some tokens cannot be loaded.
    fn update(
        self,
        source: &mut impl TokenSource,
        settings: &Settings,
        memo: &Memo,
        plan: Reuse,
        work: &mut Work,
    ) -> Option<(Clones, Memo)> {
        let mut step = Update::new(memo, plan, source.count());
        work.fingerprinted = step.fresh.len();
        if !source.load(&step.fresh) {
            return None;
        }
        let needed = step.hashes(&self.detector(&source.inputs(), settings), work);
        if !source.load(&needed) {
            return None;
        }
        let needed = step.compare(&self.detector(&source.inputs(), settings), work)?;
        if !source.load(&needed) {
            return None;
        }
        let inputs = source.inputs();
        step.finish(&self.detector(&inputs, settings), work)
    }
}

/// How an earlier detection's file numbers map to this one's.
struct Reuse {
    /// Per earlier file, its number now, `None` when it changed or is gone.
    now: Vec<Option<u32>>,
    /// Per file now, whether its tokens changed (or it is new).
    fresh: Vec<bool>,
}

impl Reuse {
    /// The mapping, when the memo fits `files` files: file numbers in range and the unchanged
    /// files in the same order (a memo read from disk is checked, not trusted; places are
    /// checked against the files' tokens when those are loaded).
    fn of(e: &Earlier, files: usize) -> Option<Reuse> {
        let n = e.memo.files as usize;
        if e.index.len() != files {
            return None;
        }
        let mut now = vec![None; n];
        let mut last = None;
        for (f, old) in e.index.iter().enumerate() {
            if let Some(old) = *old {
                // Unchanged files keep their order, so each hash's places keep theirs.
                if old as usize >= n || last.is_some_and(|l| l >= old) {
                    return None;
                }
                last = Some(old);
                now[old as usize] = Some(f as u32);
            }
        }
        let memo = e.memo;
        let in_range = |f: u32| (f as usize) < n;
        let fits = memo.kept.iter().all(|&(_, f, _)| in_range(f))
            && memo
                .found
                .iter()
                .all(|x| in_range(x.a) && in_range(x.b) && x.sa < x.ea)
            && memo.clones.groups.iter().all(|g| {
                !g.regions.is_empty()
                    && g.regions
                        .iter()
                        .all(|r| r.file < n && r.start < r.end && r.start_line <= r.end_line)
            })
            && memo.clones.duplicated_lines.len() == n;
        fits.then(|| Reuse {
            now,
            fresh: e.index.iter().map(Option::is_none).collect(),
        })
    }

    fn file(&self, old: u32) -> Option<u32> {
        self.now[old as usize]
    }
}

/// An update in progress (see [`Sizes::update`]).
struct Update<'m> {
    memo: &'m Memo,
    plan: Reuse,
    /// The files winnowed again: changed or new.
    fresh: Vec<usize>,
    /// The hashes whose places changed, sorted.
    touched: Vec<u32>,
    kept: Vec<(u32, u32, u32)>,
    found: Vec<Found>,
    /// Anchors (file, start) that gained or lost a match.
    dirty: HashSet<(u32, u32)>,
    /// The earlier groups that stand.
    groups: Vec<Group>,
    /// Per file, whether its duplicated lines are counted again.
    recount: Vec<bool>,
}

impl<'m> Update<'m> {
    fn new(memo: &'m Memo, plan: Reuse, files: usize) -> Update<'m> {
        let fresh = (0..files).filter(|&f| plan.fresh[f]).collect();
        Update {
            memo,
            plan,
            fresh,
            touched: Vec::new(),
            kept: Vec::new(),
            found: Vec::new(),
            dirty: HashSet::new(),
            groups: Vec::new(),
            recount: vec![false; files],
        }
    }

    /// The places of `touched` hash `h` that are compared: at most [`MAX_OCCURRENCES`].
    fn run(&self, h: u32) -> &[(u32, u32, u32)] {
        let from = self.kept.partition_point(|p| p.0 < h);
        let to = from + self.kept[from..].partition_point(|p| p.0 == h);
        &self.kept[from..to.min(from + MAX_OCCURRENCES)]
    }

    /// Winnows the changed files (loaded) and merges their hashes with the others'; returns
    /// the files whose places the touched hashes compare.
    fn hashes(&mut self, d: &Detector, work: &mut Work) -> Vec<usize> {
        let fresh = d.fingerprints(&self.fresh);
        let plan = &self.plan;
        // The hashes whose places changed: those of the changed files, before and now.
        let mut touched: Vec<u32> = self
            .memo
            .kept
            .iter()
            .filter(|&&(_, f, _)| plan.file(f).is_none())
            .map(|&(h, _, _)| h)
            .chain(fresh.iter().map(|&(h, _, _)| h))
            .collect();
        touched.sort_unstable();
        touched.dedup();
        let carried = self
            .memo
            .kept
            .iter()
            .filter_map(|&(h, f, p)| Some((h, plan.file(f)?, p)))
            .collect();
        self.kept = merge(carried, fresh);
        self.touched = touched;
        work.hashes = self
            .kept
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|r| r.len() > 1)
            .count();
        let mut files: Vec<usize> = self
            .touched
            .iter()
            .flat_map(|&h| self.run(h))
            .map(|&(_, f, _)| f as usize)
            .collect();
        files.sort_unstable();
        files.dedup();
        files
    }

    /// Compares the touched hashes' places (loaded) again and keeps the other matches; marks
    /// the anchors that gained or lost one and the earlier groups that stand. Returns the files
    /// the groups to build and the lines to count again involve; `None` when a remembered place
    /// lies outside its file.
    fn compare(&mut self, d: &Detector, work: &mut Work) -> Option<Vec<usize>> {
        let len = |f: u32| d.files[f as usize].tokens.len();
        let runs_fit = self
            .touched
            .iter()
            .flat_map(|&h| self.run(h))
            .all(|&(_, f, p)| p as usize + d.k <= len(f));
        if !runs_fit {
            return None;
        }
        let plan = &self.plan;
        let mut carried = Vec::with_capacity(self.memo.found.len());
        for x in &self.memo.found {
            let now = plan.file(x.a).zip(plan.file(x.b));
            if self.touched.binary_search(&x.hash).is_ok() {
                if let Some((a, _)) = now {
                    self.dirty.insert((a, x.sa));
                }
            } else if let Some((a, b)) = now {
                carried.push(Found { a, b, ..*x });
            }
        }
        let mut again = Vec::new();
        let mut covered = Covered::default();
        for &h in &self.touched {
            let run = self.run(h);
            if run.len() > 1 {
                work.hashes_compared += 1;
                d.matches(run, &mut covered, &mut again);
            }
        }
        again.sort_unstable();
        self.dirty.extend(again.iter().map(|x| (x.a, x.sa)));
        self.found = merge(carried, again);
        // Groups whose first place's matches are all unchanged stand; the files of the others
        // count their lines again.
        for g in &self.memo.clones.groups {
            let regions: Option<Vec<Region>> = g
                .regions
                .iter()
                .map(|r| {
                    let file = plan.file(r.file as u32)? as usize;
                    Some(Region { file, ..*r })
                })
                .collect();
            match regions {
                Some(regions)
                    if !self
                        .dirty
                        .contains(&(regions[0].file as u32, regions[0].start as u32)) =>
                {
                    self.groups.push(Group {
                        regions,
                        identity: g.identity,
                    });
                }
                _ => {
                    for f in g.regions.iter().filter_map(|r| plan.file(r.file as u32)) {
                        self.recount[f as usize] = true;
                    }
                }
            }
        }
        let mut files: Vec<usize> = self
            .found
            .iter()
            .filter(|x| self.dirty.contains(&(x.a, x.sa)))
            .flat_map(|x| [x.a as usize, x.b as usize])
            .chain((0..self.recount.len()).filter(|&f| self.recount[f]))
            .collect();
        files.sort_unstable();
        files.dedup();
        Some(files)
    }

    /// Builds the groups of the dirty anchors (their files loaded) and counts the lines of the
    /// files whose copies changed; `None` when a remembered match lies outside its files.
    fn finish(self, d: &Detector, work: &mut Work) -> Option<(Clones, Memo)> {
        let len = |f: u32| d.files[f as usize].tokens.len();
        let is_dirty = |x: &Found| self.dirty.contains(&(x.a, x.sa));
        let fits = self
            .found
            .iter()
            .filter(|x| is_dirty(x))
            .all(|x| x.ea as usize <= len(x.a) && (x.sb + (x.ea - x.sa)) as usize <= len(x.b));
        if !fits {
            return None;
        }
        let rebuilt = d.groups(by_anchor(&self.found, is_dirty));
        work.groups_rebuilt = rebuilt.len();
        let mut recount = self.recount;
        for r in rebuilt.iter().flat_map(|g| &g.regions) {
            recount[r.file] = true;
        }
        let mut groups = self.groups;
        groups.extend(rebuilt);
        groups.sort_by(|a, b| a.regions.cmp(&b.regions));
        let mut old_of = vec![None; d.files.len()];
        for (o, now) in self.plan.now.iter().enumerate() {
            if let Some(now) = now {
                old_of[*now as usize] = Some(o);
            }
        }
        let earlier = &self.memo.clones.duplicated_lines;
        let duplicated_lines = duplicated_lines(
            d.files,
            &groups,
            |f| recount[f],
            |f| old_of[f].map_or(0, |o| earlier[o]),
        );
        let memo = Memo {
            files: d.files.len() as u32,
            kept: self.kept,
            found: self.found,
            clones: Clones {
                groups,
                duplicated_lines,
            },
        };
        Some((memo.clones.reported(), memo))
    }
}

/// The equal runs already found, per (file a, file b, offset b - a).
/// The runs found per diagonal, looked up for every pair of places a hash has: hashed with
/// foldhash (seeded per process, as std's SipHash is, at a fraction of its cost; SipHash was
/// 17 of the 56 million instructions matching took on the npm sample).
type Covered = HashMap<(u32, u32, i64), Vec<Diagonal>, foldhash::fast::RandomState>;

/// A maximal equal run on a diagonal, from `start` to `end` in file a; the match it gives
/// ends at `match_end` (before `end` when one file's copies would overlap).
#[derive(Debug, Clone, Copy)]
struct Diagonal {
    start: u32,
    end: u32,
    match_end: u32,
    report: bool,
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
    /// The detection with nothing to reuse.
    fn everything(&self, work: &mut Work) -> (Clones, Memo) {
        let all: Vec<usize> = (0..self.files.len()).collect();
        let kept = self.fingerprints(&all);
        work.fingerprinted = all.len();
        let mut found = Vec::new();
        let mut covered = Covered::default();
        for run in kept.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
            work.hashes += 1;
            self.matches(run, &mut covered, &mut found);
        }
        work.hashes_compared = work.hashes;
        found.sort_unstable();
        let groups = self.groups(by_anchor(&found, |_| true));
        work.groups_rebuilt = groups.len();
        let duplicated_lines = duplicated_lines(self.files, &groups, |_| true, |_| 0);
        let memo = Memo {
            files: self.files.len() as u32,
            kept,
            found,
            clones: Clones {
                groups,
                duplicated_lines,
            },
        };
        (memo.clones.reported(), memo)
    }

    /// The reportable matches among a hash's places (at most [`MAX_OCCURRENCES`]: a
    /// pervasive snippet is reported once). The places are taken in order, each matched with
    /// the first of the earlier classes whose first place it is a reportable copy of, or else
    /// the first place of a class of its own: a copy between two later places is found when
    /// the first place is no copy of them (an earlier detection compared the first place only
    /// and lost them), while a hash gives at most one match per place (comparing every two
    /// places kept 16 million matches on the crates corpus). Each match depends only on the
    /// two places' diagonal: the maximal equal run through them, which in one file is cut to
    /// its first copy that does not overlap the second. A place on a run already found is
    /// therefore that run's match, taken without comparing again.
    fn matches(&self, run: &[(u32, u32, u32)], covered: &mut Covered, out: &mut Vec<Found>) {
        let run = &run[..run.len().min(MAX_OCCURRENCES)];
        let mut firsts: Vec<(u32, u32)> = Vec::new();
        for &(hash, fb, pb) in run {
            let joined = firsts
                .iter()
                .any(|&a| self.pair(hash, a, (fb, pb), covered, out));
            if !joined && firsts.len() < MAX_CLASSES {
                firsts.push((fb, pb));
            }
        }
    }

    /// The reportable match of two places of one hash (`a` before `b`), if any: whether
    /// there is one.
    fn pair(
        &self,
        hash: u32,
        (fa, pa): (u32, u32),
        (fb, pb): (u32, u32),
        covered: &mut Covered,
        out: &mut Vec<Found>,
    ) -> bool {
        // Overlapping copies of one file are repetition (`a, a, a, a`), not a clone.
        if fa == fb && pa as usize + self.k > pb as usize {
            return false;
        }
        let offset = i64::from(pb) - i64::from(pa);
        let seen = covered.entry((fa, fb, offset)).or_default();
        let known = seen
            .iter()
            .find(|c| (c.start..c.end).contains(&pa))
            .copied();
        let run = match known {
            // Past the run's end the windows differ: no match from here.
            Some(c) if pa as usize + self.k > c.end as usize => return false,
            Some(c) => c,
            None => {
                let a = (fa as usize, pa as usize);
                let b = (fb as usize, pb as usize);
                let Some((start, end)) = self.extend(a, b) else {
                    return false;
                };
                // One file's two copies must not overlap: the first `offset` tokens.
                let ea = if fa == fb {
                    end.min(start + offset as usize)
                } else {
                    end
                };
                let sb = (start as i64 + offset) as usize;
                let report = self.reportable(a.0, start, ea)
                    && self.spans(&self.region(b.0, sb, sb + (ea - start)))
                    && self.alike((a.0, start), (b.0, sb), ea - start);
                let c = Diagonal {
                    start: start as u32,
                    end: end as u32,
                    match_end: ea as u32,
                    report,
                };
                seen.push(c);
                c
            }
        };
        if run.report {
            out.push(Found {
                hash,
                a: fa,
                sa: run.start,
                ea: run.match_end,
                b: fb,
                sb: (i64::from(run.start) + offset) as u32,
            });
        }
        run.report
    }

    /// The groups of the given anchors' matches, sorted.
    fn groups(&self, by_anchor: BTreeMap<(usize, usize), Vec<Partner>>) -> Vec<Group> {
        let mut groups: Vec<Group> = by_anchor
            .into_iter()
            .filter_map(|((fa, sa), partners)| self.group(fa, sa, &partners))
            .collect();
        groups.sort_by(|a, b| a.regions.cmp(&b.regions));
        groups
    }

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

    /// The winnowed window hashes of the given files as (hash, file, position), sorted; files
    /// are hashed in parallel. 32 bits of hash are enough: a collision costs one comparison of
    /// `k` tokens, never a wrong match.
    fn fingerprints(&self, which: &[usize]) -> Vec<(u32, u32, u32)> {
        use rayon::prelude::*;
        let mut kept: Vec<(u32, u32, u32)> = which
            .par_iter()
            .flat_map_iter(|&f| {
                let input = &self.files[f];
                let mut kept = Vec::new();
                if input.tokens.len() >= self.min_tokens {
                    // One family (JavaScript/TypeScript, C/C++) shares its hashes.
                    let seed = wtfcb_core::facts::tokens::family(input.language).index() as u64 + 1;
                    let (tokens, exact) = (&input.tokens, self.settings.exact);
                    let value = |i| tokens.value(i, exact);
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
    /// extends the match both ways as far as it goes: the maximal equal run through them on
    /// their diagonal, `(start in a, end in a)`. It is the same from every place on the run.
    fn extend(&self, (fa, pa): (usize, usize), (fb, pb): (usize, usize)) -> Option<(usize, usize)> {
        if !self.settings.exact {
            // Kinds alone are compared: the equal runs of two byte strings, 8 bytes a step.
            let (a, b) = (&self.files[fa].tokens.kinds, &self.files[fb].tokens.kinds);
            let ahead = common_prefix(&a[pa..], &b[pb..]);
            if ahead < self.k {
                return None;
            }
            return Some((pa - common_suffix(&a[..pa], &b[..pb]), pa + ahead));
        }
        if !(0..self.k).all(|j| self.eq((fa, pa + j), (fb, pb + j))) {
            return None;
        }
        let (mut sa, mut sb, mut ea, mut eb) = (pa, pb, pa + self.k, pb + self.k);
        while sa > 0 && sb > 0 && self.eq((fa, sa - 1), (fb, sb - 1)) {
            sa -= 1;
            sb -= 1;
        }
        let (na, nb) = (self.files[fa].tokens.len(), self.files[fb].tokens.len());
        while ea < na && eb < nb && self.eq((fa, ea), (fb, eb)) {
            ea += 1;
            eb += 1;
        }
        Some((sa, ea))
    }

    /// Whether two copies of one token shape, `len` tokens from `a` and from `b`, read alike:
    /// see [`names_alike`]; or that hold a Type-1 copy long enough to report on its own
    /// (where a match extends past an exact copy into code with other names, the names of
    /// the whole may disagree). Type-1 copies (`exact`) are alike by definition.
    fn alike(&self, (fa, sa): (usize, usize), (fb, sb): (usize, usize), len: usize) -> bool {
        if self.settings.exact {
            return true;
        }
        let table = wtfcb_core::facts::tokens::named_or_literal(self.files[fa].language);
        let (a, b) = (self.files[fa].tokens, self.files[fb].tokens);
        names_alike(table, (a, sa), (b, sb), len) || exact_run(a, sa, b, sb, len) >= self.min_tokens
    }

    /// Whether a match is long enough, spans enough lines and is no mere repetition.
    fn reportable(&self, file: usize, start: usize, end: usize) -> bool {
        end - start >= self.min_tokens
            && self.spans(&self.region(file, start, end))
            && !is_repetition((start..end).map(|i| self.value(file, i)))
    }

    /// The group of the copies matched from one anchor position, cut to the length all share:
    /// a copy that joins with a longer match than the others leaves the group's span and
    /// identity (and so its baseline entry) as they were.
    fn group(&self, fa: usize, sa: usize, partners: &[Partner]) -> Option<Group> {
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

/// Whether the names and literal values of two copies of one token shape agree enough for
/// one to be a copy of the other. Type-2 copies differ in names and values, but a copy a
/// maintainer would merge keeps most of them or renames a few throughout (`frames` to `traces`
/// in every line), where code that only shares a shape (one-line methods delegating to
/// another object, a run of `self.x = None` declarations, a polynomial's coefficients) changes
/// nearly every one. A pair is alike when at most half of its distinct (name or value, name or
/// value) pairs differ: the fixture's handler copied with its five local names renamed has 5
/// of 14. Without text hashes (tokens from an older cache) it cannot tell and says yes.
fn names_alike(
    table: &[bool; 256],
    (a, sa): (&Tokens, usize),
    (b, sb): (&Tokens, usize),
    len: usize,
) -> bool {
    if a.texts.len() != a.len() || b.texts.len() != b.len() {
        return true;
    }
    let mut pairs: Vec<(u16, u16)> = (0..len)
        .filter(|&i| table[usize::from(a.kinds[sa + i])])
        .map(|i| (a.texts[sa + i], b.texts[sb + i]))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let changed = pairs.iter().filter(|(x, y)| x != y).count();
    2 * changed <= pairs.len()
}

/// The longest run of tokens equal in text too (a Type-1 copy) within a match of `len` tokens
/// from `sa` in `a` and `sb` in `b`; 0 without text hashes.
fn exact_run(a: &Tokens, sa: usize, b: &Tokens, sb: usize, len: usize) -> usize {
    if a.texts.len() != a.len() || b.texts.len() != b.len() {
        return 0;
    }
    let (mut run, mut longest) = (0, 0);
    for i in 0..len {
        if a.texts[sa + i] == b.texts[sb + i] {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// Calls `keep(position, hash)` for the winnowed `k`-token window hashes of one file: in every
/// `w` consecutive windows, the smallest hash (the rightmost of equal ones), each once.
///
/// The minima come by blocks of `w` windows (van Herk; Gil and Werman): a window that starts
/// in a block is the tail of that block, whose minima are taken right to left once per block,
/// and the head of the next, whose minimum grows as the window moves. A minimum that changes
/// is rare, so the branches are predictable, where a queue of candidates took a mispredicted
/// branch about once a window.
fn winnow(
    n: usize,
    k: usize,
    w: usize,
    seed: u64,
    value: impl Fn(usize) -> u32,
    keep: impl FnMut(usize, u64),
) {
    thread_local! {
        /// The window hashes of the file and the tail minima of a block, kept per thread.
        static SCRATCH: std::cell::RefCell<(Vec<u64>, Vec<usize>)> =
            const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
    }
    if n < k || k == 0 || w == 0 {
        return;
    }
    SCRATCH.with_borrow_mut(|(hashes, tail)| {
        window_hashes(n, k, seed, value, hashes);
        window_minima(hashes, w, tail, keep);
        // A thread keeps up to 8 MB for the next file, not the largest file's size.
        hashes.clear();
        hashes.shrink_to(1 << 20);
    });
}

/// The hash of every `k`-token window of `n` tokens (`k <= n`): a polynomial rolled one token
/// at a time, then finalised.
fn window_hashes(n: usize, k: usize, seed: u64, value: impl Fn(usize) -> u32, out: &mut Vec<u64>) {
    const BASE: u64 = 0x0000_0100_0000_01b3;
    let top = (1..k).fold(1u64, |p, _| p.wrapping_mul(BASE));
    let salt = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let token = |i: usize| u64::from(value(i)) + 1;
    let mut h = (0..k).fold(0u64, |h, i| h.wrapping_mul(BASE).wrapping_add(token(i)));
    out.clear();
    out.reserve(n + 1 - k);
    out.push(mix(h ^ salt));
    for i in 1..=n - k {
        h = h
            .wrapping_sub(token(i - 1).wrapping_mul(top))
            .wrapping_mul(BASE)
            .wrapping_add(token(i + k - 1));
        out.push(mix(h ^ salt));
    }
}

/// Of places `a` and `b` (`b` to the right), the one with the smaller hash, `b` on a tie.
#[inline(always)]
fn rightmost_min(hashes: &[u64], a: usize, b: usize) -> usize {
    if hashes[b] <= hashes[a] {
        b
    } else {
        a
    }
}

/// Calls `keep(position, hash)` for the rightmost minimum of every `w` consecutive hashes (of
/// all of them when there are fewer), each place once.
fn window_minima(
    hashes: &[u64],
    w: usize,
    tail: &mut Vec<usize>,
    mut keep: impl FnMut(usize, u64),
) {
    let windows = hashes.len();
    if windows < w {
        let min = (1..windows).fold(0, |m, i| rightmost_min(hashes, m, i));
        keep(min, hashes[min]);
        return;
    }
    tail.clear();
    tail.resize(w, 0);
    let mut last = usize::MAX;
    // Blocks of windows `block..block + w`; a window starting at `j` covers `j..j + w`.
    for block in (0..=windows - w).step_by(w) {
        block_tails(hashes, block, tail);
        // The rightmost minimum of `block + w..j + w`: none at the block's start.
        let mut head = None;
        for j in block..(block + w).min(windows - w + 1) {
            let pick = if j == block {
                tail[0]
            } else {
                let grown = head.map_or(j + w - 1, |h| rightmost_min(hashes, h, j + w - 1));
                head = Some(grown);
                rightmost_min(hashes, tail[j - block], grown)
            };
            if pick != last {
                keep(pick, hashes[pick]);
                last = pick;
            }
        }
    }
}

/// `tail[i]`: the rightmost minimum of `block + i..block + tail.len()`.
fn block_tails(hashes: &[u64], block: usize, tail: &mut [usize]) {
    let end = block + tail.len();
    let mut min = end - 1;
    for i in (block..end).rev() {
        min = rightmost_min(hashes, i, min);
        tail[i - block] = min;
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

/// How many bytes `a` and `b` begin with alike.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let word = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap_or_default());
    let mut i = 0;
    while i + 8 <= n {
        let differ = word(a, i) ^ word(b, i);
        if differ != 0 {
            // Little-endian: the first byte that differs is the lowest set one.
            return i + (differ.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + a[i..n]
        .iter()
        .zip(&b[i..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many bytes `a` and `b` end with alike.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let word = |s: &[u8], i: usize| u64::from_le_bytes(s[i - 8..i].try_into().unwrap_or_default());
    let mut end = n;
    while end >= 8 {
        let differ = word(a, end) ^ word(b, end);
        if differ != 0 {
            // Little-endian: the last byte that differs is the highest set one.
            return n - end + (differ.leading_zeros() / 8) as usize;
        }
        end -= 8;
    }
    n - end
        + a[..end]
            .iter()
            .rev()
            .zip(b[..end].iter().rev())
            .take_while(|(x, y)| x == y)
            .count()
}

/// A 64-bit finaliser (splitmix64), so the minimum of a window is a fair sample.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The partners of each anchor place among `found` (sorted) that `wanted` selects.
fn by_anchor(
    found: &[Found],
    wanted: impl Fn(&Found) -> bool,
) -> BTreeMap<(usize, usize), Vec<Partner>> {
    let mut by_anchor: BTreeMap<(usize, usize), Vec<Partner>> = BTreeMap::new();
    for x in found.iter().filter(|x| wanted(x)) {
        by_anchor
            .entry((x.a as usize, x.sa as usize))
            .or_default()
            .push((x.ea as usize, x.b as usize, x.sb as usize));
    }
    by_anchor
}

/// Two sorted lists as one sorted list.
fn merge<T: Ord + Copy>(a: Vec<T>, b: Vec<T>) -> Vec<T> {
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Per input, how many distinct lines with code lie in its copies: counted for the files
/// `count` selects, taken from `known` for the others.
fn duplicated_lines(
    files: &[Input],
    groups: &[Group],
    count: impl Fn(usize) -> bool,
    known: impl Fn(usize) -> u32,
) -> Vec<u32> {
    let mut lines: HashMap<usize, Vec<u32>> = HashMap::new();
    for r in groups
        .iter()
        .flat_map(|g| &g.regions)
        .filter(|r| count(r.file))
    {
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
            if !count(f) {
                return known(f);
            }
            lines.get_mut(&f).map_or(0, |l| {
                l.sort_unstable();
                l.dedup();
                l.len() as u32
            })
        })
        .collect()
}

/// The groups as reported: one finding per place (the memo keeps them as found, each from
/// the first place of its matches, which an update rebuilds group by group). A group whose every copy lies within a copy
/// of another group says nothing new (the later places of a snippet found from an earlier
/// one) and is dropped; groups whose first copies overlap in one file become one group, from
/// the first of their tokens to the last, with the other copies merged where they overlap.
/// A pure function of the groups, so an incremental detection reports what a cold one does.
fn reported(groups: &[Group]) -> Vec<Group> {
    // Merging can make a group that holds every copy of another, which goes too.
    let mut out = merge_overlapping(without_subsumed(groups.to_vec()));
    out = without_subsumed(out);
    out.sort_by(|a, b| a.regions.cmp(&b.regions));
    out
}

/// The groups that no other group subsumes (see [`subsumed`]).
fn without_subsumed(groups: Vec<Group>) -> Vec<Group> {
    // Per file, its copies as (start, end, group), sorted: the groups that may hold a copy.
    let mut by_file: HashMap<usize, Vec<(usize, usize, usize)>> = HashMap::new();
    for (j, g) in groups.iter().enumerate() {
        for r in &g.regions {
            by_file.entry(r.file).or_default().push((r.start, r.end, j));
        }
    }
    for copies in by_file.values_mut() {
        copies.sort_unstable();
    }
    let gone: Vec<bool> = (0..groups.len())
        .map(|i| subsumed(&groups, &by_file, i, &groups[i]))
        .collect();
    groups
        .into_iter()
        .zip(gone)
        .filter(|(_, gone)| !gone)
        .map(|(g, _)| g)
        .collect()
}

/// Runs of groups whose first copies overlap in one file, each as one group.
fn merge_overlapping(mut groups: Vec<Group>) -> Vec<Group> {
    groups.sort_by_key(|g| (g.regions[0].file, g.regions[0].start, g.regions[0].end));
    let mut out: Vec<Group> = Vec::new();
    let mut members: Vec<&Group> = Vec::new();
    let mut reach: Option<(usize, usize)> = None;
    for g in &groups {
        let first = g.regions[0];
        if reach.is_some_and(|(file, end)| file != first.file || first.start >= end) {
            out.push(merged(&members));
            members.clear();
        }
        let end = match reach {
            Some((file, end)) if file == first.file => end.max(first.end),
            _ => first.end,
        };
        reach = Some((first.file, end));
        members.push(g);
    }
    if !members.is_empty() {
        out.push(merged(&members));
    }
    out
}

/// Whether every copy of group `i` lies within a copy of one other group that has no fewer
/// copies (of two with the same copies, the earlier stands).
fn subsumed(
    groups: &[Group],
    by_file: &HashMap<usize, Vec<(usize, usize, usize)>>,
    i: usize,
    g: &Group,
) -> bool {
    let within = |r: &Region, o: &Region| r.file == o.file && o.start <= r.start && r.end <= o.end;
    let first = &g.regions[0];
    let Some(copies) = by_file.get(&first.file) else {
        return false;
    };
    let upto = copies.partition_point(|&(start, _, _)| start <= first.start);
    copies[..upto]
        .iter()
        .filter(|&&(_, end, j)| end >= first.end && j != i)
        .any(|&(_, _, j)| {
            let o = &groups[j];
            o.regions.len() >= g.regions.len()
                && (o.regions != g.regions || j < i)
                && g.regions
                    .iter()
                    .all(|r| o.regions.iter().any(|x| within(r, x)))
        })
}

/// One group of groups whose first copies overlap: the union of the first copies, then the
/// others, those of one file that overlap as one.
fn merged(members: &[&Group]) -> Group {
    if let [one] = members {
        return (*one).clone();
    }
    let span = |a: Region, b: Region| Region {
        file: a.file,
        start: a.start.min(b.start),
        end: a.end.max(b.end),
        start_line: a.start_line.min(b.start_line),
        end_line: a.end_line.max(b.end_line),
    };
    let first = members
        .iter()
        .map(|g| g.regions[0])
        .reduce(span)
        .unwrap_or_else(|| unreachable!("a merged group has members"));
    let mut others: Vec<Region> = members
        .iter()
        .flat_map(|g| &g.regions[1..])
        .copied()
        .filter(|r| !(r.file == first.file && r.start < first.end && first.start < r.end))
        .collect();
    others.sort();
    let mut regions = vec![first];
    let mut last: Option<Region> = None;
    for r in others {
        match last {
            Some(l) if l.file == r.file && r.start < l.end => last = Some(span(l, r)),
            Some(l) => {
                regions.push(l);
                last = Some(r);
            }
            None => last = Some(r),
        }
    }
    regions.extend(last);
    // The identity of the member with the most copies (the longest of those): the one that
    // stays when a further overlapping group joins.
    let identity = members
        .iter()
        .max_by_key(|g| {
            let first = g.regions[0];
            (
                g.regions.len(),
                first.end - first.start,
                std::cmp::Reverse(first.start),
            )
        })
        .map_or(0, |g| g.identity);
    Group { regions, identity }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(lang: Language, src: &str) -> Tokens {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&lang.grammar()).unwrap();
        let tree = parser.parse(src, None).unwrap();
        wtfcb_core::facts::extract(&tree, src, lang, &wtfcb_core::rules::SYNTACTIC).tokens
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

    /// Inputs over Python sources.
    fn inputs(toks: &[Tokens]) -> Vec<Input<'_>> {
        toks.iter()
            .map(|t| Input {
                language: Language::Python,
                tokens: t,
            })
            .collect()
    }

    fn detect_in(sources: &[String], exact: bool) -> Clones {
        let toks: Vec<Tokens> = sources
            .iter()
            .map(|s| tokens(Language::Python, s))
            .collect();
        detect(&inputs(&toks), &settings(exact))
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

    /// Winnowing by its definition: every window's hash computed afresh, and for every `w`
    /// consecutive windows (all of them in a shorter file) the rightmost smallest, each
    /// position once.
    fn winnowed_by_definition(values: &[u32], k: usize, w: usize, seed: u64) -> Vec<(usize, u64)> {
        const BASE: u64 = 0x0000_0100_0000_01b3;
        if values.len() < k || k == 0 || w == 0 {
            return Vec::new();
        }
        let salt = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let hashes: Vec<u64> = values
            .windows(k)
            .map(|win| {
                let h = win.iter().fold(0u64, |h, &v| {
                    h.wrapping_mul(BASE).wrapping_add(u64::from(v) + 1)
                });
                mix(h ^ salt)
            })
            .collect();
        let mut kept: Vec<(usize, u64)> = Vec::new();
        for end in w.min(hashes.len())..=hashes.len() {
            let start = end.saturating_sub(w);
            let (pos, hash) = (start..end)
                .map(|i| (i, hashes[i]))
                .min_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                .unwrap();
            if kept.last().map(|&(p, _)| p) != Some(pos) {
                kept.push((pos, hash));
            }
        }
        kept
    }

    #[test]
    fn common_prefixes_and_suffixes_are_counted_exactly() {
        let mut rng = fastrand::Rng::with_seed(5);
        for _ in 0..2000 {
            let len = rng.usize(0..40);
            let a: Vec<u8> = (0..len).map(|_| rng.u8(0..3)).collect();
            // A prefix or a suffix of `a`, sometimes changed in one place.
            let cut = rng.usize(0..=len);
            let mut b = if rng.bool() {
                a[..cut].to_vec()
            } else {
                a[cut..].to_vec()
            };
            if !b.is_empty() && rng.bool() {
                let i = rng.usize(..b.len());
                b[i] = rng.u8(0..3);
            }
            let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
            let suffix = a
                .iter()
                .rev()
                .zip(b.iter().rev())
                .take_while(|(x, y)| x == y)
                .count();
            assert_eq!(common_prefix(&a, &b), prefix, "{a:?} {b:?}");
            assert_eq!(common_suffix(&a, &b), suffix, "{a:?} {b:?}");
            assert_eq!(common_prefix(&b, &a), prefix);
            assert_eq!(common_suffix(&b, &a), suffix);
        }
    }

    #[test]
    fn winnowing_keeps_the_rightmost_minimum_of_every_window() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..300 {
            let n = (next() % 200) as usize;
            // Few distinct values, so equal windows (and equal minima) are common.
            let alphabet = 1 + next() % if round % 2 == 0 { 3 } else { 50 };
            let values: Vec<u32> = (0..n).map(|_| (next() % alphabet) as u32).collect();
            let k = 1 + (next() % 12) as usize;
            let w = 1 + (next() % 20) as usize;
            let mut kept = Vec::new();
            winnow(n, k, w, round, |i| values[i], |pos, h| kept.push((pos, h)));
            assert_eq!(
                kept,
                winnowed_by_definition(&values, k, w, round),
                "n {n} k {k} w {w} values {values:?}"
            );
        }
    }

    /// Per group, the files of its copies.
    fn files_of(found: &Clones) -> Vec<Vec<usize>> {
        found
            .groups
            .iter()
            .map(|g| g.regions.iter().map(|r| r.file).collect())
            .collect()
    }

    /// A JavaScript function long enough to be a clone.
    const JS_TOTAL: &str = "function total(items, rate) {
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

    // Issue 28: a hash's places were compared from the first only, so when the first place
    // was no reportable copy (here: the same tokens on one line) the copy between the two
    // later places was lost.
    #[test]
    fn a_copy_between_later_places_of_a_hash_is_found() {
        let js = JS_TOTAL;
        let one_line = js.replace('\n', " ");
        let toks: Vec<Tokens> = [one_line.as_str(), js, js]
            .iter()
            .map(|s| tokens(Language::JavaScript, s))
            .collect();
        let inputs: Vec<Input> = toks
            .iter()
            .map(|tokens| Input {
                language: Language::JavaScript,
                tokens,
            })
            .collect();
        let found = detect(&inputs, &settings(false));
        let groups = files_of(&found);
        assert_eq!(groups, [vec![1, 2]]);
        assert_eq!(found.duplicated_lines, [0, 11, 11]);
    }

    // Issue 28: groups whose copies overlap in a file were reported apart: `a` holds P Q R,
    // `b` a copy of P Q and `c` one of Q R, and `a` had two findings over Q. Now one group
    // per first place, from the first of its tokens to the last, with both copies.
    #[test]
    fn groups_overlapping_in_a_file_are_one_group() {
        let q = "def summarize(rows, limit, scale):
    total = 0
    seen = set()
    for row in rows:
        if row.key in seen:
            continue
        seen.add(row.key)
        if row.value > limit:
            total += row.value * scale
        else:
            total -= row.value
    return total, len(seen)
";
        let r = "class Store:
    def __init__(self, path, mode):
        self.path = path
        self.mode = mode
        self.items = {}

    def load(self):
        with open(self.path, self.mode) as f:
            for line in f:
                key, _, value = line.partition(\"=\")
                self.items[key.strip()] = value.strip()
        return self.items
";
        let sources = [
            format!("{BODY}\n{q}\n{r}"),
            format!("{BODY}\n{q}"),
            format!("{q}\n{r}"),
        ];
        let found = detect_in(&sources, false);
        let places: Vec<Vec<(usize, u32, u32)>> = found
            .groups
            .iter()
            .map(|g| {
                g.regions
                    .iter()
                    .map(|r| (r.file, r.start_line, r.end_line))
                    .collect()
            })
            .collect();
        assert_eq!(places, [vec![(0, 1, 37), (1, 1, 24), (2, 1, 25)]]);
    }

    // Issue 28: Type-2 groups of code that only shares a token shape (methods delegating to
    // another object, each with names of its own) were reported as copies; a copy with a few
    // names renamed throughout still is one.
    #[test]
    fn type2_copies_must_read_alike() {
        // `asyncio.StreamWriter` and `collections.UserString`: a shape, not a copy.
        let delegating = |class: &str, inner: &str, names: &[&str]| -> String {
            let methods: String = names
                .iter()
                .map(|n| format!("    def {n}(self):\n        return self.{inner}.{n}()\n\n"))
                .collect();
            format!("class {class}:\n{methods}")
        };
        let a = delegating(
            "Writer",
            "_transport",
            &["close", "flush", "drain", "pause", "resume", "abort"],
        );
        let b = delegating(
            "Text",
            "data",
            &["isalpha", "isdigit", "upper", "lower", "strip", "split"],
        );
        assert!(detect_in(&[a, b], false).groups.is_empty());
        // An exact copy stays one when its match runs on into code of the same shape with
        // other names (two such classes after one handler).
        let many =
            |prefix: &str| -> Vec<String> { (0..24).map(|i| format!("{prefix}{i}")).collect() };
        let (ours, theirs) = (many("get_"), many("is_"));
        let ours: Vec<&str> = ours.iter().map(String::as_str).collect();
        let theirs: Vec<&str> = theirs.iter().map(String::as_str).collect();
        let found = detect_in(
            &[
                format!("{BODY}\n\n{}", delegating("Writer", "_transport", &ours)),
                format!("{BODY}\n\n{}", delegating("Text", "data", &theirs)),
            ],
            false,
        );
        assert_eq!(found.groups.len(), 1, "the handler, copied exactly");
        let renamed = BODY.replace("request", "req").replace("user", "account");
        let found = detect_in(&[BODY.to_string(), renamed], false);
        assert_eq!(
            found.groups.len(),
            1,
            "a copy with two names renamed throughout"
        );
    }

    #[test]
    fn javascript_and_typescript_copies_match_and_python_never_does() {
        let js = JS_TOTAL;
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
        let groups = files_of(&found);
        // JavaScript and TypeScript whole, the TSX copy from after its typed signature: one
        // group, since its copies in the JavaScript file overlap.
        assert_eq!(groups, [vec![0, 1, 2]]);
        let [js, ts, tsx] = found.groups[0].regions[..] else {
            unreachable!()
        };
        assert_eq!(js.end - js.start, ts.end - ts.start);
        assert!(tsx.end - tsx.start < js.end - js.start);
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
        let sources: Vec<String> = (0..MAX_OCCURRENCES + 50)
            .map(|_| BODY.to_string())
            .collect();
        let found = detect_in(&sources, false);
        assert_eq!(found.groups.len(), 1);
        assert_eq!(found.groups[0].regions.len(), MAX_OCCURRENCES);
    }

    /// A file of blocks: copies of `BODY` with random operators, some twice in one file.
    fn random_file(rng: &mut fastrand::Rng) -> String {
        (0..rng.usize(1..4))
            .map(|i| {
                let body = BODY
                    .replace("handle", &format!("handle{i}"))
                    .replace("!=", ["!=", "=="][rng.usize(..2)])
                    .replace("> 100", ["> 100", "< 100"][rng.usize(..2)]);
                if rng.usize(..4) == 0 {
                    format!("{body}\nx = 1\n{body}")
                } else {
                    body
                }
            })
            .collect::<Vec<_>>()
            .join("\nclass C:\n    pass\n\n")
    }

    /// Random edits (add, delete, rename so files renumber, edit, copy, touch nothing); after
    /// each, the detection from the last one's memo equals a detection from scratch, and
    /// only the changed files are winnowed again.
    #[test]
    fn detection_from_a_memo_equals_detection_from_scratch() {
        for seed in [1u64, 2, 3, 4] {
            let mut rng = fastrand::Rng::with_seed(seed);
            let mut files: Vec<(String, String)> = (0..8)
                .map(|i| (format!("m{i:02}"), random_file(&mut rng)))
                .collect();
            let mut memo_files: Vec<(String, String)> = Vec::new();
            let mut memo: Option<Memo> = None;
            for step in 0..30 {
                let mut changed = 0;
                match rng.usize(..7) {
                    0 => {
                        files.push((format!("n{step:02}"), random_file(&mut rng)));
                        changed += 1;
                    }
                    1 if files.len() > 2 => {
                        files.remove(rng.usize(..files.len()));
                        changed += 1;
                    }
                    2 => {
                        // A new name sorts elsewhere: the files after it renumber.
                        let i = rng.usize(..files.len());
                        let body = files.remove(i).1;
                        files.push((format!("a{step:02}"), body));
                        changed += 1;
                    }
                    3 => {
                        let i = rng.usize(..files.len());
                        files[i].1 = random_file(&mut rng);
                        changed += 1;
                    }
                    5 => {
                        // The file's copies are gone: its partners lose their clone.
                        let i = rng.usize(..files.len());
                        files[i].1 = format!("def lonely{step}():\n    return 1\n");
                        changed += 1;
                    }
                    4 => {
                        let i = rng.usize(..files.len());
                        let copy = files[i].1.clone();
                        files.push((format!("c{step:02}"), copy));
                        changed += 1;
                    }
                    _ => {}
                }
                files.sort();
                let toks: Vec<Tokens> = files
                    .iter()
                    .map(|(_, s)| tokens(Language::Python, s))
                    .collect();
                let fresh = detect(&inputs(&toks), &settings(false));
                let index: Vec<Option<u32>> = files
                    .iter()
                    .map(|f| memo_files.iter().position(|m| m == f).map(|i| i as u32))
                    .collect();
                let earlier = memo.as_ref().map(|memo| Earlier { memo, index });
                let (again, next, work) = detect_again(&inputs(&toks), &settings(false), earlier);
                assert_eq!(again, fresh, "seed {seed}, step {step}");
                assert!(!work.memo_rejected);
                if step > 0 {
                    let new = files.iter().filter(|f| !memo_files.contains(f)).count();
                    assert_eq!(work.fingerprinted, new, "seed {seed}, step {step}");
                    if changed == 0 {
                        assert_eq!((work.hashes_compared, work.groups_rebuilt), (0, 0));
                    }
                }
                memo = Some(next);
                memo_files = files.clone();
            }
        }
    }

    /// When a copy goes, the file that kept its half (not parsed again) counts no duplicated
    /// lines any more, whichever of the two anchored the group.
    #[test]
    fn the_partner_of_a_removed_copy_counts_its_lines_again() {
        for (a, b) in [("a", "b"), ("b", "a")] {
            let before = [(a, BODY.to_string()), (b, BODY.to_string())];
            let mut after = before.clone();
            after[1].1 = "def lonely():\n    return 1\n".into();
            let sort = |mut v: [(&'static str, String); 2]| {
                v.sort();
                v
            };
            let (before, after) = (sort(before), sort(after));
            let toks = |files: &[(&str, String)]| -> Vec<Tokens> {
                files
                    .iter()
                    .map(|(_, s)| tokens(Language::Python, s))
                    .collect()
            };
            let (old, new) = (toks(&before), toks(&after));
            let (first, memo, _) = detect_again(&inputs(&old), &settings(false), None);
            assert_eq!(first.duplicated_lines, [11, 11]);
            let index = after
                .iter()
                .map(|f| before.iter().position(|g| g == f).map(|i| i as u32))
                .collect();
            let earlier = Earlier { memo: &memo, index };
            let (found, _, work) = detect_again(&inputs(&new), &settings(false), Some(earlier));
            assert_eq!(found, detect(&inputs(&new), &settings(false)));
            assert_eq!(found.duplicated_lines, [0, 0]);
            assert_eq!(work.fingerprinted, 1);
        }
    }

    /// A memo that does not fit the files (a file number out of range, a place past a file's
    /// end, found when the update reaches it) is ignored, and the detection is made from
    /// scratch.
    #[test]
    fn a_memo_that_does_not_fit_is_ignored() {
        let before = [
            BODY.to_string(),
            format!("x = 1\n{BODY}"),
            format!("y = 2\n{BODY}"),
        ];
        let mut after = before.clone();
        after[2] = "def lonely():\n    return 1\n".into();
        let toks = |sources: &[String]| -> Vec<Tokens> {
            sources
                .iter()
                .map(|s| tokens(Language::Python, s))
                .collect()
        };
        let (old, new) = (toks(&before), toks(&after));
        let (_, memo, _) = detect_again(&inputs(&old), &settings(false), None);
        let fresh = detect(&inputs(&new), &settings(false));
        assert_eq!(fresh.groups.len(), 1);
        // A hash of the changed file that the first file has too: its places are compared.
        let shared = memo
            .kept
            .iter()
            .find(|&&(h, f, _)| f == 0 && memo.kept.iter().any(|&(g, o, _)| g == h && o == 2))
            .copied()
            .unwrap();
        let mut far = clone_memo(&memo);
        for p in far.kept.iter_mut().filter(|p| **p == shared) {
            p.2 = 10_000;
        }
        // A match of an anchor that loses its partner in the changed file: its group is
        // built again from its other matches, one of which lies past its file's end.
        let lost = memo.found.iter().find(|x| x.b == 2).copied().unwrap();
        let mut long = clone_memo(&memo);
        long.found.push(Found {
            hash: u32::MAX,
            b: 1 - lost.a.min(1),
            ea: 100_000,
            ..lost
        });
        long.found.sort_unstable();
        let damaged = [
            Memo {
                files: 1,
                ..Memo::default()
            },
            far,
            long,
        ];
        for (n, memo) in damaged.iter().enumerate() {
            let earlier = Earlier {
                memo,
                index: vec![Some(0), Some(1), None],
            };
            let (found, _, work) = detect_again(&inputs(&new), &settings(false), Some(earlier));
            assert!(work.memo_rejected, "damage {n}");
            assert_eq!(found, fresh, "damage {n}");
        }
        // The undamaged memo fits.
        let earlier = Earlier {
            memo: &memo,
            index: vec![Some(0), Some(1), None],
        };
        let (found, _, work) = detect_again(&inputs(&new), &settings(false), Some(earlier));
        assert!(!work.memo_rejected);
        assert_eq!(found, fresh);
        // Unchanged files out of their earlier order do not fit either.
        let earlier = Earlier {
            memo: &memo,
            index: vec![Some(1), Some(0), None],
        };
        let (found, _, work) = detect_again(&inputs(&new), &settings(false), Some(earlier));
        assert!(work.memo_rejected);
        assert_eq!(found, fresh);
    }

    /// Tokens kept apart, loaded on request and counted.
    struct Counting {
        all: Vec<Tokens>,
        loaded: Vec<Option<Tokens>>,
    }

    impl TokenSource for Counting {
        fn count(&self) -> usize {
            self.all.len()
        }

        fn load(&mut self, files: &[usize]) -> bool {
            for &f in files {
                self.loaded[f].get_or_insert_with(|| self.all[f].clone());
            }
            true
        }

        fn inputs(&self) -> Vec<Input<'_>> {
            static NONE: std::sync::OnceLock<Tokens> = std::sync::OnceLock::new();
            let none = NONE.get_or_init(Tokens::default);
            self.loaded
                .iter()
                .map(|t| Input {
                    language: Language::Python,
                    tokens: t.as_ref().unwrap_or(none),
                })
                .collect()
        }
    }

    /// An update loads the tokens of the changed file and of the files that share hashes or
    /// groups with it, not every file's.
    #[test]
    fn an_update_loads_only_the_tokens_it_looks_at() {
        // Ten pairs of clones, each pair its own sequence of operators.
        let mut rng = fastrand::Rng::with_seed(5);
        let bodies: Vec<String> = (0..10)
            .map(|pair| {
                let lines: String = (0..20)
                    .map(|_| {
                        format!(
                            "    x = a {} b\n",
                            ["+", "-", "*", "/", "%"][rng.usize(..5)]
                        )
                    })
                    .collect();
                format!("def f{pair}(a, b):\n{lines}    return x\n")
            })
            .collect();
        let sources: Vec<String> = (0..20).map(|i| bodies[i / 2].clone()).collect();
        let all: Vec<Tokens> = sources
            .iter()
            .map(|s| tokens(Language::Python, s))
            .collect();
        let (first, memo, _) = detect_again(&inputs(&all), &settings(false), None);
        assert_eq!(first.groups.len(), 10);
        // File 3's copy (of file 2) is edited away.
        let mut now = all.clone();
        now[3] = tokens(Language::Python, "def lonely():\n    return 1\n");
        let mut index: Vec<Option<u32>> = (0..20).map(Some).collect();
        index[3] = None;
        let mut source = Counting {
            all: now.clone(),
            loaded: vec![None; 20],
        };
        let earlier = Earlier { memo: &memo, index };
        let (found, _, work) = update(&mut source, &settings(false), Some(earlier));
        assert_eq!(found, detect(&inputs(&now), &settings(false)));
        assert_eq!(found.groups.len(), 9);
        let loaded: Vec<usize> = (0..20).filter(|&f| source.loaded[f].is_some()).collect();
        assert_eq!(loaded, [2, 3]);
        assert_eq!(work.fingerprinted, 1);
    }

    fn clone_memo(m: &Memo) -> Memo {
        Memo {
            files: m.files,
            kept: m.kept.clone(),
            found: m.found.clone(),
            clones: m.clones.clone(),
        }
    }
}
