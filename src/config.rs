//! Configuration files: `wtfcb.toml`, `.wtfcb.toml` or `[tool.wtfcb]` in `pyproject.toml`,
//! found from the analyzed path upward (stopping at the repository root), or named with
//! `--config`. Every error names the file, the line and the key.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use wtfcb_core::findings::Severity;
use wtfcb_core::rules::profile::{resolve_token, validate_setting};
use wtfcb_core::rules::{Layer, Override, RuleSetting};
pub use wtfcb_project::project::contracts::{Contracts, Forbidden};

/// File names tried in each directory, in order.
pub const NAMES: [&str; 3] = ["wtfcb.toml", ".wtfcb.toml", "pyproject.toml"];

/// A configuration problem, located in its file.
#[derive(Debug, thiserror::Error)]
// A message may quote the line it is about: any URL in it is shown without its secrets.
#[error("{path}:{line}:{column}: {}", wtfcb_store::remote::redact_text(.message))]
pub struct ConfigError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A size: `"2MiB"`, `"500K"` or a number of bytes.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Size {
    Bytes(u64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    enabled: Option<bool>,
    severity: Option<Severity>,
    thresholds: Option<BTreeMap<String, Spanned<u32>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    paths: Spanned<Vec<Spanned<String>>>,
    select: Option<Vec<Spanned<String>>>,
    #[serde(rename = "extend-select")]
    extend_select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<RawRule>>,
}

/// The `[cache]` keys of the remote cache, checked.
fn remote_config(cache: &RawCache) -> Result<RemoteConfig, (Range<usize>, String)> {
    if let Some(t) = &cache.remote_timeout {
        if !(*t.get_ref() > 0.0 && *t.get_ref() <= 600.0) {
            return Err((
                t.span(),
                "`cache.remote-timeout`: expected seconds, more than 0 and at most 600".into(),
            ));
        }
    }
    // A config file belongs to the repository it sits in (or above it), and a repository is
    // not trusted to choose where a run sends data or which secret goes with it: those come
    // from the user alone (the command line and the environment).
    let ignored = [
        ("cache.remote", cache.remote.is_some()),
        ("cache.remote-token-env", cache.remote_token_env.is_some()),
    ]
    .into_iter()
    .filter_map(|(key, set)| set.then_some(key))
    .collect();
    Ok(RemoteConfig {
        read_only: cache.remote_read_only,
        ttl_days: cache.remote_ttl_days,
        timeout: cache.remote_timeout.as_ref().map(|t| *t.get_ref()),
        ignored,
    })
}

/// `[cache] remote-read-only`, `remote-ttl-days`, `remote-timeout` (seconds): how the remote
/// cache the user named is used. Which remote, and its credentials, never come from a config.
#[derive(Debug, Clone, Default)]
pub struct RemoteConfig {
    pub read_only: Option<bool>,
    pub ttl_days: Option<u32>,
    pub timeout: Option<f64>,
    /// Keys that name a destination or a credential (`cache.remote`, `cache.remote-token-env`),
    /// set in the file and ignored.
    pub ignored: Vec<&'static str>,
}

impl Config {
    /// The warnings this file's settings call for: keys it sets that a project file may not.
    pub fn notes(&self) -> Vec<String> {
        if self.remote.ignored.is_empty() {
            return Vec::new();
        }
        let shown = self
            .path
            .as_ref()
            .map_or_else(|| "the config".to_string(), |p| p.display().to_string());
        vec![format!(
            "{}: {} ignored: a config file cannot choose a remote cache or its credentials (give --remote-cache or WTFCB_REMOTE_CACHE, and WTFCB_REMOTE_CACHE_TOKEN; see README \"Security model\")",
            wtfcb_core::text::tty(&shown),
            self.remote
                .ignored
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(" and ")
        )]
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCache {
    max_age_days: Option<u32>,
    max_size: Option<Spanned<Size>>,
    remote: Option<String>,
    remote_read_only: Option<bool>,
    remote_token_env: Option<String>,
    remote_ttl_days: Option<u32>,
    remote_timeout: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForbidden {
    from: Spanned<String>,
    to: Spanned<String>,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImports {
    layers: Option<Vec<Spanned<String>>>,
    #[serde(rename = "include-dirs")]
    include_dirs: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    forbidden: Vec<RawForbidden>,
}

/// The `[imports]` table, each bad glob located.
fn contracts(
    imports: &RawImports,
    at: &dyn Fn(Range<usize>, String) -> ConfigError,
) -> Result<Contracts, ConfigError> {
    let mut out = Contracts::default();
    for (i, f) in imports.forbidden.iter().enumerate() {
        let key = format!("imports.forbidden[{i}]");
        let glob = |s: &Spanned<String>, field: &str| {
            contract_globs(s.get_ref())
                .map_err(|e| at(s.span(), format!("`{key}.{field}`: invalid glob: {e}")))
        };
        out.forbidden.push(Forbidden {
            from: f.from.get_ref().clone(),
            to: f.to.get_ref().clone(),
            reason: f.reason.clone(),
            from_set: glob(&f.from, "from")?,
            to_set: glob(&f.to, "to")?,
        });
    }
    for l in imports.layers.iter().flatten() {
        let set = contract_globs(l.get_ref())
            .map_err(|e| at(l.span(), format!("`imports.layers`: invalid glob: {e}")))?;
        out.layers.push((l.get_ref().clone(), set));
    }
    for d in imports.include_dirs.iter().flatten() {
        let dir = wtfcb_core::text::normalize_dir(d.get_ref().trim_start_matches('/')).ok_or_else(
            || {
                at(
                    d.span(),
                    "`imports.include-dirs`: a directory inside the project".to_string(),
                )
            },
        )?;
        out.include_dirs.push(dir);
    }
    Ok(out)
}

/// A contract's path pattern, read as `exclude` patterns are: relative to the project root,
/// a directory covers everything under it, a pattern without `/` matches at any depth.
fn contract_globs(pattern: &str) -> Result<globset::GlobSet, String> {
    wtfcb_core::walk::glob_set(&[pattern.to_string()]).map_err(|e| e.to_string())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    test_paths: Option<Vec<Spanned<String>>>,
    select: Option<Vec<Spanned<String>>>,
    extend_select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
    include: Option<Vec<Spanned<String>>>,
    exclude: Option<Vec<Spanned<String>>>,
    extend_exclude: Option<Vec<Spanned<String>>>,
    max_file_size: Option<Spanned<Size>>,
    parse_timeout: Option<Spanned<f64>>,
    memory_per_file: Option<Spanned<Size>>,
    fail_on: Option<Spanned<String>>,
    baseline: Option<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<RawRule>>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
    cache: Option<RawCache>,
    imports: Option<RawImports>,
    root: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct Pyproject {
    tool: Option<PyTool>,
}

#[derive(Debug, Deserialize)]
struct PyTool {
    wtfcb: Option<RawConfig>,
}

/// A loaded, validated configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from (none: defaults only).
    pub path: Option<PathBuf>,
    pub rules: Layer,
    pub overrides: Vec<Override>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// `exclude` was set: it replaces the default excludes (`extend-exclude` adds to them).
    pub replaces_default_excludes: bool,
    pub max_file_size: Option<u64>,
    /// `memory-per-file`: bytes one parser process may use.
    pub memory_per_file: Option<u64>,
    /// `parse-timeout`: seconds per MiB of source a parse may take.
    pub parse_timeout: Option<std::time::Duration>,
    /// `fail-on`: a severity name or `never`.
    pub fail_on: Option<String>,
    /// `baseline`: the baseline file, relative to the config file's directory.
    pub baseline: Option<String>,
    pub cache_max_age_days: Option<u32>,
    pub cache_max_size: Option<u64>,
    /// `[cache] remote*`: the shared remote cache.
    pub remote: RemoteConfig,
    /// `test-paths`: globs (relative to the config's directory) of more test code.
    pub test_paths: Option<globset::GlobSet>,
    /// `[imports]`: `forbidden` and `layers` contracts.
    pub contracts: Contracts,
    /// The config sets `[imports]` (a run-wide key: only the root config's counts).
    pub has_contracts: bool,
    /// `root = true`: the search for configs above this one stops here (as in EditorConfig),
    /// so its directory is a project of its own inside a larger repository.
    pub root: bool,
}

/// The configuration file of one directory, if it has one. A `pyproject.toml` counts only
/// with a `[tool.wtfcb]` table.
pub fn config_in(dir: &Path) -> Option<PathBuf> {
    for name in NAMES {
        let candidate = dir.join(name);
        if !candidate.is_file() {
            continue;
        }
        if name != "pyproject.toml" {
            return Some(candidate);
        }
        // Bounded: a pyproject.toml past 1 MiB is not read for the marker.
        let text = wtfcb_core::source::read_bytes(&candidate, 1 << 20).unwrap_or_default();
        if String::from_utf8_lossy(&text).contains("[tool.wtfcb") {
            return Some(candidate);
        }
    }
    None
}

/// The configuration files from `start` upward, closest first; stops after the directory
/// that holds `.git` (the repository root), or at a config that says `root = true`.
pub fn chain(start: &Path) -> Vec<PathBuf> {
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .and_then(|h| std::fs::canonicalize(h).ok());
    chain_under(start, home.as_deref())
}

/// [`chain`], with the home directory given.
fn chain_under(start: &Path, home: Option<&Path>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(start) = std::fs::canonicalize(start) else {
        return found;
    };
    let first = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    let inside_repository = first
        .into_iter()
        .flat_map(Path::ancestors)
        .any(|d| d.join(".git").exists());
    for dir in first.into_iter().flat_map(Path::ancestors) {
        // Outside a repository nothing marks where a project ends: a config above the analyzed
        // directory counts only below the home directory (a `~/wtfcb.toml` or `/wtfcb.toml`
        // governs no unrelated tree), and never in a directory anyone may write to (`/tmp`).
        if !inside_repository
            && Some(dir) != first
            && home.is_none_or(|h| !dir.starts_with(h) || dir == h)
        {
            break;
        }
        if !inside_repository && writable_by_others(dir) {
            break;
        }
        if let Some(config) = config_in(dir) {
            // A config that cannot be read is reported when it is loaded, not here.
            let root = load(&config).is_ok_and(|c| c.root);
            found.push(config);
            if root {
                break;
            }
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    found
}

/// A directory others may write to and that is not the user's own (`/tmp`): a config there
/// may be anyone's.
fn writable_by_others(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(dir) else {
        return false;
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    meta.mode() & 0o002 != 0 && meta.uid() != me
}

/// The closest configuration file from `start` upward (see [`chain`]).
pub fn discover(start: &Path) -> Option<PathBuf> {
    chain(start).into_iter().next()
}

/// A configuration file below the project root: it applies, instead of the root's, to the
/// files under its directory (the closest configuration wins, as in ruff).
#[derive(Debug, Clone)]
pub struct Nested {
    /// Its directory relative to the project root, ending in `/`.
    pub dir: String,
    pub config: Config,
}

impl Nested {
    /// What the rules take of this config.
    pub fn rules(&self) -> wtfcb_core::rules::profile::NestedRules {
        let origin = self.config.path.as_ref().map(|p| p.display().to_string());
        wtfcb_core::rules::profile::NestedRules {
            dir: self.dir.clone(),
            origin: origin.unwrap_or_else(|| self.dir.clone()),
            rules: self.config.rules.clone(),
            overrides: self.config.overrides.clone(),
            test_paths: self.config.test_paths.clone(),
        }
    }
}

/// The repository root above `start` (the directory holding `.git`), if any.
pub fn repository_root(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Reads and validates a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: shown.clone(),
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
    })?;
    parse(
        &shown,
        &text,
        path.file_name().is_some_and(|n| n == "pyproject.toml"),
    )
    .map(|mut c| {
        c.path = Some(path.to_path_buf());
        c
    })
}

/// `test-paths`, compiled, each pattern checked where it is written.
fn test_globs(
    list: Option<&[Spanned<String>]>,
    at: &dyn Fn(Range<usize>, String) -> ConfigError,
) -> Result<Option<globset::GlobSet>, ConfigError> {
    let Some(list) = list.filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    for g in list {
        wtfcb_core::walk::check_glob(g.get_ref())
            .map_err(|e| at(g.span(), format!("`test-paths`: {:?}: {e}", g.get_ref())))?;
    }
    let patterns: Vec<String> = list.iter().map(|g| g.get_ref().clone()).collect();
    wtfcb_core::walk::glob_set(&patterns)
        .map(Some)
        .map_err(|e| at(0..0, format!("`test-paths`: {e}")))
}

/// Parses configuration text; `pyproject` reads the `[tool.wtfcb]` table.
// wtfcb: ignore[long-function, complex-function] -- one validation step per config key, each with its location.
pub fn parse(shown: &str, text: &str, pyproject: bool) -> Result<Config, ConfigError> {
    let at = |span: Range<usize>, message: String| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ConfigError {
            path: shown.to_string(),
            line,
            column,
            message,
        }
    };
    // Serde's messages name the expected type, not the key: quote the line, which does.
    let toml_error = |e: toml::de::Error| {
        let span = e.span().unwrap_or(0..0);
        let mut err = at(span, e.message().trim().to_string());
        // `unknown field `x`, expected one of `a`, `b`, ...`: name the likely one.
        if let Some(rest) = err.message.strip_prefix("unknown field `") {
            let mut quoted = rest.split('`').step_by(2);
            if let Some(name) = quoted.next() {
                let expected: Vec<&str> = quoted.collect();
                if let Some(s) = wtfcb_core::rules::did_you_mean(name, expected.iter().copied()) {
                    err.message = format!("{}; did you mean `{s}`?", err.message);
                }
            }
        }
        if let Some(line) = text.lines().nth(err.line.saturating_sub(1)) {
            err.message = format!("{} (in `{}`)", err.message, line.trim());
        }
        err
    };
    let raw = if pyproject {
        let py: Pyproject = toml::from_str(text).map_err(toml_error)?;
        match py.tool.and_then(|t| t.wtfcb) {
            Some(raw) => raw,
            None => return Ok(Config::default()),
        }
    } else {
        toml::from_str::<RawConfig>(text).map_err(toml_error)?
    };

    let tokens = |list: &Option<Vec<Spanned<String>>>, key: &str| {
        let mut out = Vec::new();
        for t in list.iter().flatten() {
            resolve_token(t.get_ref()).map_err(|e| at(t.span(), format!("`{key}`: {e}")))?;
            out.push(t.get_ref().clone());
        }
        Ok::<_, ConfigError>(out)
    };
    let rule_settings = |rules: &BTreeMap<Spanned<String>, Spanned<RawRule>>, prefix: &str| {
        let mut out = Vec::new();
        for (id, rule) in rules {
            let raw = rule.get_ref();
            let thresholds = raw.thresholds.as_ref().map(|t| {
                t.iter()
                    .map(|(k, v)| (k.clone(), *v.get_ref()))
                    .collect::<Vec<_>>()
            });
            let setting = RuleSetting {
                enabled: raw.enabled,
                severity: raw.severity,
                thresholds,
            };
            let key = format!("{prefix}rules.{}", id.get_ref());
            validate_setting(id.get_ref(), &setting).map_err(|e| {
                // An error about one threshold points at that threshold's own line.
                let span = e
                    .threshold
                    .as_ref()
                    .and_then(|name| raw.thresholds.as_ref()?.get(name))
                    .map_or(id.span(), |v| v.span());
                at(span, format!("`{key}`: {e}"))
            })?;
            out.push((id.get_ref().clone(), setting));
        }
        Ok::<_, ConfigError>(out)
    };
    let size = |s: &Spanned<Size>, key: &str| match s.get_ref() {
        Size::Bytes(n) => Ok(*n),
        Size::Text(t) => parse_size::Config::new()
            .with_binary()
            .parse_size(t.trim())
            .map_err(|e| at(s.span(), format!("`{key}`: invalid size {t:?}: {e}"))),
    };

    let test_paths = test_globs(raw.test_paths.as_deref(), &at)?;
    let mut config = Config {
        test_paths,
        root: raw.root.unwrap_or(false),
        rules: Layer {
            select: raw
                .select
                .is_some()
                .then(|| tokens(&raw.select, "select"))
                .transpose()?,
            extend_select: tokens(&raw.extend_select, "extend-select")?,
            ignore: tokens(&raw.ignore, "ignore")?,
            rules: rule_settings(&raw.rules, "")?,
        },
        ..Config::default()
    };
    for (list, out, key) in [
        (&raw.include, &mut config.include, "include"),
        (&raw.exclude, &mut config.exclude, "exclude"),
    ] {
        for g in list.iter().flatten() {
            wtfcb_core::walk::check_glob(g.get_ref())
                .map_err(|e| at(g.span(), format!("`{key}`: invalid glob: {e}")))?;
            out.push(g.get_ref().clone());
        }
    }
    config.replaces_default_excludes = raw.exclude.is_some();
    for g in raw.extend_exclude.iter().flatten() {
        wtfcb_core::walk::check_glob(g.get_ref())
            .map_err(|e| at(g.span(), format!("`extend-exclude`: invalid glob: {e}")))?;
        config.exclude.push(g.get_ref().clone());
    }
    if let Some(s) = &raw.max_file_size {
        config.max_file_size = Some(size(s, "max-file-size")?);
    }
    if let Some(s) = &raw.memory_per_file {
        config.memory_per_file = Some(size(s, "memory-per-file")?);
    }
    if let Some(t) = &raw.parse_timeout {
        config.parse_timeout = Some(
            wtfcb_core::parse::budget_seconds(*t.get_ref(), "`parse-timeout`")
                .map_err(|e| at(t.span(), e.to_string()))?,
        );
    }
    if let Some(b) = &raw.baseline {
        config.baseline = Some(b.get_ref().clone());
    }
    if let Some(f) = &raw.fail_on {
        let value = f.get_ref();
        if value != "never" && !Severity::ALL.iter().any(|s| s.as_str() == value) {
            return Err(at(
                f.span(),
                format!(
                    "`fail-on`: expected never, info, low, medium, high or critical, got {value:?}"
                ),
            ));
        }
        config.fail_on = Some(value.clone());
    }
    if let Some(imports) = &raw.imports {
        config.has_contracts = true;
        config.contracts = contracts(imports, &at)?;
    }
    if let Some(cache) = &raw.cache {
        config.remote = remote_config(cache).map_err(|(span, message)| at(span, message))?;
        config.cache_max_age_days = cache.max_age_days;
        if let Some(s) = &cache.max_size {
            config.cache_max_size = Some(size(s, "cache.max-size")?);
        }
    }
    for (i, o) in raw.overrides.iter().enumerate() {
        let prefix = format!("overrides[{i}].");
        if o.paths.get_ref().is_empty() {
            return Err(at(
                o.paths.span(),
                format!("`{prefix}paths`: give at least one glob"),
            ));
        }
        let mut builder = GlobSetBuilder::new();
        let mut paths = Vec::new();
        for p in o.paths.get_ref() {
            wtfcb_core::walk::check_glob(p.get_ref())
                .map_err(|e| at(p.span(), format!("`{prefix}paths`: invalid glob: {e}")))?;
            for glob in wtfcb_core::walk::glob_variants(p.get_ref()) {
                let glob = Glob::new(&glob)
                    .map_err(|e| at(p.span(), format!("`{prefix}paths`: invalid glob: {e}")))?;
                builder.add(glob);
            }
            paths.push(p.get_ref().clone());
        }
        let globs = builder
            .build()
            .map_err(|e| at(o.paths.span(), format!("`{prefix}paths`: {e}")))?;
        config.overrides.push(Override {
            paths,
            globs,
            layer: Layer {
                select: o
                    .select
                    .is_some()
                    .then(|| tokens(&o.select, &format!("{prefix}select")))
                    .transpose()?,
                extend_select: tokens(&o.extend_select, &format!("{prefix}extend-select"))?,
                ignore: tokens(&o.ignore, &format!("{prefix}ignore"))?,
                rules: rule_settings(&o.rules, &prefix)?,
            },
        });
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ConfigError {
        parse("wtfcb.toml", text, false).unwrap_err()
    }

    #[test]
    fn import_contracts_are_read_and_bad_ones_located() {
        let c = parse(
            "wtfcb.toml",
            "[imports]\nlayers = [\"web\", \"src/domain\"]\n[[imports.forbidden]]\nfrom = \"src/a/**\"\nto = \"src/b\"\n",
            false,
        )
        .unwrap();
        assert!(c.has_contracts);
        assert_eq!(c.contracts.layers.len(), 2);
        assert!(
            c.contracts.layers[0].1.is_match("pkg/web/x.py"),
            "no slash: any depth"
        );
        assert!(c.contracts.layers[1].1.is_match("src/domain/deep/x.py"));
        assert!(!c.contracts.layers[1].1.is_match("lib/src/domain/x.py"));
        let f = &c.contracts.forbidden[0];
        assert!(f.from_set.is_match("src/a/x.py") && f.to_set.is_match("src/b/y.py"));
        let e = err("[imports]\nlayer = [\"web\"]\n");
        assert_eq!(e.line, 2, "{e}");
        let e = err("[[imports.forbidden]]\nfrom = \"a[\"\nto = \"b\"\n");
        assert!(e.to_string().contains("imports.forbidden[0].from"), "{e}");
    }

    #[test]
    fn full_config_is_read() {
        let c = parse(
            "wtfcb.toml",
            r#"
select = ["ALL"]
ignore = ["style"]
include = ["src/**"]
exclude = ["vendor"]
max-file-size = "2MiB"
fail-on = "medium"

[rules.complex-function]
thresholds = { medium = 12, high = 25 }

[rules.todo-comment]
enabled = false

[rules.god-class]
severity = "high"
thresholds = { methods = 30 }

[[overrides]]
paths = ["tests/**"]
ignore = ["empty-block"]
[overrides.rules.long-function]
thresholds = { medium = 200, high = 400 }

[cache]
max-age-days = 7
max-size = "64MiB"
"#,
            false,
        )
        .unwrap();
        assert_eq!(c.rules.select.as_deref(), Some(&["ALL".to_string()][..]));
        assert_eq!(c.rules.rules.len(), 3);
        assert_eq!(c.max_file_size, Some(2 * 1024 * 1024));
        assert_eq!(c.overrides.len(), 1);
        assert!(c.overrides[0].globs.is_match("tests/a/b.py"));
        assert!(!c.overrides[0].globs.is_match("src/tests.py"));
        assert_eq!(c.cache_max_size, Some(64 * 1024 * 1024));
        assert_eq!(c.fail_on.as_deref(), Some("medium"));
    }

    // Issue 27: a TOML error quotes its line, and with it a remote URL's password.
    #[test]
    fn config_errors_never_show_a_url_secret() {
        let text = "[cache]\nremote = \"redis://:pw@h/0\",\nmax-age-days = 1\n";
        let shown = err(text).to_string();
        assert!(!shown.contains("pw"), "{shown}");
        assert!(shown.contains("redis://***@h/0"), "{shown}");
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = err("select = [\"ALL\"]\nunknown-key = 1\n");
        assert_eq!((e.line, e.path.as_str()), (2, "wtfcb.toml"));
        assert!(e.message.contains("unknown-key"), "{e}");

        let e = err("[rules.complex-function]\nthresholds = { medium = \"ten\" }\n");
        assert_eq!(e.line, 2, "{e}");

        let e = err("\n[rules.no-such-rule]\nenabled = false\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("rules.no-such-rule"), "{e}");

        let e = err("[rules.god-class]\nthresholds = { lines = 3 }\n");
        assert!(e.message.contains("methods, code-lines"), "{e}");

        let e = err("[rules.bare-except]\nseverity = \"huge\"\n");
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("huge"), "{e}");

        let e = err("ignore = [\"style\", \"nope\"]\n");
        assert!(
            e.message.contains("`ignore`") && e.message.contains("nope"),
            "{e}"
        );
        assert_eq!((e.line, e.column), (1, 20));

        let e = err("max-file-size = \"lots\"\n");
        assert!(e.message.contains("max-file-size"), "{e}");

        let e = err("[[overrides]]\npaths = [\"[\"]\n");
        assert!(e.message.contains("overrides[0].paths"), "{e}");

        let e = err("fail-on = \"sometimes\"\n");
        assert!(e.message.contains("fail-on"), "{e}");
    }

    #[test]
    fn pyproject_reads_only_its_table() {
        let text = "[project]\nname = \"x\"\n\n[tool.wtfcb]\nignore = [\"todo-comment\"]\n";
        let c = parse("pyproject.toml", text, true).unwrap();
        assert_eq!(c.rules.ignore, ["todo-comment"]);
        let e = parse(
            "pyproject.toml",
            "[project]\nname = \"x\"\n[tool.wtfcb]\nbogus = 1\n",
            true,
        )
        .unwrap_err();
        assert_eq!(e.line, 4, "{e}");
    }

    #[test]
    fn discovery_walks_up_and_stops_at_the_repository_root() {
        let tmp = tempfile::tempdir().unwrap();
        let outer = tmp.path();
        std::fs::write(outer.join("wtfcb.toml"), "").unwrap();
        let repo = outer.join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("src/deep")).unwrap();
        // Inside the repo with no config: the search stops at the repo root.
        assert_eq!(discover(&repo.join("src/deep")), None);
        std::fs::write(repo.join("pyproject.toml"), "[project]\n").unwrap();
        assert_eq!(discover(&repo.join("src/deep")), None, "no [tool.wtfcb]");
        std::fs::write(repo.join(".wtfcb.toml"), "").unwrap();
        let found = discover(&repo.join("src/deep")).unwrap();
        assert!(found.ends_with("repo/.wtfcb.toml"), "{found:?}");
        std::fs::write(repo.join("src/wtfcb.toml"), "").unwrap();
        assert!(discover(&repo.join("src/deep"))
            .unwrap()
            .ends_with("src/wtfcb.toml"));
        // The chain holds every config up to the repository root, closest first, and stops at
        // one that says `root = true`.
        assert_eq!(chain(&repo.join("src/deep")).len(), 2);
        std::fs::write(repo.join("src/wtfcb.toml"), "root = true\n").unwrap();
        assert_eq!(chain(&repo.join("src/deep")).len(), 1);
    }

    // Issue 27: outside a repository, a stray `~/wtfcb.toml` (`fail-on = "never"`) governed
    // an unrelated tree with no config of its own, which also became its project root.
    #[test]
    fn outside_a_repository_configs_count_only_below_home_and_never_in_shared_dirs() {
        let home = tempfile::tempdir().unwrap();
        let home = std::fs::canonicalize(home.path()).unwrap();
        let tree = home.join("work/tree/src");
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::write(home.join("wtfcb.toml"), "fail-on = \"never\"\n").unwrap();
        let found = |start: &Path| chain_under(start, Some(&home));
        assert!(
            found(&tree).is_empty(),
            "the home directory's config is not the tree's"
        );
        std::fs::write(home.join("work/tree/wtfcb.toml"), "").unwrap();
        assert_eq!(found(&tree), [home.join("work/tree/wtfcb.toml")]);
        // The analyzed directory's own config always counts, in the home directory too.
        assert_eq!(found(&home), [home.join("wtfcb.toml")]);
        // No home directory known: only the analyzed directory's own config.
        assert!(chain_under(&tree, None).is_empty());
    }
}
