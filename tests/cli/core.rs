//! Facts that depend on the whole command: project-relative identities, header languages.

use serde_json::Value;

use crate::support::{file, Project};

fn analyze_json(p: &Project, args: &[&str]) -> Value {
    let out = p
        .cmd()
        .args(["analyze", "--format", "json", "--fail-on", "never"])
        .args(args)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("JSON")
}

// `wtfcb analyze /home/me/test/proj` treated every file as test code: the path as typed
// has a `test` directory in it.
#[test]
fn test_code_is_detected_from_the_project_relative_path() {
    let p = Project::new();
    p.write("test/proj/wtfcb.toml", "");
    p.write("test/proj/a.py", "def f(x):\n    assert x\n");
    p.write("test/proj/tests/t.py", "def g(x):\n    assert x\n");
    let root = p.path().join("test/proj");
    let r = analyze_json(&p, &[root.to_str().unwrap()]);
    let rules = |path: &str| -> Vec<String> {
        r["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(path))
            .unwrap()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(rules("/proj/a.py").contains(&"assert-outside-tests".to_string()));
    assert!(!rules("/proj/tests/t.py").contains(&"assert-outside-tests".to_string()));
}

// Fingerprints come from the project-relative path, never from how the path was typed.
#[test]
fn fingerprints_do_not_depend_on_how_the_path_was_typed() {
    let p = Project::new();
    p.write("wtfcb.toml", "");
    p.write("src/a.py", "def f():\n    eval('1')\n    eval('1')\n");
    let fps = |arg: &str| -> Vec<String> {
        let r = analyze_json(&p, &["--no-cache", arg]);
        r["files"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "eval-exec")
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let relative = fps("src/a.py");
    let absolute = fps(p.path().join("src/a.py").to_str().unwrap());
    assert_eq!(relative.len(), 2);
    assert_ne!(
        relative[0], relative[1],
        "identical findings, distinct fingerprints"
    );
    assert_eq!(relative, absolute);
}

// `.h` files were always C: C++ headers came out as syntax errors and `<anonymous>` functions.
#[test]
fn a_cpp_header_is_parsed_as_cpp_cached_or_not() {
    let p = Project::new();
    p.write(
        "a.h",
        "namespace n {\nclass Foo {\n public:\n  int get(int x) const { if (x) { return 1; } return 0; }\n};\n}\n",
    );
    p.write(
        "b.h",
        "int add(int a, int b);\nstatic inline int one(void) { return 1; }\n",
    );
    for args in [&["--no-cache"][..], &[], &[]] {
        let r = analyze_json(&p, args);
        let a = file(&r, "a.h");
        assert_eq!(a["language"], "cpp");
        assert_eq!(a["syntax_errors"]["count"], 0);
        assert_eq!(a["functions"][0]["qualified_name"], "Foo::get");
        assert_eq!(a["functions"][0]["cyclomatic"], 2);
        assert_eq!(file(&r, "b.h")["language"], "c");
    }
}
