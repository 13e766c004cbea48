//! `wtfcb cache warm`: the branch's changed files first, then the most recently modified, then
//! the files they import; `--all` the rest; a second warm parses nothing.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::support::{git_ok, Project};

fn set_mtime(path: &std::path::Path, when: SystemTime) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(when).unwrap();
}

fn tiers(project: &Project, args: &[&str]) -> Vec<(String, u64, u64)> {
    let out = project
        .cmd()
        .args(["cache", "warm", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["files"].as_u64().unwrap(),
                t["parsed"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn warm_takes_the_branch_the_recent_files_and_their_imports_first() {
    let project = Project::new();
    project.write("pkg/__init__.py", "");
    for i in 0..80 {
        project.write(&format!("pkg/m{i}.py"), format!("x = {i}\n"));
    }
    git_ok(project.path(), &["init", "-q", "-b", "main"]);
    git_ok(project.path(), &["add", "-A"]);
    git_ok(project.path(), &["commit", "-qm", "init"]);
    git_ok(project.path(), &["checkout", "-q", "-b", "feature"]);
    // All files old, but 55 of them touched recently; on the branch, `m60` (old until now)
    // changes and imports `m70`, which stays old.
    let old = SystemTime::now() - Duration::from_secs(3 * 365 * 86400);
    for i in 0..80 {
        set_mtime(&project.path().join(format!("pkg/m{i}.py")), old);
    }
    set_mtime(&project.path().join("pkg/__init__.py"), old);
    for i in 0..55 {
        set_mtime(
            &project.path().join(format!("pkg/m{i}.py")),
            SystemTime::now() - Duration::from_secs(60),
        );
    }
    project.write("pkg/m60.py", "from pkg import m70\nx = 60\n");
    let first = tiers(&project, &[]);
    assert_eq!(
        first,
        [
            ("branch".to_string(), 1, 1),
            ("recent".to_string(), 49, 49),
            ("imported".to_string(), 2, 2),
        ],
        "m60 first; then the 50 newest (m60 among them); then what m60 imports: m70 and the \
         package's __init__.py"
    );
    // The rest once asked; a second warm finds everything in the cache.
    let all = tiers(&project, &["--all"]);
    let rest = all.iter().find(|t| t.0 == "rest").expect("a rest tier");
    assert_eq!((rest.1, rest.2), (29, 29));
    assert!(tiers(&project, &["--all"]).iter().all(|t| t.2 == 0));
}
