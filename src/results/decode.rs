//! A result file's bytes read into its document: the kind it names picks
//! the type, the schema must be one this version reads, and the document
//! must pass [`validate`](super::validate). Anything else is refused with
//! one paragraph saying which file, what is wrong, and what was expected.

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::build::BuildSummary;
use super::compare::CompareFile;
use super::ext::ExtMatrix;
use super::kind::{Kind, ResultFile};
use super::legacy;
use super::package::ExtPackage;
use super::packages::ExtPackages;
use super::run::Report;
use super::validate::{At, Validate};

/// One result file, read.
#[derive(Debug, Clone)]
pub enum ResultDoc {
    Run(Box<Report>),
    Compare(CompareFile),
    ExtMatrix(ExtMatrix),
    ExtPackage(ExtPackage),
    ExtPackages(ExtPackages),
    Build(BuildSummary),
}

impl ResultDoc {
    pub fn kind(&self) -> Kind {
        match self {
            ResultDoc::Run(_) => Kind::Run,
            ResultDoc::Compare(_) => Kind::Compare,
            ResultDoc::ExtMatrix(_) => Kind::ExtMatrix,
            ResultDoc::ExtPackage(_) => Kind::ExtPackage,
            ResultDoc::ExtPackages(_) => Kind::ExtPackages,
            ResultDoc::Build(_) => Kind::Build,
        }
    }
}

/// What pybench-docker's result files are, for the end of a refusal.
pub const EXPECTED: &str = "pybench-docker's result files are the JSON files `run --json FILE`, \
    `compare --json FILE`, `ext --json FILE` and `build --json FILE` write; each names its kind \
    in \"kind\"";

/// Reads one result file's bytes; `path` names it in the refusal.
pub fn decode(path: &str, bytes: &[u8]) -> Result<ResultDoc, String> {
    let top: Top = serde_json::from_slice(bytes).map_err(|e| {
        format!("{path} is not a pybench-docker result file: it is not JSON ({e}). {EXPECTED}.")
    })?;
    let (kind, schema, keys) = match top {
        Top::Object { kind, schema, keys } => (kind, schema, keys),
        Top::Other(what) => return Err(not_ours(path, what)),
    };
    let kind = match kind {
        Some(Value::String(word)) => match Kind::named(&word) {
            Some(kind) => kind,
            None => return Err(unknown_kind(path, &format!("{word:?}"))),
        },
        Some(other) => return Err(unknown_kind(path, &other.to_string())),
        None => return schema_zero_run(path, bytes, &keys),
    };
    readable_schema(path, kind, schema.as_ref())?;
    Ok(match kind {
        Kind::Run => ResultDoc::Run(Box::new(typed(path, bytes)?)),
        Kind::Compare => ResultDoc::Compare(typed(path, bytes)?),
        Kind::ExtMatrix => ResultDoc::ExtMatrix(typed(path, bytes)?),
        Kind::ExtPackage => ResultDoc::ExtPackage(typed(path, bytes)?),
        Kind::ExtPackages => ResultDoc::ExtPackages(typed(path, bytes)?),
        Kind::Build => ResultDoc::Build(typed(path, bytes)?),
    })
}

/// A file without `"kind"`: a run of schema 0 ([`legacy`]), or refused.
fn schema_zero_run(path: &str, bytes: &[u8], keys: &[String]) -> Result<ResultDoc, String> {
    let run: Report = match serde_json::from_slice(bytes) {
        Ok(run) => run,
        Err(e) => {
            let what = format!("{} ({e})", holds(keys));
            return Err(legacy::not_a_run(path, &what, EXPECTED));
        }
    };
    run.validate(&At::root())
        .map_err(|invalid| refused(path, legacy::KIND, &invalid.to_string()))?;
    Ok(ResultDoc::Run(Box::new(run)))
}

/// A schema this version reads: none (a file from before schemas), or a
/// whole number up to the kind's newest. Every one of them reads the same
/// way today.
fn readable_schema(path: &str, kind: Kind, schema: Option<&Value>) -> Result<(), String> {
    let Some(value) = schema else {
        return Ok(());
    };
    match value.as_u64() {
        Some(n) if n <= u64::from(kind.schema()) => Ok(()),
        Some(n) => Err(format!(
            "{path} is {} of schema {n}, newer than this version of pybench-docker reads \
             (up to {}): read it with the version that wrote it, or a newer one.",
            kind.describe(),
            kind.schema()
        )),
        None => Err(format!(
            "{path} is {}, but its \"schema\" is {value}, not a whole number. {EXPECTED}.",
            kind.describe()
        )),
    }
}

/// The document of its kind, parsed and validated.
fn typed<T: ResultFile>(path: &str, bytes: &[u8]) -> Result<T, String> {
    let doc: T = parse(path, T::KIND, bytes)?;
    doc.validate(&At::root())
        .map_err(|invalid| refused(path, T::KIND, &invalid.to_string()))?;
    Ok(doc)
}

fn parse<T: de::DeserializeOwned>(path: &str, kind: Kind, bytes: &[u8]) -> Result<T, String> {
    serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "{path} is {} but cannot be read: {e}. Was it written by another version of \
             pybench-docker, or edited? {EXPECTED}.",
            kind.describe()
        )
    })
}

fn refused(path: &str, kind: Kind, what: &str) -> String {
    format!(
        "{path} is {} but cannot be used: {what}. pybench-docker never writes that, so the \
         file was edited or damaged; restore it, or measure again.",
        kind.describe()
    )
}

fn not_ours(path: &str, what: &str) -> String {
    format!("{path} is not a pybench-docker result file: it holds {what}. {EXPECTED}.")
}

fn unknown_kind(path: &str, word: &str) -> String {
    let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    format!(
        "{path} names its kind {word}, which this version of pybench-docker does not know \
         (it knows {}): was it written by a newer version? Read it with that version.",
        known.join(", ")
    )
}

/// "an object with the keys x, y, z", for a refusal.
fn holds(keys: &[String]) -> String {
    if keys.is_empty() {
        return "an empty object".into();
    }
    let mut shown: Vec<String> = keys.iter().take(6).map(|k| format!("{k:?}")).collect();
    if keys.len() > 6 {
        shown.push("…".into());
    }
    format!("an object with the keys {}", shown.join(", "))
}

/// The top of a JSON document, read without keeping the rest: for an
/// object, its `kind`, its `schema` and its keys (sorted, as they were
/// before); otherwise what it is.
enum Top {
    Object {
        kind: Option<Value>,
        schema: Option<Value>,
        keys: Vec<String>,
    },
    Other(&'static str),
}

impl<'de> Deserialize<'de> for Top {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Top, D::Error> {
        d.deserialize_any(TopVisitor)
    }
}

struct TopVisitor;

/// Keys kept for a refusal's "it holds an object with the keys …".
const KEYS_KEPT: usize = 64;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let (mut kind, mut schema, mut keys) = (None, None, Vec::new());
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "kind" => kind = Some(map.next_value::<Value>()?),
                "schema" => schema = Some(map.next_value::<Value>()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if keys.len() < KEYS_KEPT {
                keys.push(key);
            }
        }
        keys.sort();
        Ok(Top::Object { kind, schema, keys })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Top::Other("a JSON array"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Top, E> {
        Ok(Top::Other("a JSON string"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Top, E> {
        Ok(Top::Other("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Top, E> {
        Ok(Top::Other("null"))
    }
}
