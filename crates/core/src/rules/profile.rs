//! Effective rule settings: which rules run, at what severity, with what thresholds. Built
//! from layers (the defaults, a config file's top level, its per-path overrides, the command
//! line) and fingerprinted, so a cache can tell when a result would change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::bail;
use globset::GlobSet;
use md5::{Digest, Md5};

use super::{registry, Emitter, FileContext};
use crate::findings::{Finding, Severity};
use crate::lang::Language;

/// One rule's effective settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleParams {
    pub enabled: bool,
    /// The severity of a non-graded rule's findings.
    pub severity: Severity,
    /// Thresholds by name (for graded rules the names are severities).
    pub thresholds: Vec<(String, u32)>,
}

impl RuleParams {
    /// A named threshold (0 if the rule has no such threshold, which validation prevents).
    pub fn limit(&self, name: &str) -> u32 {
        self.thresholds
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |&(_, v)| v)
    }

    /// A graded rule's steps, highest severity first.
    pub fn steps(&self) -> Vec<(Severity, u32)> {
        let mut steps: Vec<_> = self
            .thresholds
            .iter()
            .filter_map(|(name, v)| {
                Severity::ALL
                    .iter()
                    .find(|s| s.as_str() == name)
                    .map(|&s| (s, *v))
            })
            .collect();
        steps.sort_by_key(|s| std::cmp::Reverse(s.0));
        steps
    }
}

/// What one layer of configuration says about one rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleSetting {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
    /// Replaces a graded rule's steps; merges into a plain rule's named thresholds.
    pub thresholds: Option<Vec<(String, u32)>>,
}

/// One layer of rule configuration, applied over the layers before it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layer {
    /// Rule ids, categories or `ALL`: when given, only these run (then `ignore` applies).
    pub select: Option<Vec<String>>,
    /// Rule ids or categories to run besides those selected (ruff's `extend-select`).
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub rules: Vec<(String, RuleSetting)>,
}

/// The rule ids a `--select` / `--ignore` token names: an id, a category or `ALL`.
pub fn resolve_token(token: &str) -> anyhow::Result<Vec<&'static str>> {
    let ids: Vec<_> = registry()
        .iter()
        .map(|r| r.meta())
        .filter(|m| m.id == token || m.category.as_str() == token || token == "ALL")
        .map(|m| m.id)
        .collect();
    if ids.is_empty() {
        bail!(
            "unknown rule or category {token:?} (see `wtfcb rules`){}",
            super::suggestion(token)
        );
    }
    Ok(ids)
}

/// Why a rule setting was refused, and the threshold it is about (for a located error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    pub threshold: Option<String>,
    pub message: String,
}

