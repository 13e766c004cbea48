//! The cost of the remote cache's envelope per value: sealing (gzip, and HMAC-SHA256 when a
//! signing key is set) and opening (every check, then decoding), on a real file's result.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wtfcb::cache::CachedFile;
use wtfcb::lang::Language;

fn sample() -> (CachedFile, wtfcb::facts::Tokens) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/langs/python.py");
    let text = std::fs::read_to_string(path).expect("fixture").repeat(8);
    let tree = wtfcb::parse::parse(Language::Python, &text).expect("parse");
    let facts = wtfcb::facts::extract(&tree, &text, Language::Python, &wtfcb::rules::SYNTACTIC);
    let value = CachedFile::new(text.len() as u64, false, &facts, None, &[]);
    (value, facts.tokens)
}

fn bench(c: &mut Criterion) {
    let (value, tokens) = sample();
    let key = "wtfcb-0123456789abcdef0123456789abcdef";
    let mut group = c.benchmark_group("remote");
    for (name, signing) in [("unsigned", None), ("signed", Some(&b"a signing key"[..]))] {
        let sealed = wtfcb::cache::seal_result(key, &value, &tokens, signing);
        group.throughput(Throughput::Bytes(sealed.len() as u64));
        group.bench_function(format!("seal {name}"), |b| {
            b.iter(|| wtfcb::cache::seal_result(key, &value, &tokens, signing))
        });
        group.bench_function(format!("open {name}"), |b| {
            b.iter(|| wtfcb::cache::open_result(key, &sealed, signing).expect("opens"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
