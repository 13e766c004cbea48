//! Throughput of the stages around parsing (bytes/s): the rules alone on facts already read
//! off a tree, cache lookups (hit from memory, hit from SQLite, miss), walking a generated
//! tree, and the project phase's clone detection and import resolution on its facts.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wtfcb::cache::{content_md5, Cache, CacheOptions, CachedFile};
use wtfcb::facts::{self, FileMetrics};
use wtfcb::lang::Language;
use wtfcb::rules::{FileContext, Layer, Ruleset};
use wtfcb::{bench::generate, parse, walk};

fn fixtures() -> Vec<(Language, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/langs");
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures/langs")
        .filter_map(|e| {
            let path = e.ok()?.path();
            let lang = Language::from_path(&path)?;
            Some((lang, std::fs::read_to_string(&path).ok()?.repeat(40)))
        })
        .collect();
    out.sort_by_key(|(lang, _)| *lang);
    out
}

fn rules(c: &mut Criterion) {
    let ruleset = Ruleset::from_cli(Layer::default()).expect("default rules");
    let profile = ruleset.profile_for("src/file");
    let mut group = c.benchmark_group("rules");
    for (lang, text) in fixtures() {
        let tree = parse::parse(lang, &text).expect("parse");
        let facts = facts::extract(&tree, &text, lang, &wtfcb::rules::SYNTACTIC);
        let file = FileContext {
            path: "src/file",
            rel: "src/file",
            language: lang,
            text: &text,
            facts: &facts,
            is_test: false,
        };
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(BenchmarkId::new("check", lang.name()), |b| {
            b.iter(|| profile.check(&file))
        });
    }
    group.finish();
}

fn cache(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (lang, text) = fixtures().into_iter().next().expect("a fixture");
    let tree = parse::parse(lang, &text).expect("parse");
    let facts = facts::extract(&tree, &text, lang, &wtfcb::rules::SYNTACTIC);
    let value = CachedFile::new(
        text.len() as u64,
        false,
        &facts,
        Some(&FileMetrics::of(&facts)),
        &[],
    );
    let md5 = content_md5(text.as_bytes());
    let mut warnings = Vec::new();
    // Fill a cache on disk, then reopen it so lookups go to SQLite.
    let opts = CacheOptions::new(dir.path().join("cache"));
    let filler = Cache::open(opts.clone(), &mut warnings).expect("cache");
    let key = filler.key("bench", false, lang);
    let key2 = filler.key("bench-2", false, lang);
    filler.put(md5, key, value.clone());
    filler.put(md5, key2, value);
    filler.finish(&mut warnings);
    let mut group = c.benchmark_group("cache");
    group.throughput(Throughput::Bytes(text.len() as u64));
    let mut sqlite_only = opts.clone();
    sqlite_only.memory_entries = 1;
    let from_disk = Cache::open(sqlite_only, &mut warnings).expect("cache");
    let other = from_disk.key("other", false, lang);
    let lookups = std::cell::Cell::new(0u64);
    let mut flip = false;
    group.bench_function("hit-sqlite", |b| {
        b.iter(|| {
            // Two stored entries, alternated: each evicts the other from the one-entry LRU,
            // so every lookup is a hit read from SQLite.
            flip = !flip;
            lookups.set(lookups.get() + 1);
            from_disk
                .get(&md5, if flip { &key } else { &key2 })
                .expect("hit")
        })
    });
    assert_eq!(
        from_disk.db_reads(),
        lookups.get(),
        "every hit-sqlite lookup must read SQLite"
    );
    let warm = Cache::open(opts, &mut warnings).expect("cache");
    warm.get(&md5, &key);
    group.bench_function("hit-memory", |b| {
        b.iter(|| warm.get(&md5, &key).expect("hit"))
    });
    group.bench_function("miss", |b| b.iter(|| warm.get(&md5, &other)));
    group.bench_function("md5", |b| b.iter(|| content_md5(text.as_bytes())));
    group.finish();
    assert!(warnings.is_empty(), "{warnings:?}");
}

fn walking(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let made = generate::generate(dir.path(), 1_000).expect("generate");
    let mut group = c.benchmark_group("walk");
    group.throughput(Throughput::Bytes(made.bytes));
    group.sample_size(20);
    let options = walk::WalkOptions::default();
    let root = vec![dir.path().to_path_buf()];
    group.bench_function("generated-1000-files", |b| {
        b.iter(|| walk::walk(&root, &options).expect("walk"))
    });
    group.finish();
}

/// Clone detection and import resolution over the facts of a generated 1,000-file project
/// (its files import each other, 5% are copies).
fn project(c: &mut Criterion) {
    use wtfcb::project::{clones, graph};
    let dir = tempfile::tempdir().expect("temp dir");
    let made = generate::generate(dir.path(), 1_000).expect("generate");
    let walked =
        walk::walk(&[dir.path().to_path_buf()], &walk::WalkOptions::default()).expect("walk");
    let mut records = Vec::new();
    for c in &walked.files {
        let text = std::fs::read_to_string(&c.path).expect("read");
        let tree = parse::parse(c.language, &text).expect("parse");
        let rel = c.rel.clone();
        records.push((
            rel,
            c.language,
            facts::extract(&tree, &text, c.language, &wtfcb::rules::SYNTACTIC),
        ));
    }
    let mut group = c.benchmark_group("project");
    group.throughput(Throughput::Bytes(made.bytes));
    group.sample_size(20);
    let inputs: Vec<clones::Input> = records
        .iter()
        .map(|(_, language, facts)| clones::Input {
            language: *language,
            tokens: &facts.tokens,
        })
        .collect();
    let settings = clones::Settings {
        min_tokens: 50,
        min_lines: 6,
        exact: false,
    };
    group.bench_function("clones-1000-files", |b| {
        b.iter(|| clones::detect(&inputs, &settings))
    });
    // Its first step alone: every file's tokens winnowed, the kept hashes sorted.
    group.bench_function("clones-fingerprints-1000-files", |b| {
        b.iter(|| clones::fingerprints(&inputs, &settings))
    });
    // The update after one file changed: the memo of a detection without file 0, which is
    // then winnowed and compared alone.
    let (_, memo, _) = clones::detect_again(&inputs, &settings, None);
    let index: Vec<Option<u32>> = (0..inputs.len() as u32)
        .map(|i| (i != 0).then_some(i))
        .collect();
    group.bench_function("clones-update-one-of-1000", |b| {
        b.iter(|| {
            let earlier = clones::Earlier {
                memo: &memo,
                index: index.clone(),
            };
            clones::detect_again(&inputs, &settings, Some(earlier))
        })
    });
    let nodes: Vec<graph::Node> = records
        .iter()
        .map(|(rel, language, facts)| graph::Node {
            rel,
            language: *language,
            imports: &facts.imports,
        })
        .collect();
    group.bench_function("graph-1000-files", |b| {
        b.iter(|| {
            let resolver = graph::Resolver::new(&nodes, &Default::default(), None);
            let g = graph::build(&nodes, &resolver);
            let mut adjacency: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
            for e in &g.edges {
                adjacency[e.from].push(e.to);
            }
            graph::cycles(&adjacency)
        })
    });
    group.finish();
}

criterion_group!(benches, rules, cache, walking, project);
criterion_main!(benches);
