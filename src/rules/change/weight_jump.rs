//! `weight-jump`: see rules/weight-jump.md.

use crate::model::changes::{old_routing, split_changes};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::split::{percent, points, split, Routing, Split};
use crate::rules::{Context, Rule};

declare_rule!(WeightJump, kinds: [Kind::VirtualService, Kind::HttpRoute, Kind::GrpcRoute]);

/// Shares are compared to a tenth of a point, as they are printed.
const EPSILON: f64 = 0.05;

impl Rule for WeightJump {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(base) = cx.baseline() else { return };
        let Some(routing) = Routing::view(res) else {
            return;
        };
        let index = cx.index();
        let policy = cx.policy();
        let since = base.since();
        let Some(old) = old_routing(base, index, cx.file(res), &routing) else {
            // Variants of one manifest that cannot be told apart are not compared.
            if base.has(res) {
                return;
            }
            // A new route resource: its first exposure is `max-first-step`'s.
            for route in routing.routes() {
                // A controller rewrites this route's weights; what git holds is its seed.
                if routing.is_managed(index, &route) {
                    continue;
                }
                let Some(s) = split(index, &routing, &route) else {
                    continue;
                };
                let Some(c) = s.canary else { continue };
                let Some(share) = s.shares.get(c).copied() else {
                    continue;
                };
                if share <= f64::from(policy.max_first_step) + EPSILON {
                    continue;
                }
                let Some(canary) = s.legs.get(c) else {
                    continue;
                };
                cx.report_with_help(
                    canary.span(),
                    format!(
                        "new {} sends {} to canary `{}`, above the policy's `max-first-step` of {}%; {} is not at {}",
                        route.label(),
                        percent(share),
                        canary.label(),
                        policy.max_first_step,
                        routing.describe(),
                        since.trim_start_matches("since "),
                    ),
                    format!(
                        "start the canary at {}% or less, then raise it by at most {} points a change",
                        policy.max_first_step, policy.max_step
                    ),
                );
            }
            return;
        };
        for (route, new, before) in split_changes(index, base.index(), &routing, &old) {
            // A lone destination swapped for another is a cutover, not a canary step.
            if new.legs.len() < 2 && before.legs.len() < 2 {
                continue;
            }
            let Some(c) = new.canary.or_else(|| grown_most(&new, &before)) else {
                continue;
            };
            let (Some(key), Some(canary)) = (new.keys.get(c), new.legs.get(c)) else {
                continue;
            };
            let (was, now) = (
                before.share_of(key),
                new.shares.get(c).copied().unwrap_or(0.0),
            );
            let growth = now - was;
            let change = format!(
                "canary `{}` {} → {} (+{}) {since}",
                canary.label(),
                percent(was),
                percent(now),
                points(growth)
            );
            if growth > f64::from(policy.max_step) + EPSILON {
                let next = was + f64::from(policy.max_step);
                cx.report_with_help(
                    canary.span(),
                    format!(
                        "{}: {change}, above the policy's `max-step` of {} points",
                        route.label(),
                        policy.max_step
                    ),
                    format!(
                        "go to {} first, then raise the canary by at most {} points a change, or let Flagger or Argo Rollouts step it under analysis",
                        percent(next),
                        policy.max_step
                    ),
                );
                continue;
            }
            // Stable and canary swap: the stable side was ahead and is now behind.
            let [_, _] = new.legs.as_slice() else {
                continue;
            };
            let s = 1 - c;
            let (Some(stable_key), Some(stable)) = (new.keys.get(s), new.legs.get(s)) else {
                continue;
            };
            let (stable_was, stable_now) = (
                before.share_of(stable_key),
                new.shares.get(s).copied().unwrap_or(0.0),
            );
            if growth > EPSILON && stable_was > was + EPSILON && stable_now + EPSILON < now {
                cx.report_with_help(
                    canary.span(),
                    format!(
                        "{}: stable `{}` and canary `{}` swap places {since}: canary {} → {}, stable {} → {}",
                        route.label(),
                        stable.label(),
                        canary.label(),
                        percent(was),
                        percent(now),
                        percent(stable_was),
                        percent(stable_now)
                    ),
                    format!(
                        "keep stable `{}` ahead of the canary while it is under test; if the weights were swapped by mistake, give `{}` {} and `{}` {}",
                        stable.label(),
                        stable.label(),
                        percent(now),
                        canary.label(),
                        percent(stable_now)
                    ),
                );
            }
        }
    }
}

/// With unknown roles, the canary is the destination whose share grew the most.
fn grown_most(new: &Split<'_>, before: &Split<'_>) -> Option<usize> {
    new.keys
        .iter()
        .zip(&new.shares)
        .enumerate()
        .map(|(i, (k, s))| (i, s - before.share_of(k)))
        .filter(|(_, g)| *g > EPSILON)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}
