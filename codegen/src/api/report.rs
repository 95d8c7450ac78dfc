//! The report of one regeneration: the changes between the previous and the new API summary,
//! the overall classification, the crate version that follows, and its texts (for the
//! terminal and for a `CHANGELOG.md` section).

use super::diff::{diff, Change, DocItem, RustImpact, WireImpact};
use super::summary::ApiSummary;

/// What changed in a crate's API, and what version it should get.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub crate_name: String,
    /// The version the previous summary was written with.
    pub previous_version: String,
    /// The version the new crate is generated with.
    pub current_version: String,
    /// The service's API version now (`2021-04-20`).
    pub api_version: String,
    pub changes: Vec<Change>,
    pub docs_only: Vec<(DocItem, String)>,
}

impl Report {
    /// Compares the summary on disk with the new one.
    pub fn new(previous: &ApiSummary, current: &ApiSummary) -> Report {
        let d = diff(previous, current);
        Report {
            crate_name: current.crate_name.clone(),
            previous_version: previous.version.clone(),
            current_version: current.version.clone(),
            api_version: current.service.api_version.clone(),
            changes: d.changes,
            docs_only: d.docs_only,
        }
    }

    /// Nothing changed, not even documentation.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.docs_only.is_empty()
    }

    /// The strongest Rust classification (documentation-only changes are `None`).
    pub fn rust(&self) -> RustImpact {
        self.changes.iter().map(|c| c.rust).max().unwrap_or(RustImpact::None)
    }

    /// The strongest wire classification.
    pub fn wire(&self) -> WireImpact {
        self.changes.iter().map(|c| c.wire).max().unwrap_or(WireImpact::Compatible)
    }

    /// Breaking by either classification (what `--deny-breaking` refuses).
    pub fn is_breaking(&self) -> bool {
        self.rust() == RustImpact::Breaking || self.wire() == WireImpact::Breaking
    }

    /// The version the crate should get after these changes, from the previous one; `None`
    /// when nothing changed or the previous version is not `MAJOR.MINOR.PATCH`.
    pub fn proposed_version(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        bump(&self.previous_version, self.rust())
    }

    /// The report for the terminal: one line per change, then the verdict.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for c in &self.changes {
            out.push_str(&format!("  rust {:<8}  wire {:<10}  {}: {}\n", c.rust.label(), c.wire.label(), c.subject, c.detail));
        }
        if let Some(line) = self.docs_line() {
            out.push_str(&format!("  {line}\n"));
        }
        out.push_str(&format!("  => Rust API: {}; wire: {}; {}\n", self.rust().label(), self.wire().label(), self.version_line()));
        out
    }

    /// A `CHANGELOG.md` section (newest first in the file), headed by the proposed version.
    pub fn changelog_section(&self) -> String {
        let heading = self.proposed_version().unwrap_or_else(|| self.current_version.clone());
        let mut out = format!("## {heading}\n\n");
        out.push_str(&format!(
            "Regenerated from the model (service API version {}). Rust API: **{}**; wire: **{}**; {}.\n",
            self.api_version,
            self.rust().label(),
            self.wire().label(),
            self.version_line()
        ));
        let groups = [
            (RustImpact::Breaking, "Breaking changes to the Rust API"),
            (RustImpact::Additive, "Additions"),
            (RustImpact::None, "No change to the Rust API"),
        ];
        for (impact, title) in groups {
            let changes: Vec<&Change> = self.changes.iter().filter(|c| c.rust == impact).collect();
            if changes.is_empty() {
                continue;
            }
            out.push_str(&format!("\n### {title}\n\n"));
            for c in changes {
                out.push_str(&format!("- {}: {} (wire: {})\n", c.subject, c.detail, c.wire.label()));
            }
        }
        if let Some(line) = self.docs_line() {
            out.push_str(&format!("\n### Documentation\n\n- {line}\n"));
        }
        out
    }

    fn version_line(&self) -> String {
        match self.proposed_version() {
            None if self.is_empty() => format!("version {} unchanged", self.current_version),
            None => format!("version {} (not MAJOR.MINOR.PATCH, so no proposal)", self.previous_version),
            Some(v) if v == self.current_version => format!("version {} → {v}", self.previous_version),
            Some(v) => format!("proposed version {v} (from {}; the crate's Cargo.toml says {})", self.previous_version, self.current_version),
        }
    }

    /// `documentation changed: 2 operations, 5 members (...)`.
    fn docs_line(&self) -> Option<String> {
        if self.docs_only.is_empty() {
            return None;
        }
        let count = |item: DocItem| self.docs_only.iter().filter(|(i, _)| *i == item).count();
        let parts: Vec<String> = [
            (DocItem::Service, "service", "service"),
            (DocItem::Operation, "operation", "operations"),
            (DocItem::Type, "type", "types"),
            (DocItem::Member, "member", "members"),
            (DocItem::Value, "enum value", "enum values"),
        ]
        .into_iter()
        .filter_map(|(item, one, many)| match count(item) {
            0 => None,
            1 => Some(format!("1 {one}")),
            n => Some(format!("{n} {many}")),
        })
        .collect();
        const SHOWN: usize = 8;
        let mut names: Vec<&str> = self.docs_only.iter().take(SHOWN).map(|(_, s)| s.as_str()).collect();
        if self.docs_only.len() > SHOWN {
            names.push("…");
        }
        Some(format!("documentation changed (only) for {}: {}", parts.join(", "), names.join("; ")))
    }
}

/// The next version after `version` for a change of `impact`, by Cargo's SemVer conventions:
/// from 1.0.0 on, breaking → major, additive → minor, otherwise patch; before 1.0.0 the
/// leftmost non-zero number is the "major" one (`0.3.1`: breaking → `0.4.0`, else `0.3.2`;
/// `0.0.4`: any change → `0.0.5`).
pub fn bump(version: &str, impact: RustImpact) -> Option<String> {
    let core = version.split(['-', '+']).next()?;
    let parts: Vec<u64> = core.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [major, minor, patch] = parts[..] else { return None };
    Some(match (major, minor, impact) {
        (0, 0, _) => format!("0.0.{}", patch + 1),
        (0, _, RustImpact::Breaking) => format!("0.{}.0", minor + 1),
        (0, _, _) => format!("0.{minor}.{}", patch + 1),
        (_, _, RustImpact::Breaking) => format!("{}.0.0", major + 1),
        (_, _, RustImpact::Additive) => format!("{major}.{}.0", minor + 1),
        (_, _, RustImpact::None) => format!("{major}.{minor}.{}", patch + 1),
    })
}
