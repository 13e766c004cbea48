//! The fact pass's tree walk (src/facts/walk.c), compiled against the internal headers of the
//! tree-sitter crate this build links (`DEP_TREE_SITTER_INCLUDE` is its public include
//! directory; the internal headers are in `src` beside it).

use std::path::PathBuf;

fn main() {
    let include = PathBuf::from(
        std::env::var_os("DEP_TREE_SITTER_INCLUDE").expect("the tree-sitter crate sets it"),
    );
    let internal = include.parent().expect("a crate directory").join("src");
    cc::Build::new()
        .file("src/facts/walk.c")
        .include(&include)
        .include(&internal)
        .flag_if_supported("-std=c11")
        .define("_POSIX_C_SOURCE", "200112L")
        .define("_DEFAULT_SOURCE", None)
        .warnings(true)
        .compile("wtfcb_walk");
    println!("cargo:rerun-if-changed=src/facts/walk.c");
    println!("cargo:rerun-if-changed=build.rs");
}
