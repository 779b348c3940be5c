//! Values read from manifests, with where they are written: a file of the run and a byte
//! span in it. A resource may be put together from several files (a kustomize base and its
//! patches), so a value's location names its file rather than assuming the resource's.

use crate::source::{FileId, Span};
use crate::yaml::{Entry, Node, Style};

/// Where something is written: a file of the run, and a byte range in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Location {
    pub(crate) file: FileId,
    pub(crate) span: Span,
}

impl Location {
    pub(crate) fn new(file: FileId, span: Span) -> Self {
        Location { file, span }
    }

    /// Where a node of `file` is.
    pub(crate) fn of(file: FileId, node: &Node) -> Self {
        Location::new(file, node.span)
    }
}

/// The spans of a rendered resource that are not in its own file have this bit set: the
/// rest of such a span is an offset in the render's joined files (see [`ForeignFiles`]).
/// Files are at most 10 MB, so no span of a file has it.
pub(crate) const FOREIGN: u32 = 1 << 31;

/// The files a render read, by where each starts among the render's joined files: a
/// foreign span names its file and its offset in it.
#[derive(Clone, Debug, Default)]
pub(crate) struct ForeignFiles {
    /// (first offset, end offset, file), sorted and disjoint.
    files: Vec<(u32, u32, FileId)>,
}

impl ForeignFiles {
    pub(crate) fn new(mut files: Vec<(u32, u32, FileId)>) -> Self {
        files.sort_unstable();
        ForeignFiles { files }
    }

    /// Where a location is: a foreign span in its own file, anything else as it is.
    pub(crate) fn real(&self, at: Location) -> Location {
        if at.span.start & FOREIGN == 0 {
            return at;
        }
        let (start, end) = (at.span.start & !FOREIGN, at.span.end & !FOREIGN);
        let i = self.files.partition_point(|&(base, ..)| base <= start);
        match i.checked_sub(1).map(|i| self.files[i]) {
            Some((base, stop, file)) if start <= stop => Location::new(
                file,
                Span::new((start - base) as usize, (end.min(stop) - base) as usize),
            ),
            _ => at,
        }
    }
}

/// A value and where it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Spanned<T> {
    pub(crate) value: T,
    pub(crate) span: Location,
}

impl<T> Spanned<T> {
    pub(crate) fn new(value: T, span: Location) -> Self {
        Spanned { value, span }
    }

    /// The value of the node of `file`, at the node.
    pub(crate) fn of(file: FileId, node: &Node, value: T) -> Self {
        Spanned::new(value, Location::of(file, node))
    }
}

impl<T> Spanned<Option<T>> {
    /// The value read, with where it is, when it could be read (an integer, a string): a
    /// field set to something else gives none.
    pub(crate) fn known(self) -> Option<Spanned<T>> {
        let span = self.span;
        self.value.map(|v| Spanned::new(v, span))
    }
}

/// A mapping entry as written: where its key is, and its value with where that is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Field<T> {
    pub(crate) key: Location,
    pub(crate) value: T,
    /// Where the value is.
    pub(crate) span: Location,
}

impl<T> Field<T> {
    /// The entry of `file`, with `value` read from it.
    pub(crate) fn of(file: FileId, entry: &Entry, value: T) -> Self {
        Field {
            key: Location::of(file, &entry.key),
            value,
            span: Location::of(file, &entry.value),
        }
    }
}

impl<T> Field<Option<T>> {
    /// The value read, with where it is, when it could be read (see [`Spanned::known`]).
    pub(crate) fn known(self) -> Option<Spanned<T>> {
        Spanned::new(self.value, self.span).known()
    }
}

/// A value as it is written, for messages that quote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Written<'a> {
    /// A scalar's text, and whether it is in quotes.
    Text { text: &'a str, quoted: bool },
    /// A mapping or a sequence.
    Collection,
}

impl<'a> Written<'a> {
    pub(crate) fn of(node: &'a Node) -> Self {
        match node.as_scalar() {
            Some(s) => Written::Text {
                text: &s.text,
                quoted: s.style == Style::Quoted,
            },
            None => Written::Collection,
        }
    }
}

/// Something a finding can point at: a location, a value or field with its location, or a
/// span in the file of the resource being checked.
pub(crate) trait Locate {
    /// Where it is; a bare span is in `file`.
    fn locate(&self, file: FileId) -> Location;
}

impl Locate for Location {
    fn locate(&self, _: FileId) -> Location {
        *self
    }
}

impl Locate for Span {
    fn locate(&self, file: FileId) -> Location {
        Location::new(file, *self)
    }
}

impl<T> Locate for Spanned<T> {
    fn locate(&self, _: FileId) -> Location {
        self.span
    }
}

impl<T> Locate for Field<T> {
    fn locate(&self, _: FileId) -> Location {
        self.span
    }
}

impl<L: Locate + ?Sized> Locate for &L {
    fn locate(&self, file: FileId) -> Location {
        (**self).locate(file)
    }
}
