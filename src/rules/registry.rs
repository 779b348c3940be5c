//! The registry of checks, generated from the rule table (`crate::codes`): every rule that
//! checks resources, in id order.

use crate::codes::{rule_table, RuleId};
use crate::model::kinds::Kind;
#[allow(unused_imports)]
use crate::rules::{argo, change, delivery, flagger, gateway, istio, schema, Rule};

macro_rules! define_registry {
    ($($variant:ident => $name:literal, $severity:ident, $summary:literal $(, $check:path)?;)*) => {
        /// Every rule that checks resources.
        pub(crate) static RULES: &[&dyn Rule] = &[$($(&$check,)?)*];
    };
}

rule_table!(define_registry);

/// The kinds a rule checks; none for the loader's and the engine's own findings.
pub(crate) fn kinds(id: RuleId) -> &'static [Kind] {
    RULES
        .iter()
        .find(|r| r.id() == id)
        .map_or(&[], |r| r.kinds())
}
