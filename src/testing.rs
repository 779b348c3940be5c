//! Helpers the unit tests share.

use std::path::{Path, PathBuf};

/// The third-party corpus beside the project (`../shared/corpus`), when it is there.
pub(crate) fn corpus() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    root.is_dir().then_some(root)
}

/// Every `.yaml` and `.yml` file under `root` that reads as UTF-8: its path and text.
pub(crate) fn yaml_files(root: &Path) -> impl Iterator<Item = (PathBuf, String)> {
    ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .build()
        .flatten()
        .filter(|e| {
            matches!(
                e.path().extension().and_then(|x| x.to_str()),
                Some("yaml" | "yml")
            )
        })
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok()?;
            Some((e.into_path(), text))
        })
}
