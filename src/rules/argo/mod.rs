//! Rules over Argo Rollouts (argoproj.io/v1alpha1) that route with Istio.
