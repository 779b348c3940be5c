//! Source files, byte spans and the line index that turns them into lines and columns.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    #[cfg(test)]
    pub(crate) fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Index of a file in the run's file table.
pub(crate) type FileId = u32;

/// Where a file is, settled once when files are planned: the phases after loading never
/// ask the file system.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Place {
    /// Below the repository root: the path relative to it.
    Repository(PathBuf),
    /// The absolute path, symlinks resolved, of a file outside the repository root (or of
    /// any file, before it is settled against a root).
    Outside(PathBuf),
    /// Not a file on disk (standard input, an in-memory text), or one whose path does not
    /// resolve (a broken or looping link).
    #[default]
    Unresolved,
}

impl Place {
    /// This place against the repository `root`: an absolute path below it becomes a path
    /// in the repository.
    pub(crate) fn settle(self, root: Option<&Path>) -> Place {
        match (self, root) {
            (Place::Outside(abs), Some(root)) => match abs.strip_prefix(root) {
                Ok(rel) => Place::Repository(rel.to_path_buf()),
                Err(_) => Place::Outside(abs),
            },
            (place, _) => place,
        }
    }

    /// The absolute path, symlinks resolved, given the `root` the place was settled against.
    pub(crate) fn absolute(&self, root: Option<&Path>) -> Option<PathBuf> {
        match self {
            Place::Repository(rel) => root.map(|r| r.join(rel)),
            Place::Outside(abs) => Some(abs.clone()),
            Place::Unresolved => None,
        }
    }

    /// The path in the repository, with forward slashes.
    pub(crate) fn repo_path(&self) -> Option<String> {
        match self {
            Place::Repository(rel) => Some(rel.to_string_lossy().replace('\\', "/")),
            Place::Outside(_) | Place::Unresolved => None,
        }
    }
}

/// A loaded file: its path as displayed, its text and where its lines start.
#[derive(Debug)]
pub struct SourceFile {
    pub(crate) path: PathBuf,
    /// The path as reported: as given on the command line, or relative to the cwd.
    pub(crate) display: String,
    /// Where the file is in the repository.
    pub(crate) place: Place,
    /// Whether the run reports the file's findings: given files, the rest of the repository
    /// is read for what they refer to, and not reported on.
    pub(crate) reported: bool,
    /// Read with the file, or on first use for a file the cache had unchanged (see
    /// [`SourceFile::unread`]).
    text: std::sync::OnceLock<Arc<str>>,
    /// Of a file not read at load: what the file system said of it then, and whether its
    /// text holds a suppression comment.
    unread: Option<Unread>,
    /// The documents of Helm's rendered output that name their template in a `# Source:`
    /// comment, in file order; empty for most files.
    pub(crate) helm: Vec<HelmSource>,
    /// Built on first use: most files never need it.
    line_starts: std::sync::OnceLock<Vec<u32>>,
}

/// A document of `helm template` output, with the template its `# Source: <path>` comment
/// names. The rendered document's line 1 is the line after that comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HelmSource {
    /// Where the line after the `# Source:` comment starts.
    pub(crate) start: u32,
    /// Where the document ends (the next document's `---`, or the end of the text).
    pub(crate) end: u32,
    /// The template's path as Helm wrote it (`chart/templates/vs.yaml`).
    pub(crate) path: Box<str>,
}

/// What is known of a file loaded from the cache without reading it.
#[derive(Clone, Copy, Debug)]
struct Unread {
    stamp: crate::cache::Stamp,
    marked: bool,
}

/// A 1-based line and a 1-based column counted in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

fn is_test_assertion(path: &str) -> bool {
    let path = path.replace('\\', "/").to_ascii_lowercase();
    let mut parts = path.rsplit('/');
    let name = parts.next().unwrap_or("");
    name.contains("assert") || parts.any(|dir| dir == "assertions" || dir == "asserts")
}

impl SourceFile {
    /// Whether the file holds what a test expects to find in the cluster rather than what
    /// it applies: a Chainsaw or KUTTL assertion (`*assert*.yaml`, or a file in an
    /// `assertions` directory). Its objects are compared with live ones, never applied.
    pub(crate) fn is_test_assertion(&self) -> bool {
        is_test_assertion(&self.display)
    }

    pub fn new(path: PathBuf, display: String, text: Arc<str>) -> Self {
        SourceFile {
            path,
            display,
            place: Place::Unresolved,
            reported: true,
            text: std::sync::OnceLock::from(text),
            unread: None,
            helm: Vec::new(),
            line_starts: std::sync::OnceLock::new(),
        }
    }

    /// A file whose resources and findings the cache gave, unchanged since the run that
    /// kept them (its file system `stamp`): its text is read when something asks for it
    /// (a finding's line, a render, a suppression comment, which `marked` says it holds).
    pub(crate) fn unread(
        path: PathBuf,
        display: String,
        stamp: crate::cache::Stamp,
        marked: bool,
    ) -> Self {
        SourceFile {
            text: std::sync::OnceLock::new(),
            unread: Some(Unread { stamp, marked }),
            ..SourceFile::new(path, display, Arc::from(""))
        }
    }

