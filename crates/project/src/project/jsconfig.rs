//! What JavaScript and TypeScript resolution reads besides the files: `tsconfig.json` (and
//! `jsconfig.json`) `compilerOptions.baseUrl` and `paths`, following `extends` (relative,
//! packages under `node_modules`, arrays), and
//! the workspace packages of the project (`package.json` `name` with its `exports` or `main`).
//! Everything is read bounded and trusted for nothing: a file that does not parse is skipped
//! with a warning.

use std::path::Path;

use serde_json::Value;

/// The largest config file read.
const MAX_CONFIG: u64 = 1 << 20;
/// The most configs one tsconfig's `extends` (chains and arrays) brings in, itself included.
const MAX_EXTENDS: usize = 16;

/// The path mapping of one `tsconfig.json`, for the files under its directory.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The directory of the tsconfig (project-relative, `""` or ending in `/`).
    pub dir: String,
    /// `baseUrl`, resolved to a project-relative directory (`""` or ending in `/`).
    pub base_url: Option<String>,
    /// `paths`: pattern (at most one `*`) to targets, each resolved against the base.
    pub paths: Vec<(String, Vec<String>)>,
}

/// A workspace package: `import "name"` or `"name/sub"` goes to its directory.
#[derive(Debug, Clone)]
pub struct Package {
    pub name: String,
    /// Project-relative, `""` or ending in `/`.
    pub dir: String,
    /// `exports["."]` (or `exports` as a string), else `module`, else `main`.
    pub entry: Option<String>,
    /// The other keys of `exports` (`"./client"`, `"./utils/*"`) and their targets.
    pub subpaths: Vec<(String, String)>,
    /// `imports`: the package's private specifiers (`"#types/*"`) and their targets.
    pub imports: Vec<(String, String)>,
}

/// Every tsconfig scope and workspace package found, and the text they were read from (what
/// the import graph's saved state is keyed by).
#[derive(Debug, Default)]
pub struct JsConfig {
    pub scopes: Vec<Scope>,
    pub packages: Vec<Package>,
    pub inputs: String,
    pub warnings: Vec<String>,
}

/// Reads the configs of `dirs` (project-relative directories holding JavaScript or TypeScript
/// files) and of their ancestors up to the root.
pub fn load<'a>(root: &Path, dirs: impl IntoIterator<Item = &'a str>) -> JsConfig {
    let mut all: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for dir in dirs {
        let mut d = dir.to_string();
        loop {
            if !all.insert(d.clone()) {
                break;
            }
            if d.is_empty() {
                break;
            }
            let trimmed = d.trim_end_matches('/');
            d = trimmed
                .rfind('/')
                .map_or(String::new(), |i| trimmed[..=i].to_string());
        }
    }
    let mut config = JsConfig::default();
    for dir in &all {
        for name in ["tsconfig.json", "jsconfig.json"] {
            let rel = format!("{dir}{name}");
            if let Some(text) = read(root, &rel) {
                config.inputs.push_str(&format!("{rel}\n{text}\n"));
                match scope(root, dir, &rel, &text, &mut config.inputs) {
                    Ok(s) => config.scopes.push(s),
                    Err(e) => config
                        .warnings
                        .push(format!("{rel}: {e}; its paths are not used")),
                }
                break;
            }
        }
        let rel = format!("{dir}package.json");
        if let Some(text) = read(root, &rel) {
            config.inputs.push_str(&format!("{rel}\n{text}\n"));
            if let Some(p) = package(dir, &text) {
                config.packages.push(p);
            }
        }
    }
    // The deepest scope first: a file uses the nearest tsconfig above it.
    config
        .scopes
        .sort_by(|a, b| b.dir.len().cmp(&a.dir.len()).then(a.dir.cmp(&b.dir)));
    config.packages.sort_by(|a, b| a.name.cmp(&b.name));
    config
}

