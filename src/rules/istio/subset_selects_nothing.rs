//! `subset-selects-nothing`: see rules/subset-selects-nothing.md.

use crate::model::istio::DestinationRule;
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::workloads::{Label, PodTemplate};
use crate::rules::{Context, Rule};
use crate::text::{count, did_you_mean, join_and};

declare_rule!(SubsetSelectsNothing, kinds: [Kind::DestinationRule]);

/// How many workloads a message names before it counts the rest.
const SHOWN: usize = 3;

/// What a finding relates: the Service, and the workloads whose pods it selects.
const RELATED: [Kind; PodTemplate::KINDS.len() + 1] = {
    let mut out = [Kind::Service; PodTemplate::KINDS.len() + 1];
    let mut i = 0;
    while i < PodTemplate::KINDS.len() {
        out[i + 1] = PodTemplate::KINDS[i];
        i += 1;
    }
    out
};

impl Rule for SubsetSelectsNothing {
    fn relates(&self) -> &'static [Kind] {
        &RELATED
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let index = cx.index();
        let Some(dr) = DestinationRule::view(res) else {
            return;
        };
        let Some(host) = dr.host() else {
            return;
        };
        // The scope rule: the Service and at least one workload behind it are in the
        // repository; otherwise the pods cannot be told.
        let fqdn = index.resolve(host, &res.namespace);
        // The Service written beside the DestinationRule, when there is one; else every
        // definition the repository has of it.
        let beside = index
            .services_of_host(&fqdn)
            .into_iter()
            .find(|s| s.res.file == res.file);
        // Whether any pod carries a subset's labels is answered from the label sets kept for
        // the Service (or host); the pods themselves are read only for a message.
        let sets = match &beside {
            Some(s) => index.pod_labels_behind(s),
            None => index.pod_labels_of_host(&fqdn),
        };
        let Some(sets) = sets else {
            return;
        };
        if sets.is_empty() {
            return;
        }
        let mut found = None;
        for subset in dr.subsets() {
            let Some(labels) = subset.label_list() else {
                continue;
            };
            let asked: Vec<Label<'_>> = labels
                .into_iter()
                .filter(|l| !l.set_at_run_time())
                .collect();
            if asked.is_empty() || sets.any_carries(&asked) {
                continue;
            }
            // Without the Service beside the DestinationRule, the rule speaks only with a near
            // miss to show (see below), which the label sets tell: the pods themselves, which
            // every copy of the DestinationRule would read again, are read only then.
            if beside.is_none() {
                let lone = asked
                    .iter()
                    .find(|l| !sets.any_carries(std::slice::from_ref(*l)));
                if lone.is_none_or(|l| near_miss(l, sets.values(l.key.value)).is_none()) {
                    continue;
                }
            }
            let found = found.get_or_insert_with(|| match &beside {
                Some(s) => index.pods_behind(s).map(|pods| (*s, pods)),
                None => index.pods_of_host(&fqdn),
            });
            let Some((service, pods)) = found.as_ref() else {
                return;
            };
            if index.flagger_makes_service(&service.res.namespace, &service.res.name) {
                return;
            }
            // The label no pod carries, else (a combination no pod has) the subset's name.
            let lone = asked
                .iter()
                .find(|l| !pods.iter().any(|p| p.carries(std::slice::from_ref(*l))));
            let at = lone.map_or(subset.name.span, |l| l.value.span);
            let hint =
                lone.and_then(|l| near_miss(l, pods.iter().filter_map(|p| p.label(l.key.value))));
            // Versions are often deployed from elsewhere (another repository, a later step of
            // a tutorial): without a near miss to show, speak only when the DestinationRule,
            // the Service and every workload behind it are written together, in one file.
            let together =
                service.res.file == res.file && pods.iter().all(|p| p.workload.file == res.file);
            if hint.is_none() && !together {
                continue;
            }
            let help = hint.unwrap_or_else(|| {
                "give the subset labels that the pods of one version carry, or label that version's pod template".to_string()
            });
            cx.report_with_help(
                at,
                format!(
                    "subset `{}` selects {}, but the pods behind Service `{}/{}` carry {}",
                    subset.name.value,
                    pairs(&asked),
                    service.res.namespace,
                    service.res.name,
                    carried(pods, &asked)
                ),
                help,
            );
            cx.relate(std::iter::once(service.res).chain(pods.iter().map(|p| p.workload)));
        }
    }
}

/// The value the pods carry for the key of label `l` that it is nearest to, as a
/// did-you-mean, from the values they carry for it.
fn near_miss<'v>(l: &Label<'_>, values: impl Iterator<Item = &'v str>) -> Option<String> {
    // `v1` beside `v2` is another version, not a typo: values that differ only in their
    // digits are not offered.
    let skeleton = |v: &str| v.replace(|c: char| c.is_ascii_digit(), "");
    let asked = skeleton(l.value.value);
    let values: Vec<&str> = values.filter(|v| skeleton(v) != asked).collect();
    did_you_mean(l.value.value, values)
}

/// `a: 1` and `b: 2`, each in backticks.
fn pairs(labels: &[Label<'_>]) -> String {
    let items: Vec<String> = labels
        .iter()
        .map(|l| format!("`{}: {}`", l.key.value, l.value.value))
        .collect();
    join_and(&items)
}

/// What each workload's pods carry for the keys asked: "`track: stable`, no `tier`
/// (`payments`) and `track: canery`, `tier: edge` (`payments-canary`)".
fn carried(pods: &[PodTemplate<'_>], asked: &[Label<'_>]) -> String {
    let mut items: Vec<String> = Vec::new();
    for text in pods.iter().map(|p| {
        let values: Vec<String> = asked
            .iter()
            .map(|l| match p.label(l.key.value) {
                Some(v) => format!("`{}: {v}`", l.key.value),
                None => format!("no `{}`", l.key.value),
            })
            .collect();
        format!("{} (`{}`)", values.join(", "), p.workload.name)
    }) {
        // A workload defined in several files (overlays, variants) is named once.
        if !items.contains(&text) {
            items.push(text);
        }
    }
    let total = items.len();
    items.truncate(SHOWN);
    if total > SHOWN {
        items.push(format!("{} more", count(total - SHOWN)));
    }
    join_and(&items)
}