    /// The file's text. A file loaded from the cache is read now, once; if it changed
    /// since it was loaded (or cannot be read), its text is empty, as the positions of its
    /// findings would not be found in the new one.
    pub fn text(&self) -> &Arc<str> {
        self.text.get_or_init(|| {
            let read = |stamp| {
                let (bytes, now) = crate::load::read_stamped(&self.path).ok()?;
                crate::load::utf8(bytes).ok().filter(|_| now == Some(stamp))
            };
            self.unread
                .and_then(|u| read(u.stamp))
                .map_or_else(|| Arc::from(""), Arc::from)
        })
    }

    /// Gives a file without a text (one the loader did not keep) `text`, which a render
    /// read. A file the cache gave reads its own, as it was when loaded.
    pub(crate) fn fill_text(&mut self, text: &Arc<str>) {
        if self.unread.is_none() && self.text.get().is_none_or(|t| t.is_empty()) {
            self.text = std::sync::OnceLock::from(Arc::clone(text));
        }
    }

    /// Whether the text may hold the marker `marker` of a suppression comment: told by the
    /// cache for a file not read yet.
    pub(crate) fn marked(&self, marker: &str) -> bool {
        match (self.text.get(), self.unread) {
            (None, Some(u)) => u.marked,
            _ => memchr::memmem::find(self.text().as_bytes(), marker.as_bytes()).is_some(),
        }
    }

    /// The Helm template that the byte `offset` was rendered from, and the 1-based line of
    /// the offset within the rendered document, when the offset is in a document with a
    /// `# Source:` comment.
    pub(crate) fn helm_template(&self, offset: usize) -> Option<(&str, u32)> {
        if self.helm.is_empty() {
            return None;
        }
        let i = self.helm.partition_point(|h| h.start as usize <= offset);
        let h = &self.helm[i.checked_sub(1)?];
        // The end of the text is in its last document.
        if offset >= h.end as usize && (h.end as usize) < self.text().len() {
            return None;
        }
        let first = self.line_col(h.start as usize).line;
        Some((&h.path, self.line_col(offset).line - first + 1))
    }

    fn starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| line_starts(self.text()))
    }

    /// The 0-based line holding byte `offset`.
    pub(crate) fn line_index(&self, offset: usize) -> usize {
        match self.starts().binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    pub(crate) fn line_col(&self, offset: usize) -> LineCol {
        let text = self.text();
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_index(offset);
        let start = self.starts()[line] as usize;
        let column = text[start..offset].chars().count() + 1;
        LineCol {
            line: line as u32 + 1,
            column: column as u32,
        }
    }

    /// Byte range of the 1-based `line`, without its line break.
    pub(crate) fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let starts = self.starts();
        let i = line.saturating_sub(1).min(starts.len() - 1);
        let start = starts[i] as usize;
        let text = self.text();
        let end = starts.get(i + 1).map_or(text.len(), |&e| e as usize);
        let body = text[start..end].trim_end_matches(['\n', '\r']);
        start..start + body.len()
    }

    pub(crate) fn line_count(&self) -> usize {
        self.starts().len()
    }
}

/// Where each line starts. A line ends at LF, CRLF or a lone CR, as in YAML.
pub(crate) fn line_starts(text: &str) -> Vec<u32> {
    let mut starts = vec![0u32];
    starts.extend(line_breaks(text.as_bytes()).map(|i| i as u32 + 1));
    starts
}

