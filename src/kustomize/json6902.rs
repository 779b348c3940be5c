//! JSON 6902 patches (add, remove, replace, move, copy, test) on span-aware nodes. Errors
//! use the wording of the library kustomize applies them with (evanphx/json-patch), at the
//! span of the op's `path`.

use super::{scalar, to_json};
use crate::source::Span;
use crate::yaml::{Entry, Node, Value};

type Fail = (String, Span);

/// Applies the ops of `ops` (a sequence) to `doc`, in order; the first failure.
pub(super) fn apply(doc: &mut Node, ops: &Node) -> Result<(), Fail> {
    let Some(list) = ops.as_seq() else {
        return Err(("unable to parse SM or JSON patch".into(), ops.span));
    };
    for op in list {
        one(doc, op)?;
    }
    Ok(())
}

fn pointer(path: &str) -> Option<Vec<String>> {
    if path.is_empty() {
        return Some(Vec::new());
    }
    let rest = path.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

fn child_mut<'a>(n: &'a mut Node, tok: &str) -> Option<&'a mut Node> {
    match &mut n.value {
        Value::Map(entries) => entries
            .iter_mut()
            .rev()
            .find(|e| e.key.as_str() == Some(tok))
            .map(|e| &mut e.value),
        Value::Seq(items) => {
            let i: usize = tok.parse().ok()?;
            items.get_mut(i)
        }
        Value::Scalar(_) => None,
    }
}

fn resolve<'a>(n: &'a mut Node, toks: &[String]) -> Option<&'a mut Node> {
    toks.iter().try_fold(n, |n, t| child_mut(n, t))
}

fn one(doc: &mut Node, op: &Node) -> Result<(), Fail> {
    let name = op.get("op").and_then(Node::as_str).unwrap_or("");
    let path_node = op.get("path");
    let path = path_node.and_then(Node::as_str).unwrap_or("");
    let at = path_node.map_or(op.span, |n| n.span);
    let Some(toks) = pointer(path) else {
        return Err((
            format!("JSON pointer must be empty or start with a \"/\": {path}"),
            at,
        ));
    };
    let value = op.get("value");
    match name {
        "add" => {
            let v = value.cloned().unwrap_or_else(|| scalar("", at));
            add(doc, &toks, v, path, at)
        }
        "remove" => remove(doc, &toks, path, at).map(|_| ()),
        "replace" => {
            let v = value.cloned().unwrap_or_else(|| scalar("", at));
            replace(doc, &toks, v, path, at)
        }
        "move" | "copy" => {
            let from_node = op.get("from");
            let from = from_node.and_then(Node::as_str).unwrap_or("");
            let fat = from_node.map_or(at, |n| n.span);
            let Some(ftoks) = pointer(from) else {
                return Err((
                    format!("JSON pointer must be empty or start with a \"/\": {from}"),
                    fat,
                ));
            };
            let v = if name == "move" {
                remove(doc, &ftoks, from, fat)?
            } else {
                match resolve(doc, &ftoks) {
                    Some(n) => n.clone(),
                    None => {
                        return Err((
                            format!("copy operation does not apply: doc is missing from path: {from}: missing value"),
                            fat,
                        ))
                    }
                }
            };
            add(doc, &toks, v, path, at)
        }
        "test" => {
            let want = value.map(to_json).unwrap_or(serde_json::Value::Null);
            let got = resolve(doc, &toks).map(|n| to_json(n));
            if got.as_ref() == Some(&want) || (got.is_none() && want.is_null()) {
                Ok(())
            } else {
                Err((format!("testing value {path} failed: test failed"), at))
            }
        }
        _ => Err((
            format!("Unexpected kind: {name}"),
            op.get("op").map_or(op.span, |n| n.span),
        )),
    }
}

fn split(toks: &[String]) -> Option<(&[String], &str)> {
    let (last, parent) = toks.split_last()?;
    Some((parent, last.as_str()))
}

/// Sets `key` of a mapping to `v`: the last entry of that key, else a new entry.
fn set(entries: &mut Vec<Entry>, key: &str, v: Node, at: Span) {
    match entries
        .iter_mut()
        .rev()
        .find(|e| e.key.as_str() == Some(key))
    {
        Some(e) => e.value = v,
        None => entries.push(Entry {
            key: scalar(key, at),
            value: v,
        }),
    }
}

fn add(doc: &mut Node, toks: &[String], v: Node, path: &str, at: Span) -> Result<(), Fail> {
    let Some((parent, last)) = split(toks) else {
        *doc = v;
        return Ok(());
    };
    let missing = || {
        (
            format!("add operation does not apply: doc is missing path: \"{path}\": missing value"),
            at,
        )
    };
    let p = resolve(doc, parent).ok_or_else(missing)?;
    match &mut p.value {
        Value::Map(entries) => {
            set(entries, last, v, at);
            Ok(())
        }
        Value::Seq(items) => {
            if last == "-" {
                items.push(v);
                return Ok(());
            }
            match last.parse::<usize>() {
                Ok(i) if i <= items.len() => {
                    items.insert(i, v);
                    Ok(())
                }
                _ => Err((
                    format!("error in add for path: '{path}': Unable to access invalid index: {last}: invalid index referenced"),
                    at,
                )),
            }
        }
        Value::Scalar(_) => Err(missing()),
    }
}

fn remove(doc: &mut Node, toks: &[String], path: &str, at: Span) -> Result<Node, Fail> {
    let missing = || {
        (
            format!(
                "remove operation does not apply: doc is missing path: \"{path}\": missing value"
            ),
            at,
        )
    };
    let (parent, last) = split(toks).ok_or_else(missing)?;
    let p = resolve(doc, parent).ok_or_else(missing)?;
    match &mut p.value {
        Value::Map(entries) => match entries.iter().rposition(|e| e.key.as_str() == Some(last)) {
            Some(i) => Ok(entries.remove(i).value),
            None => Err((
                format!("error in remove for path: '{path}': Unable to remove nonexistent key: {last}: missing value"),
                at,
            )),
        },
        Value::Seq(items) => match last.parse::<usize>() {
            Ok(i) if i < items.len() => Ok(items.remove(i)),
            _ => Err((
                format!("error in remove for path: '{path}': Unable to access invalid index: {last}: invalid index referenced"),
                at,
            )),
        },
        Value::Scalar(_) => Err(missing()),
    }
}

fn replace(doc: &mut Node, toks: &[String], v: Node, path: &str, at: Span) -> Result<(), Fail> {
    let Some((parent, last)) = split(toks) else {
        *doc = v;
        return Ok(());
    };
    let missing = || {
        (
            format!("replace operation does not apply: doc is missing path: {path}: missing value"),
            at,
        )
    };
    let p = resolve(doc, parent).ok_or_else(missing)?;
    match &mut p.value {
        // kustomize's json-patch adds a missing key of an existing mapping.
        Value::Map(entries) => {
            set(entries, last, v, at);
            Ok(())
        }
        Value::Seq(items) => match last.parse::<usize>() {
            Ok(i) if i < items.len() => {
                items[i] = v;
                Ok(())
            }
            _ => Err((
                format!(
                    "replace operation does not apply: doc is missing key: {path}: missing value"
                ),
                at,
            )),
        },
        Value::Scalar(_) => Err(missing()),
    }
}
