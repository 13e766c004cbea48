//! Throughput of the per-file pipeline: parse alone, fact extraction alone, and both, per
//! language, on the pinned fixture files (bytes/s).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wtfcb::facts;
use wtfcb::lang::Language;
use wtfcb::parse;

fn fixtures() -> Vec<(Language, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/langs");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("fixtures/langs") {
        let path = entry.expect("entry").path();
        if let Some(lang) = Language::from_path(&path) {
            // Repeat the fixture so each sample parses a realistically sized file.
            let text = std::fs::read_to_string(&path)
                .expect("fixture text")
                .repeat(40);
            out.push((lang, text));
        }
    }
    out.sort_by_key(|(lang, _)| *lang);
    out
}

fn bench(c: &mut Criterion) {
    let inputs = fixtures();
    let mut group = c.benchmark_group("pipeline");
    for (lang, text) in &inputs {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("parse", lang.name()), text, |b, text| {
            b.iter(|| parse::parse(*lang, text).expect("parse"))
        });
        let tree = parse::parse(*lang, text).expect("parse");
        group.bench_with_input(BenchmarkId::new("facts", lang.name()), text, |b, text| {
            b.iter(|| facts::extract(&tree, text, *lang, &wtfcb::rules::SYNTACTIC))
        });
        group.bench_with_input(
            BenchmarkId::new("parse+facts", lang.name()),
            text,
            |b, text| {
                b.iter(|| {
                    let tree = parse::parse(*lang, text).expect("parse");
                    facts::extract(&tree, text, *lang, &wtfcb::rules::SYNTACTIC)
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