/// The last byte of each line break of `bytes`: a LF (alone or after a CR), or a CR not
/// followed by a LF in `bytes`.
pub(crate) fn line_breaks(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr2_iter(b'\n', b'\r', bytes)
        .filter(|&i| bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n'))
}

pub(crate) fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl SourceFile {
    /// A value for a message: in backticks, shortened when long.
    pub(crate) fn snippet(value: &str) -> String {
        let one_line = value.replace('\n', " ");
        let short: String = one_line.chars().take(40).collect();
        if short.len() < one_line.len() {
            format!("`{short}…`")
        } else {
            format!("`{short}`")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_the_cache_gave_is_read_on_first_use_and_only_as_it_was() {
        let dir = std::env::temp_dir().join(format!("canarylint-unread-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("vs.yaml");
        std::fs::write(
            &path,
            "kind: VirtualService\n# canarylint: ignore-file[x]\n",
        )
        .unwrap();
        let stamp = || crate::cache::Stamp::of(&std::fs::metadata(&path).unwrap()).unwrap();
        let f = SourceFile::unread(path.clone(), "vs.yaml".into(), stamp(), true);
        // The marker is told by the cache, without reading.
        assert!(f.marked("canarylint:"));
        assert!(f.text.get().is_none());
        assert_eq!(
            &**f.text(),
            "kind: VirtualService\n# canarylint: ignore-file[x]\n"
        );
        assert_eq!(f.line_col(21).line, 2);
        // Changed since it was loaded: its findings' places would not be found in it.
        let old = stamp();
        std::fs::write(&path, "kind: Gateway\n").unwrap();
        let f = SourceFile::unread(path.clone(), "vs.yaml".into(), old, false);
        assert_eq!(&**f.text(), "");
        assert_eq!(f.line_col(21), LineCol { line: 1, column: 1 });
        // Gone: no text either.
        std::fs::remove_dir_all(&dir).unwrap();
        let mut f = SourceFile::unread(path, "vs.yaml".into(), old, false);
        // Nor a text a render read.
        f.fill_text(&Arc::from("kind: Gateway\n"));
        assert_eq!(&**f.text(), "");
        let mut kept = SourceFile::new("k.yaml".into(), "k.yaml".into(), Arc::from(""));
        kept.fill_text(&Arc::from("kind: Gateway\n"));
        assert_eq!(&**kept.text(), "kind: Gateway\n");
    }

    #[test]
    fn assertion_files() {
        assert!(is_test_assertion("t/chainsaw/a/assertions/route.yaml"));
        assert!(is_test_assertion("t/e2e/x/01-assert.yaml"));
        assert!(!is_test_assertion("t/chainsaw/a/resources/route.yaml"));
    }

    #[test]
    fn columns_count_characters() {
        let f = SourceFile::new(PathBuf::new(), String::new(), "a: é\nbb: x\n".into());
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        // `x` is after a two-byte character on the line before
        let x = f.text().find('x').unwrap();
        assert_eq!(f.line_col(x), LineCol { line: 2, column: 5 });
        let after_e = f.text().find('é').unwrap() + 2;
        assert_eq!(f.line_col(after_e), LineCol { line: 1, column: 5 });
        assert_eq!(&f.text()[f.line_range(2)], "bb: x");
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        let f = SourceFile::new(PathBuf::new(), String::new(), "a: 1\rb: 2\r\nc: 3\n".into());
        assert_eq!(f.line_count(), 4);
        let c = f.text().find('c').unwrap();
        assert_eq!(f.line_col(c), LineCol { line: 3, column: 1 });
        assert_eq!(&f.text()[f.line_range(2)], "b: 2");
    }

    #[test]
    fn helm_templates_are_found_by_document() {
        let text = "---\n# Source: c/templates/a.yaml\nkind: A\nx: 1\n---\nkind: B\n---\r\n# note\r\n# Source: c/templates/b.yaml \r\napiVersion: networking.istio.io/v1\r\nkind: VirtualService\r\ny: 2";
        let f = SourceFile::new(PathBuf::new(), String::new(), text.into());
        let f = crate::load::load_text(f, Default::default()).source;
        let paths: Vec<&str> = f.helm.iter().map(|h| &*h.path).collect();
        assert_eq!(paths, ["c/templates/a.yaml", "c/templates/b.yaml"]);
        let at = |s: &str| text.find(s).unwrap();
        assert_eq!(
            f.helm_template(at("kind: A")),
            Some(("c/templates/a.yaml", 1))
        );
        assert_eq!(f.helm_template(at("x: 1")), Some(("c/templates/a.yaml", 2)));
        // The `---` and `# Source:` lines, and a document without one, have none.
        assert_eq!(f.helm_template(0), None);
        assert_eq!(f.helm_template(at("# Source")), None);
        assert_eq!(f.helm_template(at("kind: B")), None);
        assert_eq!(f.helm_template(at("y: 2")), Some(("c/templates/b.yaml", 3)));
        // The end of the text is in the last document.
        assert_eq!(f.helm_template(text.len()), Some(("c/templates/b.yaml", 3)));
    }

    #[test]
    fn places_settle_against_the_root() {
        let root = Path::new("/repo");
        let inside = Place::Outside(PathBuf::from("/repo/apps/vs.yaml")).settle(Some(root));
        assert_eq!(inside, Place::Repository(PathBuf::from("apps/vs.yaml")));
        assert_eq!(inside.repo_path().as_deref(), Some("apps/vs.yaml"));
        assert_eq!(
            inside.absolute(Some(root)),
            Some(PathBuf::from("/repo/apps/vs.yaml"))
        );
        let outside = Place::Outside(PathBuf::from("/elsewhere/vs.yaml")).settle(Some(root));
        assert_eq!(outside, Place::Outside(PathBuf::from("/elsewhere/vs.yaml")));
        assert_eq!(outside.repo_path(), None);
        assert_eq!(Place::Unresolved.settle(Some(root)), Place::Unresolved);
        assert_eq!(Place::Unresolved.absolute(Some(root)), None);
    }
}