impl std::fmt::Display for SettingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Checks one rule's setting against what the rule accepts; the error names the problem.
/// Graded steps given in part are merged with the defaults, and the result must rise with
/// the severity (`{ medium = 300, high = 100 }` is refused).
pub fn validate_setting(id: &str, setting: &RuleSetting) -> Result<(), SettingError> {
    let fail = |threshold: Option<&str>, message: String| SettingError {
        threshold: threshold.map(str::to_string),
        message,
    };
    let Some(rule) = super::find(id) else {
        return Err(fail(
            None,
            format!(
                "unknown rule {id:?} (see `wtfcb rules`){}",
                super::suggestion(id)
            ),
        ));
    };
    let meta = rule.meta();
    if meta.graded && setting.severity.is_some() {
        return Err(fail(
            None,
            format!(
                "{id} grades its findings by `thresholds` (e.g. {{ {} }}); it has no single `severity`",
                meta.thresholds_text().replace(" > ", " = ")
            ),
        ));
    }
    let names: Vec<&str> = if meta.graded {
        Severity::ALL.iter().map(|s| s.as_str()).collect()
    } else {
        meta.thresholds.iter().map(|(n, _)| *n).collect()
    };
    for (name, _) in setting.thresholds.iter().flatten() {
        if !names.contains(&name.as_str()) {
            let expected = if meta.graded {
                "a severity: info, low, medium, high or critical".to_string()
            } else if names.is_empty() {
                "none: this rule has no thresholds".to_string()
            } else {
                names.join(", ")
            };
            let hint = super::did_you_mean(name, names.iter().copied())
                .map_or(String::new(), |s| format!("; did you mean `{s}`?"));
            return Err(fail(
                Some(name),
                format!("{id} has no threshold {name:?} (expected {expected}){hint}"),
            ));
        }
    }
    if meta.graded {
        if let Some(given) = &setting.thresholds {
            let steps = merged_steps(meta.thresholds, given);
            // Highest severity first: each limit must be above the next lower one's.
            for pair in steps.windows(2) {
                let ((hi, hi_limit), (lo, lo_limit)) = (pair[0], pair[1]);
                if hi_limit <= lo_limit {
                    let blame = if given.iter().any(|(n, _)| n == hi.as_str()) {
                        hi
                    } else {
                        lo
                    };
                    return Err(fail(
                        Some(blame.as_str()),
                        format!(
                            "{id}: the `{}` limit ({hi_limit}) must be above the `{}` limit ({lo_limit}); steps given in part are merged with the defaults ({})",
                            hi.as_str(),
                            lo.as_str(),
                            meta.thresholds_text()
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Graded steps: `base` with `given` replacing or adding steps, highest severity first.
fn merged_steps(base: &[(impl AsRef<str>, u32)], given: &[(String, u32)]) -> Vec<(Severity, u32)> {
    let mut steps: Vec<(Severity, u32)> = Vec::new();
    for (name, limit) in base
        .iter()
        .map(|(n, v)| (n.as_ref(), *v))
        .chain(given.iter().map(|(n, v)| (n.as_str(), *v)))
    {
        let Some(&severity) = Severity::ALL.iter().find(|s| s.as_str() == name) else {
            continue;
        };
        match steps.iter_mut().find(|(s, _)| *s == severity) {
            Some(step) => step.1 = limit,
            None => steps.push((severity, limit)),
        }
    }
    steps.sort_by_key(|s| std::cmp::Reverse(s.0));
    steps
}

/// Effective settings of every rule, indexed like [`registry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub rules: Vec<RuleParams>,
    /// MD5 of the settings, in registry order: equal profiles, equal fingerprints.
    pub fingerprint: String,
    /// Per language (by `Language::index`), MD5 of the settings of the rules that apply to
    /// it: what a cached result of a file in that language depends on.
    pub language_fingerprints: Vec<String>,
}

impl Default for Profile {
    fn default() -> Self {
        let mut profile = Profile {
            rules: registry()
                .iter()
                .map(|r| {
                    let m = r.meta();
                    RuleParams {
                        enabled: m.on_by_default,
                        severity: m.severity,
                        thresholds: m
                            .thresholds
                            .iter()
                            .map(|&(n, v)| (n.to_string(), v))
                            .collect(),
                    }
                })
                .collect(),
            fingerprint: String::new(),
            language_fingerprints: Vec::new(),
        };
        profile.refresh_fingerprints();
        profile
    }
}

impl Profile {
    /// Applies a layer over this profile. Errors name an unknown rule, token or threshold.
    // wtfcb: ignore[cognitive-complexity] -- one validated branch per layer field.
    pub fn apply(&mut self, layer: &Layer) -> anyhow::Result<()> {
        if let Some(select) = &layer.select {
            for p in &mut self.rules {
                p.enabled = false;
            }
            for token in select {
                for id in resolve_token(token)? {
                    self.rules[index(id)].enabled = true;
                }
            }
        }
        for token in &layer.extend_select {
            for id in resolve_token(token)? {
                self.rules[index(id)].enabled = true;
            }
        }
        for token in &layer.ignore {
            for id in resolve_token(token)? {
                self.rules[index(id)].enabled = false;
            }
        }
        for (id, setting) in &layer.rules {
            validate_setting(id, setting).map_err(|e| anyhow::anyhow!("{e}"))?;
            let graded = registry()[index(id)].meta().graded;
            let params = &mut self.rules[index(id)];
            if let Some(enabled) = setting.enabled {
                params.enabled = enabled;
            }
            if let Some(severity) = setting.severity {
                params.severity = severity;
            }
            if let Some(thresholds) = &setting.thresholds {
                if graded {
                    // Steps given in part keep the others (`{ high = 200 }` keeps `medium`).
                    params.thresholds = merged_steps(&params.thresholds, thresholds)
                        .into_iter()
                        .map(|(s, v)| (s.as_str().to_string(), v))
                        .collect();
                } else {
                    for (name, value) in thresholds {
                        if let Some(t) = params.thresholds.iter_mut().find(|(n, _)| n == name) {
                            t.1 = *value;
                        }
                    }
                }
                params.thresholds.sort();
            }
        }
        self.refresh_fingerprints();
        Ok(())
    }

    fn refresh_fingerprints(&mut self) {
        let line = |id: &str, p: &RuleParams| {
            let mut thresholds = p.thresholds.clone();
            thresholds.sort();
            format!(
                "{id}|{}|{}|{thresholds:?}\n",
                p.enabled,
                p.severity.as_str()
            )
        };
        let mut all = Md5::new();
        let mut per_lang: Vec<Md5> = Language::ALL.iter().map(|_| Md5::new()).collect();
        for (rule, p) in registry().iter().zip(&self.rules) {
            let meta = rule.meta();
            let text = line(meta.id, p);
            all.update(&text);
            for lang in Language::ALL {
                if meta.applies_to(lang) && !meta.is_project() {
                    per_lang[lang.index()].update(&text);
                }
            }
        }
        self.fingerprint = crate::text::hex(&all.finalize());
        self.language_fingerprints = per_lang
            .into_iter()
            .map(|h| crate::text::hex(&h.finalize()))
            .collect();
    }

    /// The fingerprint of the settings that can change a result in `lang`.
    pub fn fingerprint_for(&self, lang: Language) -> &str {
        self.language_fingerprints
            .get(lang.index())
            .map_or(&self.fingerprint, String::as_str)
    }

    pub fn enabled_ids(&self) -> Vec<&'static str> {
        registry()
            .iter()
            .zip(&self.rules)
            .filter(|(_, p)| p.enabled)
            .map(|(r, _)| r.meta().id)
            .collect()
    }

    /// Runs the enabled rules that apply to the file, including the syntactic rules' hits
    /// from the single pass; marks suppressed findings; sorts.
    pub fn check(&self, file: &FileContext) -> Vec<Finding> {
        let mut out = Emitter::new(file);
        let runs = |idx: usize| {
            let meta = registry()[idx].meta();
            self.rules[idx].enabled
                && meta.applies_to(file.language)
                && !(meta.skips_tests && file.is_test)
        };
        for (idx, rule) in registry().iter().enumerate() {
            if runs(idx) {
                rule.check(file, &self.rules[idx], &mut out);
            }
        }
        for hit in &file.facts.hits {
            let idx = usize::from(hit.rule);
            if runs(idx) {
                out.emit(
                    registry()[idx].meta(),
                    self.rules[idx].severity,
                    hit.message.clone(),
                    (hit.start.line, hit.start.column),
                    (hit.end.line, hit.end.column),
                    hit.symbol.as_deref(),
                );
            }
        }
        let mut findings = out.findings;
        let used = suppress(
            &mut findings,
            &out.reach_from,
            &file.facts.suppressions,
            &[],
        );
        let unused = index("unused-suppression");
        if runs(unused) {
            let mut more = Emitter::new(file);
            let about =
                super::unused_suppression::report(file, &self.rules[unused], &used, &mut more);
            // The new findings can themselves be silenced (a file-wide ignore of the rule), but
            // never by the comment they are about.
            suppress(
                &mut more.findings,
                &more.reach_from,
                &file.facts.suppressions,
                &about,
            );
            findings.append(&mut more.findings);
        }
        crate::findings::sort(&mut findings);
        crate::findings::set_fingerprints(&mut findings, file.rel);
        crate::findings::set_line_hashes(&mut findings, file.text);
        findings
    }
}

/// Marks the findings a suppression comment reaches (`reach_from`: see [`Emitter`]), except
/// that finding `i` is never silenced by suppression `about[i]`; returns,
/// per suppression, the rule ids it silenced at least one finding of (`*` for a blanket one).
fn suppress(
    findings: &mut [Finding],
    reach_from: &[u32],
    suppressions: &[crate::facts::Suppression],
    about: &[usize],
) -> Vec<Vec<String>> {
    let mut used = vec![Vec::new(); suppressions.len()];
    for (i, (f, &from)) in findings.iter_mut().zip(reach_from).enumerate() {
        for (j, (s, used)) in suppressions.iter().zip(used.iter_mut()).enumerate() {
            if about.get(i) == Some(&j) {
                continue;
            }
            let names_rule = s.rules.is_empty() || s.rules.iter().any(|r| r == &f.rule);
            let reaches = s.reaches(from, f.start_line);
            if names_rule && reaches {
                f.suppressed = true;
                let id = if s.rules.is_empty() {
                    "*"
                } else {
                    f.rule.as_str()
                };
                if !used.iter().any(|u| u == id) {
                    used.push(id.to_string());
                }
            }
        }
    }
    used
}

fn index(id: &str) -> usize {
    super::index_of(id).unwrap_or_else(|| unreachable!("resolved ids are registered: {id}"))
}

/// The rules of a config below the project root, as the config gives them.
pub struct NestedRules {
    /// Its directory relative to the project root, ending in `/`.
    pub dir: String,
    /// Where it was read from, for errors: its file, else its directory.
    pub origin: String,
    pub rules: Layer,
    pub overrides: Vec<Override>,
    pub test_paths: Option<GlobSet>,
}

/// A per-path override: files whose project-relative path matches get its layer.
#[derive(Debug, Clone)]
pub struct Override {
    pub paths: Vec<String>,
    pub globs: GlobSet,
    pub layer: Layer,
}

/// The rule settings of a run: config layers, per-path overrides and the command line,
/// resolved per file (and memoised per set of matching overrides).
#[derive(Debug)]
pub struct Ruleset {
    config: Layer,
    overrides: Vec<Override>,
    cli: Layer,
    base: Arc<Profile>,
    memo: Mutex<HashMap<Vec<usize>, Arc<Profile>>>,
    /// MD5 over every layer of the root config and the flags (see [`Ruleset::fingerprint`]
    /// for one that covers nested configs too).
    pub fingerprint: String,
    /// The rules of configs below the project root, by their directory (project-relative,
    /// ending in `/`), deepest first: each applies, with the same flags, to the files under it.
    nested: std::sync::OnceLock<Vec<(String, Ruleset)>>,
    /// The config's `test-paths`: more files to treat as test code (relative to its directory).
    test_paths: Option<GlobSet>,
}

impl Ruleset {
    pub fn new(config: Layer, overrides: Vec<Override>, cli: Layer) -> anyhow::Result<Ruleset> {
        let mut base = Profile::default();
        base.apply(&config)?;
        base.apply(&cli)?;
        let mut hasher = Md5::new();
        hasher.update(base.fingerprint.as_bytes());
        // Applying each override to the defaults validates it and fingerprints what it says.
        for o in &overrides {
            let mut p = Profile::default();
            p.apply(&o.layer)?;
            hasher.update(format!("|{:?}={}", o.paths, p.fingerprint));
        }
        Ok(Ruleset {
            config,
            overrides,
            cli,
            base: Arc::new(base),
            memo: Mutex::new(HashMap::new()),
            fingerprint: crate::text::hex(&hasher.finalize()),
            nested: std::sync::OnceLock::new(),
            test_paths: None,
        })
    }

    /// With the config's `test-paths` (compiled globs; none when empty).
    pub fn with_test_paths(mut self, globs: Option<GlobSet>) -> Ruleset {
        self.test_paths = globs;
        self
    }

    /// Whether a file is test code: by the built-in conventions, or by the `test-paths` of
    /// the config it follows.
    pub fn is_test(&self, rel_path: &str, lang: crate::lang::Language) -> bool {
        if super::is_test_path(rel_path, lang) {
            return true;
        }
        let (rules, inner) = self.scope(rel_path);
        rules.test_paths.as_ref().is_some_and(|g| g.is_match(inner))
    }

    /// Sets the rules of the configs found below the project root (once per run, after the
    /// walk); an invalid one is an error naming its file.
    pub fn set_nested(&self, configs: Vec<NestedRules>) -> anyhow::Result<()> {
        let mut nested = configs
            .into_iter()
            .map(|n| {
                let rules = Ruleset::new(n.rules, n.overrides, self.cli.clone())
                    .map(|r| r.with_test_paths(n.test_paths))
                    .map_err(|e| anyhow::anyhow!("{}: {e}", n.origin))?;
                Ok((n.dir, rules))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        nested.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let _ = self.nested.set(nested);
        Ok(())
    }

    /// The rules a file follows, by its project-relative path, and its path relative to
    /// their config's directory (what their overrides match).
    fn scope<'r, 'p>(&'r self, rel_path: &'p str) -> (&'r Ruleset, &'p str) {
        for (dir, rules) in self.nested.get().into_iter().flatten() {
            if let Some(inner) = rel_path.strip_prefix(dir.as_str()) {
                return (rules, inner);
            }
        }
        (self, rel_path)
    }

    /// The directory of the nested config a file follows (none: the root's).
    pub fn config_dir_of(&self, rel_path: &str) -> Option<&str> {
        self.nested
            .get()
            .into_iter()
            .flatten()
            .find(|(dir, _)| rel_path.starts_with(dir.as_str()))
            .map(|(dir, _)| dir.as_str())
    }

    /// MD5 over the root's settings and every nested config's, with their directories: what
    /// the JSON report calls the settings fingerprint.
    pub fn fingerprint(&self) -> String {
        let nested = self.nested.get().map_or(&[][..], Vec::as_slice);
        if nested.is_empty() {
            return self.fingerprint.clone();
        }
        let mut hasher = Md5::new();
        hasher.update(self.fingerprint.as_bytes());
        for (dir, rules) in nested {
            hasher.update(format!("|{dir}={}", rules.fingerprint));
        }
        crate::text::hex(&hasher.finalize())
    }

    /// Defaults and command-line flags only.
    pub fn from_cli(cli: Layer) -> anyhow::Result<Ruleset> {
        Ruleset::new(Layer::default(), Vec::new(), cli)
    }

    /// The profile for a file, by its path relative to the project root.
    pub fn profile_for(&self, rel_path: &str) -> Arc<Profile> {
        let (rules, inner) = self.scope(rel_path);
        rules.own_profile_for(inner)
    }

    /// The profile for a file from this config alone, by its path relative to its directory.
    fn own_profile_for(&self, rel_path: &str) -> Arc<Profile> {
        let matched: Vec<usize> = self
            .overrides
            .iter()
            .enumerate()
            .filter(|(_, o)| o.globs.is_match(rel_path))
            .map(|(i, _)| i)
            .collect();
        if matched.is_empty() {
            return Arc::clone(&self.base);
        }
        let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(memo.entry(matched).or_insert_with_key(|matched| {
            let mut p = Profile::default();
            // Validated in `new`, so applying cannot fail here.
            let _ = p.apply(&self.config);
            for &i in matched {
                let _ = p.apply(&self.overrides[i].layer);
            }
            let _ = p.apply(&self.cli);
            Arc::new(p)
        }))
    }

    pub fn base(&self) -> &Profile {
        &self.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(select: Option<&[&str]>, ignore: &[&str]) -> Layer {
        Layer {
            select: select.map(|s| s.iter().map(|t| t.to_string()).collect()),
            extend_select: Vec::new(),
            ignore: ignore.iter().map(|t| t.to_string()).collect(),
            rules: Vec::new(),
        }
    }

    #[test]
    fn selection_by_id_category_and_ignore() {
        // Every rule but the ones off by default (`unused-suppression`, `unresolved-import`).
        let all = Profile::default();
        assert_eq!(all.enabled_ids().len(), registry().len() - 2);
        assert!(!all.enabled_ids().contains(&"unused-suppression"));
        assert!(!all.enabled_ids().contains(&"unresolved-import"));
        let mut cx = Profile::default();
        cx.apply(&layer(Some(&["complexity"]), &["deep-nesting"]))
            .unwrap();
        let ids = cx.enabled_ids();
        assert!(ids.contains(&"complex-function") && !ids.contains(&"deep-nesting"));
        assert!(!ids.contains(&"large-file"));
        assert!(Profile::default()
            .apply(&layer(Some(&["no-such-rule"]), &[]))
            .is_err());
    }

    #[test]
    fn thresholds_merge_with_the_defaults_and_change_the_fingerprint() {
        let mut p = Profile::default();
        let before = p.fingerprint.clone();
        p.apply(&Layer {
            rules: vec![
                (
                    "complex-function".into(),
                    RuleSetting {
                        thresholds: Some(vec![("critical".into(), 50), ("low".into(), 5)]),
                        ..RuleSetting::default()
                    },
                ),
                (
                    "god-class".into(),
                    RuleSetting {
                        thresholds: Some(vec![("methods".into(), 30)]),
                        severity: Some(Severity::High),
                        ..RuleSetting::default()
                    },
                ),
            ],
            ..Layer::default()
        })
        .unwrap();
        assert_ne!(p.fingerprint, before);
        let cf = &p.rules[super::super::index_of("complex-function").unwrap()];
        assert_eq!(
            cf.steps(),
            [
                (Severity::Critical, 50),
                (Severity::High, 20),
                (Severity::Medium, 10),
                (Severity::Low, 5)
            ]
        );
        let gc = &p.rules[super::super::index_of("god-class").unwrap()];
        assert_eq!((gc.limit("methods"), gc.limit("code-lines")), (30, 500));
        assert_eq!(gc.severity, Severity::High);
        assert_eq!(Profile::default().fingerprint, before, "deterministic");
        // A Python-only rule's setting changes Python's key, not Go's.
        let mut py = Profile::default();
        py.apply(&Layer {
            rules: vec![(
                "bare-except".into(),
                RuleSetting {
                    severity: Some(Severity::High),
                    ..RuleSetting::default()
                },
            )],
            ..Layer::default()
        })
        .unwrap();
        let base = Profile::default();
        assert_ne!(
            py.fingerprint_for(Language::Python),
            base.fingerprint_for(Language::Python)
        );
        assert_eq!(
            py.fingerprint_for(Language::Go),
            base.fingerprint_for(Language::Go)
        );
    }

    #[test]
    fn bad_settings_are_named() {
        let bad = |id: &str, s: RuleSetting| validate_setting(id, &s).unwrap_err().message;
        assert!(bad("nope", RuleSetting::default()).contains("unknown rule"));
        let e = bad(
            "god-class",
            RuleSetting {
                thresholds: Some(vec![("lines".into(), 1)]),
                ..RuleSetting::default()
            },
        );
        assert!(e.contains("methods, code-lines"), "{e}");
        let e = bad(
            "complex-function",
            RuleSetting {
                severity: Some(Severity::Low),
                ..RuleSetting::default()
            },
        );
        assert!(e.contains("thresholds"), "{e}");
    }

    // Issue 17: `{ high = 200 }` silently dropped `medium`, and inverted steps were accepted.
    #[test]
    fn graded_steps_given_in_part_merge_and_must_rise() {
        let given = |steps: &[(&str, u32)]| RuleSetting {
            thresholds: Some(steps.iter().map(|(n, v)| (n.to_string(), *v)).collect()),
            ..RuleSetting::default()
        };
        let mut p = Profile::default();
        p.apply(&Layer {
            rules: vec![("long-function".into(), given(&[("high", 200)]))],
            ..Layer::default()
        })
        .unwrap();
        let steps = p.rules[index("long-function")].steps();
        assert_eq!(steps, vec![(Severity::High, 200), (Severity::Medium, 50)]);
        let e = validate_setting("long-function", &given(&[("medium", 300), ("high", 100)]))
            .unwrap_err();
        assert!(e.message.contains("must be above"), "{e}");
        assert_eq!(e.threshold.as_deref(), Some("high"));
        // Against the default medium (50), a high of 40 is inverted too.
        assert!(validate_setting("long-function", &given(&[("high", 40)])).is_err());
        assert!(validate_setting("long-function", &given(&[("low", 20)])).is_ok());
    }
}