fn read(root: &Path, rel: &str) -> Option<String> {
    let bytes = wtfcb_core::source::read_bytes(&root.join(rel), MAX_CONFIG).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// A tsconfig's mapping, with what it `extends` applied under it: relative files, packages
/// under `node_modules` (`@tsconfig/node20`, `pkg/tsconfig.base.json`), and (TypeScript 5.0)
/// arrays of them, where a later entry wins over an earlier one.
fn scope(
    root: &Path,
    dir: &str,
    rel: &str,
    text: &str,
    inputs: &mut String,
) -> Result<Scope, String> {
    let mut scope = Scope {
        dir: dir.to_string(),
        ..Scope::default()
    };
    // Own settings first; each base fills in only what is still unset. Depth first, in
    // priority order: a config, then its last base and that base's own bases, then the
    // others.
    let mut stack = vec![(rel.to_string(), parse_jsonc(text)?)];
    let mut have_base = false;
    let mut have_paths = false;
    let mut visited = 0;
    while let Some((file, json)) = stack.pop() {
        visited += 1;
        if visited > MAX_EXTENDS {
            break;
        }
        let here = file.rfind('/').map_or("", |i| &file[..=i]).to_string();
        let options = &json["compilerOptions"];
        if !have_base {
            if let Some(base) = options["baseUrl"].as_str() {
                scope.base_url = wtfcb_core::text::normalize_dir(&format!("{here}{base}"));
                have_base = true;
            }
        }
        if !have_paths {
            if let Some(paths) = options["paths"].as_object() {
                // Targets resolve against baseUrl, or (TypeScript 4.1+) the tsconfig's own
                // directory when there is none.
                let against = scope.base_url.clone().unwrap_or_else(|| here.clone());
                for (pattern, targets) in paths {
                    let targets = targets
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .filter_map(|t| wtfcb_core::text::normalize(&format!("{against}{t}")))
                        .collect();
                    scope.paths.push((pattern.clone(), targets));
                }
                have_paths = true;
            }
        }
        let parents: Vec<&str> = match &json["extends"] {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        // The last entry wins: it is visited first.
        for parent in parents {
            let Some(parent_rel) = base_config(root, &here, parent)? else {
                continue;
            };
            let text = read(root, &parent_rel).ok_or(format!(
                "`extends` names {parent_rel}, which cannot be read"
            ))?;
            inputs.push_str(&format!("{parent_rel}\n{text}\n"));
            stack.push((parent_rel, parse_jsonc(&text)?));
        }
    }
    scope.paths.sort();
    Ok(scope)
}

/// The project-relative file an `extends` entry of a tsconfig in `here` names: a relative
/// path (`.json` added when missing), or a package under the nearest `node_modules` (its
/// `tsconfig.json`, the file its `package.json` `tsconfig` field names, or the subpath
/// given). `None` for a package that is not installed: it cannot be read, and the run goes on
/// without it.
fn base_config(root: &Path, here: &str, parent: &str) -> Result<Option<String>, String> {
    if parent.starts_with('.') {
        let mut rel = wtfcb_core::text::normalize(&format!("{here}{parent}"))
            .ok_or("`extends` climbs out of the project")?;
        if !rel.ends_with(".json") {
            rel.push_str(".json");
        }
        return Ok(Some(rel));
    }
    if parent.starts_with('/') || parent.contains("..") || parent.contains('\\') {
        return Ok(None);
    }
    // `@scope/name/sub/path` or `name/sub/path`.
    let segments: Vec<&str> = parent.split('/').collect();
    let take = if parent.starts_with('@') { 2 } else { 1 };
    if segments.len() < take || segments[..take].iter().any(|s| s.is_empty()) {
        return Ok(None);
    }
    let name = segments[..take].join("/");
    let sub = segments[take..].join("/");
    let mut dir = here.to_string();
    loop {
        let package = format!("{dir}node_modules/{name}/");
        let candidates: Vec<String> = if sub.is_empty() {
            let field = read(root, &format!("{package}package.json"))
                .and_then(|text| parse_jsonc(&text).ok())
                .and_then(|json| json["tsconfig"].as_str().map(str::to_string));
            field
                .and_then(|f| wtfcb_core::text::normalize(&format!("{package}{f}")))
                .into_iter()
                .chain([format!("{package}tsconfig.json")])
                .collect()
        } else if sub.ends_with(".json") {
            vec![format!("{package}{sub}")]
        } else {
            vec![
                format!("{package}{sub}.json"),
                format!("{package}{sub}/tsconfig.json"),
            ]
        };
        if let Some(found) = candidates.into_iter().find(|c| root.join(c).is_file()) {
            return Ok(Some(found));
        }
        if dir.is_empty() {
            return Ok(None);
        }
        // Up one directory: `a/b/` → `a/`.
        let trimmed = &dir[..dir.len() - 1];
        dir = trimmed
            .rfind('/')
            .map_or(String::new(), |i| trimmed[..=i].to_string());
    }
}

/// An `exports` or `imports` target: a path, or for conditional ones the first of the usual
/// conditions given as a path (nested conditions followed, a few levels deep).
fn target(value: &Value, depth: usize) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(c) if depth < 4 => ["import", "default", "require", "node", "types"]
            .iter()
            .find_map(|k| target(c.get(*k)?, depth + 1)),
        _ => None,
    }
}

