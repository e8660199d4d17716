//! Which documented (operation, status) pairs the scenarios provoked, and which they may
//! leave out (with a reason each).

use std::collections::BTreeSet;
use std::fmt;

/// A documented pair that cannot be provoked against a correct server.
#[derive(Debug, Clone, Copy)]
pub struct Exemption {
    /// An operationId, or `*` for every operation.
    pub operation: &'static str,
    pub status: u16,
    pub reason: &'static str,
}

impl Exemption {
    fn covers(&self, operation: &str, status: u16) -> bool {
        self.status == status && (self.operation == "*" || self.operation == operation)
    }
}

/// Documented pairs split by what happened to them.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub operations: usize,
    pub documented: BTreeSet<(String, u16)>,
    pub provoked: BTreeSet<(String, u16)>,
    pub exempted: BTreeSet<(String, u16)>,
    /// Documented, not exempted, never provoked.
    pub missing: BTreeSet<(String, u16)>,
    /// Exempted yet provoked: the exemption is wrong (or the server misbehaved).
    pub provoked_despite_exemption: BTreeSet<(String, u16)>,
    /// Exemptions that match nothing the spec documents.
    pub unused_exemptions: Vec<Exemption>,
}

impl Coverage {
    pub fn compute(
        documented: &BTreeSet<(String, u16)>,
        observed: &BTreeSet<(String, u16)>,
        exemptions: &[Exemption],
    ) -> Coverage {
        let exempt =
            |(op, status): &(String, u16)| exemptions.iter().any(|e| e.covers(op, *status));
        let exempted: BTreeSet<_> = documented.iter().filter(|p| exempt(p)).cloned().collect();
        let provoked: BTreeSet<_> = documented.intersection(observed).cloned().collect();
        Coverage {
            operations: documented
                .iter()
                .map(|(op, _)| op)
                .collect::<BTreeSet<_>>()
                .len(),
            missing: documented
                .iter()
                .filter(|p| !exempted.contains(*p) && !provoked.contains(*p))
                .cloned()
                .collect(),
            provoked_despite_exemption: exempted.intersection(&provoked).cloned().collect(),
            unused_exemptions: exemptions
                .iter()
                .filter(|e| !documented.iter().any(|(op, s)| e.covers(op, *s)))
                .copied()
                .collect(),
            documented: documented.clone(),
            provoked,
            exempted,
        }
    }

    /// One line per coverage failure.
    pub fn failures(&self) -> Vec<String> {
        let mut failures: Vec<String> = self
            .missing
            .iter()
            .map(|(op, status)| {
                format!(
                    "{op} {status}: documented, but no scenario provoked it (nor is it exempted)"
                )
            })
            .collect();
        failures.extend(self.provoked_despite_exemption.iter().map(|(op, status)| {
            format!("{op} {status}: exempted as unprovokable, yet a scenario provoked it")
        }));
        failures.extend(self.unused_exemptions.iter().map(|e| {
            format!(
                "exemption {} {} matches nothing openapi.yaml documents",
                e.operation, e.status
            )
        }));
        failures
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} operations; {} documented (operation, status) pairs: {} provoked, {} exempted, {} missing",
            self.operations,
            self.documented.len(),
            self.provoked.len(),
            self.exempted.len(),
            self.missing.len()
        )
    }
}
