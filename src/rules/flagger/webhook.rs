//! `flagger-webhook`: see rules/flagger-webhook.md.

use crate::duration::Duration;
use crate::model::flagger::{Canary, Webhook};
use crate::model::kinds::Kind;
use crate::model::resource::Resource;
use crate::model::spanned::Location;
use crate::rules::{Context, Rule};

declare_rule!(FlaggerWebhook, kinds: [Kind::Canary]);

const CONFIRM: [&str; 3] = [
    "confirm-rollout",
    "confirm-traffic-increase",
    "confirm-promotion",
];

impl Rule for FlaggerWebhook {
    fn keeps_to_its_subject(&self) -> bool {
        true
    }

    fn check(&self, res: &Resource, cx: &mut Context<'_>) {
        let Some(canary) = Canary::view(res) else {
            return;
        };
        let Some(a) = canary.analysis() else {
            return;
        };
        let hooks = a.webhooks();
        for w in &hooks {
            gates(w, cx);
        }
        // A fragment or patch may leave `interval` to its base.
        if !canary.is_complete() {
            return;
        }
        // pkg/controller/scheduler.go runAnalysis calls the `rollout` webhooks one after
        // another on every tick; each may take its whole timeout (pkg/controller/webhook.go
        // CallWebhook: 10s when unset or shorter than two characters). The first that fails
        // ends the tick: one whose timeout is not a Go duration fails at once, and the hooks
        // after it never run.
        let interval = a.effective_interval();
        let mut total = Duration(0);
        let mut names = Vec::new();
        let mut reached: Option<Location> = None;
        for w in hooks.iter().filter(|w| w.kind() == "rollout") {
            let Some(t) = w.effective_timeout() else {
                break;
            };
            total = Duration(total.millis() + t.millis());
            let default = if w.timeout().is_some() {
                ""
            } else {
                " by default"
            };
            names.push(format!("`{}` {t}{default}", w.name().unwrap_or("?")));
            if reached.is_none() && total >= interval {
                reached = w.timeout().map(|t| t.span).or(w.url().map(|u| u.span));
            }
        }
        // Reported where the running total reaches the interval; the message names them all.
        if let Some(at) = reached {
            cx.report_with_help(
                at,
                format!(
                    "the `rollout` webhook timeouts add up to {total} ({}), reaching the analysis interval of {interval}: a slow webhook delays every check",
                    crate::text::join_and(&names)
                ),
                "shorten the `rollout` webhook timeouts, or lengthen `interval`",
            );
        }
    }
}

/// The loadtester's gates (pkg/loadtester/server.go): `/gate/approve` always answers 200,
/// `/gate/halt` always 403. A webhook succeeds on HTTP status up to 202.
fn gates(w: &Webhook<'_>, cx: &mut Context<'_>) {
    let (Some(path), Some(url)) = (w.url_path(), w.url()) else {
        return;
    };
    let name = w.name().unwrap_or("?");
    let kind = w.kind();
    if kind == "rollback" && path.ends_with("/gate/approve") {
        // A `rollback` webhook that succeeds rolls the canary back; it is polled every tick.
        cx.report_with_help(
            url,
            format!("`rollback` webhook `{name}` calls `/gate/approve`, which always succeeds: every canary run is rolled back on its first check"),
            "point a `rollback` webhook at `/rollback/check` (the load tester's manual rollback gate), or at a service that succeeds only to abort",
        );
    } else if CONFIRM.contains(&kind) && path.ends_with("/gate/halt") {
        cx.report_with_help(
            url,
            format!("`{kind}` webhook `{name}` calls `/gate/halt`, which always answers 403: the canary never proceeds past it"),
            "use `/gate/check` (open and closed with `/gate/open` and `/gate/close`) or `/gate/approve`",
        );
    }
}
