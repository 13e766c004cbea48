//! The walk floor: what any analysis that reads every node of a tree-sitter tree costs at least.
//!
//! `cargo run --release --example walkfloor -- DIR [JOBS] [ROUNDS]` parses every `.py` file under
//! DIR with tree-sitter-python on JOBS threads (default 2), like `../shared/tools/parsefloor`;
//! `@LIST` instead of DIR parses the files listed in LIST, one path a line, each with the
//! grammar wtfcb gives its name (so the files `analyze` read, in any language, can be listed
//! from its JSON report). It times three things, alternately for ROUNDS rounds (default 3):
//! - `parse`: the parse alone, tree-sitter allocating with glibc's malloc (the parse floor);
//! - `walk`: the same parse plus one cursor walk over every node that reads its kind, and the
//!   rows of every leaf, as wtfcb's fact pass does (moving up at a level's last child);
//! - `walk+mimalloc`: the same with tree-sitter allocating through mimalloc, as wtfcb's parser
//!   processes do.
//!
//! It prints each variant's median wall time. With a fourth argument `parse`, it runs the
//! parse alone, once (for an instruction count under callgrind: `scripts/instructions.sh`).
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use wtfcb::lang::Language;

fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => python_files(&path, out),
            Ok(t) if t.is_file() && path.extension().is_some_and(|e| e == "py") => out.push(path),
            _ => {}
        }
    }
}

/// Visits every node; returns a sum of what it read, so nothing is optimised away.
fn walk(tree: &tree_sitter::Tree) -> usize {
    let mut cursor = tree.walk();
    let mut left: Vec<usize> = Vec::new();
    let mut sum = 0usize;
    loop {
        let node = cursor.node();
        sum = sum.wrapping_add(usize::from(node.kind_id()));
        let children = node.child_count();
        if children == 0 {
            sum = sum.wrapping_add(node.start_position().row + node.end_position().row);
        } else if cursor.goto_first_child() {
            left.push(children - 1);
            continue;
        }
        loop {
            match left.last_mut() {
                None => return sum,
                Some(n) if *n > 0 => {
                    *n -= 1;
                    if cursor.goto_next_sibling() {
                        break;
                    }
                }
                Some(_) => {}
            }
            left.pop();
            cursor.goto_parent();
        }
    }
}

/// The grammar of a listed file, as wtfcb chooses it (a `.h` by its text).
fn language_of(path: &Path, src: &[u8]) -> Option<Language> {
    if path.extension().is_some_and(|e| e == "h") {
        return Some(Language::of_header(&String::from_utf8_lossy(src)));
    }
    Language::from_path(path)
}

fn run(files: &[PathBuf], jobs: usize, walk_too: bool) -> (f64, usize) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .expect("thread pool");
    let start = Instant::now();
    let sum = pool.install(|| {
        files
            .par_iter()
            .map_init(
                || (tree_sitter::Parser::new(), None),
                |(parser, current), path| {
                    let Ok(src) = std::fs::read(path) else {
                        return 0;
                    };
                    let Some(lang) = language_of(path, &src) else {
                        return 0;
                    };
                    if *current != Some(lang) {
                        parser.set_language(&lang.grammar()).expect("grammar");
                        *current = Some(lang);
                    }
                    let Some(tree) = parser.parse(&src, None) else {
                        return 0;
                    };
                    if walk_too {
                        walk(&tree)
                    } else {
                        tree.root_node().descendant_count()
                    }
                },
            )
            .sum()
    });
    (start.elapsed().as_secs_f64(), sum)
}

unsafe extern "C" fn mi_malloc(size: usize) -> *mut std::ffi::c_void {
    unsafe { libmimalloc_sys::mi_malloc(size) }
}
unsafe extern "C" fn mi_calloc(n: usize, size: usize) -> *mut std::ffi::c_void {
    unsafe { libmimalloc_sys::mi_calloc(n, size) }
}
unsafe extern "C" fn mi_realloc(p: *mut std::ffi::c_void, size: usize) -> *mut std::ffi::c_void {
    unsafe { libmimalloc_sys::mi_realloc(p, size) }
}
unsafe extern "C" fn mi_free(p: *mut std::ffi::c_void) {
    unsafe { libmimalloc_sys::mi_free(p) }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: walkfloor DIR|@LIST [JOBS] [ROUNDS] [parse]");
        std::process::exit(2);
    };
    let jobs = args.get(2).and_then(|j| j.parse().ok()).unwrap_or(2);
    let rounds = args
        .get(3)
        .and_then(|r| r.parse().ok())
        .unwrap_or(3usize)
        .max(1);
    let mut files = Vec::new();
    match dir.strip_prefix('@') {
        Some(list) => {
            let list = std::fs::read_to_string(list).expect("file list");
            files.extend(list.lines().filter(|l| !l.is_empty()).map(PathBuf::from));
        }
        None => python_files(Path::new(dir), &mut files),
    }
    files.sort();
    if args.get(4).is_some_and(|a| a == "parse") {
        let (secs, nodes) = run(&files, jobs, false);
        println!("{} files, {nodes} nodes parsed in {secs:.3} s", files.len());
        return;
    }
    let (mut parse, mut walked) = (Vec::new(), Vec::new());
    // glibc's malloc first: once tree-sitter is switched to mimalloc it cannot switch back
    // (blocks from one must never reach the other's free).
    for _ in 0..rounds {
        parse.push(run(&files, jobs, false).0);
        walked.push(run(&files, jobs, true).0);
    }
    // SAFETY: every tree of the glibc rounds is gone; from here on tree-sitter only frees what
    // mimalloc handed out.
    unsafe {
        tree_sitter::set_allocator(
            Some(mi_malloc),
            Some(mi_calloc),
            Some(mi_realloc),
            Some(mi_free),
        );
    }
    let mut with_mi = Vec::new();
    for _ in 0..rounds {
        with_mi.push(run(&files, jobs, true).0);
    }
    let floor = median(parse);
    println!(
        "{} files from {dir} at -j{jobs}, median of {rounds}:",
        files.len()
    );
    println!("  parse          {floor:.3} s  1.00x");
    for (name, times) in [("walk", walked), ("walk+mimalloc", with_mi)] {
        let t = median(times);
        println!("  {name:<14} {t:.3} s  {:.2}x", t / floor);
    }
}