/// The `(pattern, target)` pairs of an `exports` or `imports` map whose keys start with
/// `prefix` (at most 256 of them).
fn mapping(value: &Value, prefix: &str) -> Vec<(String, String)> {
    let Value::Object(map) = value else {
        return Vec::new();
    };
    map.iter()
        .filter(|(k, _)| k.starts_with(prefix) && k.as_str() != ".")
        .filter_map(|(k, v)| Some((k.clone(), target(v, 0)?)))
        .take(256)
        .collect()
}

fn package(dir: &str, text: &str) -> Option<Package> {
    let json = parse_jsonc(text).ok()?;
    let name = json["name"].as_str()?.to_string();
    let subpaths = mapping(&json["exports"], "./");
    let imports = mapping(&json["imports"], "#");
    let entry = match &json["exports"] {
        Value::String(s) => Some(s.clone()),
        Value::Object(map) => map.get(".").and_then(|v| target(v, 0)),
        _ => None,
    }
    .or_else(|| json["module"].as_str().map(str::to_string))
    .or_else(|| json["main"].as_str().map(str::to_string));
    Some(Package {
        name,
        dir: dir.to_string(),
        entry,
        subpaths,
        imports,
    })
}

/// JSON with `//` and `/* */` comments and trailing commas, as tsconfig files are written.
pub fn parse_jsonc(text: &str) -> Result<Value, String> {
    let clean = without_trailing_commas(&without_comments(text));
    serde_json::from_str(&clean).map_err(|e| format!("does not parse as JSON ({e})"))
}

/// The text with comments outside strings replaced by white space.
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                out.extend(chars.next());
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match (c, chars.peek()) {
            ('/', Some('/')) => {
                // To the end of the line, which stays.
                if chars.by_ref().any(|n| n == '\n') {
                    out.push('\n');
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = ' ';
                for n in chars.by_ref() {
                    if last == '*' && n == '/' {
                        break;
                    }
                    last = n;
                }
                out.push(' ');
            }
            _ => {
                in_string = c == '"';
                out.push(c);
            }
        }
    }
    out
}

/// The text without commas that (past white space) close an object or array.
fn without_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let trailing = !in_string
            && c == ','
            && matches!(
                chars[i + 1..].iter().find(|c| !c.is_whitespace()),
                Some('}') | Some(']')
            );
        if !trailing {
            out.push(c);
        }
        if in_string && c == '\\' {
            out.extend(chars.get(i + 1));
            i += 1;
        } else if c == '"' {
            in_string = !in_string;
        }
        i += 1;
    }
    out
}

