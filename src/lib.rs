//! canarylint: a linter for Istio traffic routing and progressive delivery in GitOps
//! repositories. Pipeline: discover (`walk`) -> load (`load`, `yaml`) -> index (`model`)
//! -> check (`engine`, `rules`) -> report (`render`), run as one by `linter`. The command
//! line's front is `main.rs`.

pub(crate) mod alloc;
pub(crate) mod cache;
pub(crate) mod canonical;
pub mod cli;
pub mod codes;
pub mod config;
pub mod diagnostic;
pub(crate) mod duration;
pub(crate) mod engine;
pub(crate) mod error;
pub mod fold;
pub(crate) mod git;
pub(crate) mod hash;
pub mod history;
pub mod known;
pub(crate) mod kustomize;
pub(crate) mod linter;
pub mod load;
pub mod model;
pub mod output;
pub(crate) mod overlay;
pub(crate) mod prescan;
pub(crate) mod progress;
pub mod render;
pub(crate) mod rules;
pub mod settings;
pub mod source;
pub(crate) mod suppress;
#[cfg(test)]
pub(crate) mod testing;
pub mod text;
pub mod walk;
pub mod workspace;
pub(crate) mod yaml;

pub use cache::clean::{clean as clean_cache, Cleaned};
pub use error::Error;
pub use linter::{lint, lint_texts, lint_texts_against, Linter, Outcome};
pub use settings::Settings;
