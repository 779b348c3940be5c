//! `duplicate-destinationrule`: see rules/duplicate-destinationrule.md.

use crate::model::istio::DestinationRule;
use crate::model::kinds::Kind;
use crate::model::resource::{is_templated, Resource};
use crate::rules::{Context, Rule};
use crate::text::{backtick_list, join_and};

declare_rule!(DuplicateDestinationrule, kinds: [Kind::DestinationRule]);

impl Rule for DuplicateDestinationrule {
    fn relates(&self) -> &'static [Kind] {
        &[Kind::DestinationRule]
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(dr) = DestinationRule::view(res) else {
            return;
        };
        let Some(written) = dr.host_field() else {
            return;
        };
        let (Some(export_to), selector) = (dr.export_to_set(), dr.workload_selector()) else {
            return;
        };
        let index = cx.index();
        let host = index.resolve(written.value, &res.namespace);
        // pilot/pkg/model/destination_rule.go mergeDestinationRule merges rules of one
        // namespace and resolved host when their `exportTo` sets are equal and neither has a
        // `workloadSelector`, or both the same one; otherwise they stay apart.
        let same_host: Vec<&Resource> = index
            .destination_rules_for_host_in(&res.namespace, &host)
            .collect();
        // A file that defines one of these rules twice is a list of alternatives (variants,
        // validation cases), whose documents are not applied as one set.
        let alternatives = same_host.iter().enumerate().any(|(i, a)| {
            a.file == res.file
                && same_host[..i]
                    .iter()
                    .any(|b| b.file == a.file && b.name == a.name)
        });
        // Only rules certainly applied together are merged: those of one file, or of files
        // one kustomization lists. Files that are merely near each other, or that only name
        // the same namespace, may be separate scenarios (test fixtures, samples, tutorial
        // steps) that never meet in a cluster.
        let merged: Vec<DestinationRule<'_>> = same_host
            .into_iter()
            .filter(|o| {
                std::ptr::eq(*o, res)
                    || (index.applied_together(res, o)
                        && !(alternatives && o.file == res.file && o.name != res.name))
            })
            .filter_map(DestinationRule::view)
            .filter(|o| {
                o.export_to_set().as_ref() == Some(&export_to) && o.workload_selector() == selector
            })
            .collect();
        // One object may be defined in several files (overlays, variants): it is reported
        // once, at its first definition, and compared as defined in this file when it is.
        if merged
            .iter()
            .take_while(|o| !std::ptr::eq(o.res, res))
            .any(|o| o.res.name == res.name)
        {
            return;
        }
        let mut objects: Vec<&DestinationRule<'_>> = Vec::new();
        for o in &merged {
            match objects.iter().position(|k| k.res.name == o.res.name) {
                None => objects.push(o),
                Some(i) if o.res.file == res.file && objects[i].res.file != res.file => {
                    objects[i] = o;
                }
                Some(_) => {}
            }
        }
        // pilot/pkg/model/push_context.go sortConfigBySelectorAndCreationTime: the oldest
        // first, then by name. Manifests applied together are created together, so by name.
        objects.sort_by(|a, b| a.res.name.cmp(&b.res.name));
        let Some(at) = objects.iter().position(|o| o.res.name == res.name) else {
            return;
        };
        let (earlier, Some(this)) = (&objects[..at], objects.get(at)) else {
            return;
        };
        let Some(first) = earlier.first() else {
            return;
        };

        let name = |o: &DestinationRule<'_>| {
            format!(
                "`{}/{}` ({})",
                o.res.namespace,
                o.res.name,
                cx.location(o.res.name_location())
            )
        };
        let kept_by = |k: &DestinationRule<'_>| {
            if std::ptr::eq(k, *first) {
                String::new()
            } else {
                format!(" (kept from {})", name(k))
            }
        };
        let mut dropped: Vec<String> = Vec::new();
        let mut plural = false;
        // Istio keeps the first rule's top-level traffic policy, and takes a later one's only
        // when no earlier rule has one.
        if this.traffic_policy().is_some() {
            if let Some(k) = earlier.iter().find(|o| o.traffic_policy().is_some()) {
                dropped.push(format!("its `trafficPolicy`{}", kept_by(k)));
            }
        }
        // A subset whose name an earlier rule defines is dropped (a DuplicatedSubsets metric).
        let mut by_keeper: Vec<(&DestinationRule<'_>, Vec<&str>)> = Vec::new();
        for s in this.subsets() {
            let subset = s.name.value;
            if is_templated(subset) || by_keeper.iter().any(|(_, n)| n.contains(&subset)) {
                continue;
            }
            let Some(k) = earlier
                .iter()
                .find(|o| o.subsets().iter().any(|e| e.name.value == subset))
            else {
                continue;
            };
            match by_keeper.iter_mut().find(|(o, _)| std::ptr::eq(*o, *k)) {
                Some((_, names)) => names.push(subset),
                None => by_keeper.push((k, vec![subset])),
            }
        }
        for (k, names) in &by_keeper {
            let word = if names.len() == 1 {
                "subset"
            } else {
                "subsets"
            };
            plural |= names.len() > 1;
            dropped.push(format!("{word} {}{}", backtick_list(names), kept_by(k)));
        }
        if dropped.is_empty() {
            return;
        }
        let verb = if plural || dropped.len() > 1 {
            "are"
        } else {
            "is"
        };
        cx.report_with_help(
            written,
            format!(
                "DestinationRule `{}/{}` for host `{host}` is merged into {}, which comes first by name: {} {verb} dropped",
                res.namespace,
                res.name,
                name(first),
                join_and(&dropped)
            ),
            "merge them into one DestinationRule: Istio orders the rules of one host by creation time, then name, and keeps only the first `trafficPolicy` and the first subset of each name",
        );
        cx.relate(earlier.iter().map(|o| o.res));
    }
}