impl JsConfig {
    /// The files a non-relative specifier may name, in order, per the nearest tsconfig of
    /// the importing file (`paths`, then `baseUrl`) and the workspace packages. Each
    /// candidate is a path without its extension resolution.
    pub fn candidates(&self, importer: &str, spec: &str) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(scope) = self.scopes.iter().find(|s| importer.starts_with(&s.dir)) {
            // The pattern with the longest prefix before its `*` wins; exact ones first.
            let mut best: Option<(usize, &Vec<String>, &str)> = None;
            for (pattern, targets) in &scope.paths {
                let captured = match pattern.split_once('*') {
                    None if pattern == spec => Some(("", usize::MAX)),
                    None => None,
                    Some((pre, post)) => spec
                        .strip_prefix(pre)
                        .and_then(|rest| rest.strip_suffix(post))
                        .map(|mid| (mid, pre.len())),
                };
                if let Some((mid, rank)) = captured {
                    if best.is_none_or(|(r, _, _)| rank > r) {
                        best = Some((rank, targets, mid));
                    }
                }
            }
            if let Some((_, targets, mid)) = best {
                out.extend(targets.iter().map(|t| t.replacen('*', mid, 1)));
            }
            if let Some(base) = &scope.base_url {
                out.extend(wtfcb_core::text::normalize(&format!("{base}{spec}")));
            }
        }
        for p in &self.packages {
            // `#types/x` from inside the package: its `imports` map.
            if spec.starts_with('#') && importer.starts_with(&p.dir) {
                out.extend(matched(&p.imports, spec).and_then(|t| normalize_in(&p.dir, &t)));
                continue;
            }
            if let Some(sub) = spec.strip_prefix(&format!("{}/", p.name)) {
                let key = format!("./{sub}");
                out.extend(matched(&p.subpaths, &key).and_then(|t| normalize_in(&p.dir, &t)));
            }
            if spec == p.name {
                if let Some(entry) = &p.entry {
                    out.extend(wtfcb_core::text::normalize(&format!("{}{entry}", p.dir)));
                }
                out.push(p.dir.trim_end_matches('/').to_string());
            } else if let Some(sub) = spec.strip_prefix(&format!("{}/", p.name)) {
                out.extend(wtfcb_core::text::normalize(&format!("{}{sub}", p.dir)));
                out.extend(wtfcb_core::text::normalize(&format!("{}src/{sub}", p.dir)));
            }
        }
        out
    }
}

/// The target of the pattern that matches `spec` best (an exact key, else the `*` pattern with
/// the longest prefix), with the `*` filled in.
fn matched(patterns: &[(String, String)], spec: &str) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for (pattern, target) in patterns {
        let hit = match pattern.split_once('*') {
            None if pattern == spec => Some((usize::MAX, target.clone())),
            None => None,
            Some((pre, post)) => spec
                .strip_prefix(pre)
                .and_then(|rest| rest.strip_suffix(post))
                .map(|mid| (pre.len(), target.replacen('*', mid, 1))),
        };
        if let Some((rank, t)) = hit {
            if best.as_ref().is_none_or(|(r, _)| rank > *r) {
                best = Some((rank, t));
            }
        }
    }
    best.map(|(_, t)| t)
}

