//! Rules over Flagger Canaries and MetricTemplates (flagger.app/v1beta1).