/// A package-relative target (`./src/x.ts`) as a project-relative path.
fn normalize_in(dir: &str, target: &str) -> Option<String> {
    wtfcb_core::text::normalize(&format!("{dir}{}", target.trim_start_matches("./")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc_comments_and_trailing_commas() {
        let v = parse_jsonc(
            "{ // c\n \"a\": \"x//y\", /* b */ \"b\": [1, 2,], \"c\": {\"d\": \"\\\"/*\",},\n}",
        )
        .unwrap();
        assert_eq!(v["a"], "x//y");
        assert_eq!(v["b"], serde_json::json!([1, 2]));
        assert_eq!(v["c"]["d"], "\"/*");
    }

    #[test]
    fn paths_base_url_extends_and_workspace_packages() {
        let dir = tempfile::tempdir().unwrap();
        let w = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w(
            "tsconfig.base.json",
            "{\"compilerOptions\": {\"baseUrl\": \"src\", \"paths\": {\"@app/*\": [\"app/*\"], \"@lib\": [\"lib/index.ts\"]}}}",
        );
        w(
            "web/tsconfig.json",
            "{ \"extends\": \"../tsconfig.base\", // own\n }",
        );
        w(
            "packages/ui/package.json",
            "{\"name\": \"@acme/ui\", \"exports\": {\".\": {\"import\": \"./src/index.ts\"}}}",
        );
        let c = load(dir.path(), ["web/", "packages/ui/src/"]);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(
            c.candidates("web/main.ts", "@app/x/y"),
            ["src/app/x/y", "src/@app/x/y"]
        );
        assert_eq!(
            c.candidates("web/main.ts", "@lib"),
            ["src/lib/index.ts", "src/@lib"]
        );
        assert_eq!(
            c.candidates("web/main.ts", "@acme/ui"),
            ["src/@acme/ui", "packages/ui/src/index.ts", "packages/ui"],
            "baseUrl first, as TypeScript does, then the workspace package"
        );
        assert!(c
            .candidates("web/main.ts", "react")
            .contains(&"src/react".to_string()));
        assert!(c.inputs.contains("tsconfig.base.json"));
    }

    // Issue 29: a workspace package's subpath import ignored its `exports` map and its
    // private `imports` (`#types/*`) were not read (83 of dependency-cruiser's edges on Vite).
    #[test]
    fn package_exports_subpaths_and_private_imports() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("packages/ui/package.json");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(
            &p,
            "{\"name\": \"@acme/ui\", \"exports\": {\".\": \"./src/index.ts\", \"./client\": {\"types\": \"./dist/client.d.ts\", \"import\": \"./src/client/index.ts\"}, \"./utils/*\": \"./src/utils/*.ts\"}, \"imports\": {\"#types/*\": \"./src/types/*.d.ts\"}}",
        )
        .unwrap();
        let c = load(dir.path(), ["web/", "packages/ui/src/"]);
        assert!(c
            .candidates("web/main.ts", "@acme/ui/client")
            .first()
            .is_some_and(|f| f == "packages/ui/src/client/index.ts"));
        assert!(c
            .candidates("web/main.ts", "@acme/ui/utils/dates")
            .first()
            .is_some_and(|f| f == "packages/ui/src/utils/dates.ts"));
        assert_eq!(
            c.candidates("packages/ui/src/a.ts", "#types/node"),
            ["packages/ui/src/types/node.d.ts"]
        );
        // Another package's private specifier means nothing here.
        assert!(c.candidates("web/main.ts", "#types/node").is_empty());
    }

    #[test]
    fn extends_follows_packages_in_node_modules_and_arrays_where_the_last_wins() {
        let dir = tempfile::tempdir().unwrap();
        let w = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        // A package base found from web/ in the root's node_modules; its baseUrl is its own
        // directory's, as TypeScript reads it.
        w(
            "node_modules/@acme/tsconfig/tsconfig.json",
            "{\"compilerOptions\": {\"baseUrl\": \"../../../src\"}}",
        );
        w("web/tsconfig.json", "{\"extends\": \"@acme/tsconfig\"}");
        // An array: the later base's paths win; a package subpath without `.json`, and a
        // package whose package.json names its tsconfig.
        w(
            "node_modules/base/strict.json",
            "{\"compilerOptions\": {\"paths\": {\"@x\": [\"from-strict\"]}}}",
        );
        w(
            "node_modules/named/package.json",
            "{\"tsconfig\": \"./conf/ts.json\"}",
        );
        w(
            "node_modules/named/conf/ts.json",
            "{\"compilerOptions\": {\"paths\": {\"@x\": [\"from-named\"]}}}",
        );
        w(
            "api/tsconfig.json",
            "{\"extends\": [\"named\", \"base/strict\"]}",
        );
        // A package that is not installed is no error.
        w(
            "cli/tsconfig.json",
            "{\"extends\": \"@tsconfig/node20/tsconfig.json\"}",
        );
        let c = load(dir.path(), ["web/", "api/", "cli/"]);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(c.candidates("web/main.ts", "lib/a")[0], "src/lib/a");
        // The later base wins; its paths resolve against its own directory.
        assert_eq!(
            c.candidates("api/main.ts", "@x")[0],
            "node_modules/base/from-strict"
        );
        assert!(c.inputs.contains("node_modules/named/conf/ts.json"));
        assert!(c
            .inputs
            .contains("node_modules/@acme/tsconfig/tsconfig.json"));
        assert_eq!(
            base_config(dir.path(), "cli/", "../x").unwrap(),
            Some("x.json".into())
        );
        assert_eq!(
            base_config(dir.path(), "cli/", "@tsconfig/node20").unwrap(),
            None
        );
        assert_eq!(base_config(dir.path(), "", "@scope").unwrap(), None);
    }
}
