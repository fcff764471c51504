//! The serde reader of Log Analytics responses, for what the fast reader ([`super::rows`])
//! gives up on, with serde's errors: serde seeds that put each row's cells
//! straight into the column builders of [`super::tables`], so no JSON tree of the response
//! is ever built. Rows that come before their columns (the service writes columns first)
//! are held as values and added when the columns are known.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::tables::{Builder, builders, push_row};
use crate::error::{Error, Result};

pub(super) struct Response {
    /// Each table's name and its rows as parts, each part a full set of column builders.
    pub(super) tables: Vec<(String, Vec<Vec<Builder>>)>,
    pub(super) error: Option<Value>,
}

/// The whole answer read by serde, or what makes it unreadable.
pub(super) fn read(body: &[u8]) -> Result<Response> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let response = ResponseSeed.deserialize(&mut de).and_then(|r| de.end().map(|()| r));
    response.map_err(|e| Error::service("Log Analytics", format!("the response is not readable: {e}")))
}

struct ResponseSeed;

impl<'de> DeserializeSeed<'de> for ResponseSeed {
    type Value = Response;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Response, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ResponseSeed {
    type Value = Response;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with tables")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Response, A::Error> {
        let mut response = Response {
            tables: Vec::new(),
            error: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "tables" => response.tables = map.next_value_seed(TablesSeed)?,
                "error" => response.error = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(response)
    }
}

struct TablesSeed;

impl<'de> DeserializeSeed<'de> for TablesSeed {
    type Value = Vec<(String, Vec<Vec<Builder>>)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TablesSeed {
    type Value = Vec<(String, Vec<Vec<Builder>>)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of tables")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some((name, columns)) = seq.next_element_seed(TableSeed)? {
            out.push((name, vec![columns]));
        }
        Ok(out)
    }
}

#[derive(Deserialize)]
struct ColumnSpec {
    name: String,
    #[serde(rename = "type", default)]
    kind: String,
}

struct TableSeed;

impl<'de> DeserializeSeed<'de> for TableSeed {
    type Value = (String, Vec<Builder>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TableSeed {
    type Value = (String, Vec<Builder>);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a table with name, columns and rows")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
        let mut name = String::from("PrimaryResult");
        let mut columns: Option<Vec<Builder>> = None;
        // Rows before their columns (not what the service writes) are held as values.
        let mut early_rows: Option<Vec<Vec<Value>>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => name = map.next_value()?,
                "columns" => {
                    let specs: Vec<ColumnSpec> = map.next_value()?;
                    columns = Some(builders(specs.iter().map(|c| (c.name.as_str(), c.kind.as_str())), 0));
                }
                "rows" => match columns.as_mut() {
                    Some(b) => map.next_value_seed(RowsSeed(b))?,
                    None => early_rows = Some(map.next_value()?),
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let mut columns = columns.ok_or_else(|| de::Error::custom(format!("table {name} has no columns")))?;
        for row in early_rows.unwrap_or_default() {
            push_row(&mut columns, row, &name).map_err(de::Error::custom)?;
        }
        Ok((name, columns))
    }
}

struct RowsSeed<'a>(&'a mut Vec<Builder>);

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element_seed(RowSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

struct RowSeed<'a>(&'a mut Vec<Builder>);

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row of cells")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let width = self.0.len();
        let mut i = 0;
        loop {
            let more = match self.0.get_mut(i) {
                Some(b) => seq.next_element_seed(CellInto(b))?.is_some(),
                None => {
                    if seq.next_element::<IgnoredAny>()?.is_some() {
                        return Err(de::Error::custom(format!(
                            "a row has more cells than the {width} columns"
                        )));
                    }
                    false
                }
            };
            if !more {
                break;
            }
            i += 1;
        }
        if i != width {
            return Err(de::Error::custom(format!("a row has {i} cells for {width} columns")));
        }
        Ok(())
    }
}

/// One cell, put into its column's builder as it is read: text borrowed from the answer
/// where it has no escapes, never an owned copy on the way.
struct CellInto<'a>(&'a mut Builder);

impl<'de> DeserializeSeed<'de> for CellInto<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellInto<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a cell")
    }
    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        self.0.push_null();
        Ok(())
    }
    fn visit_none<E>(self) -> std::result::Result<(), E> {
        self.0.push_null();
        Ok(())
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<(), E> {
        self.0.push_bool(v);
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<(), E> {
        self.0.push_int(v);
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<(), E> {
        match i64::try_from(v) {
            Ok(i) => self.0.push_int(i),
            Err(_) => self.0.push_real(v as f64),
        }
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<(), E> {
        self.0.push_real(v);
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<(), E> {
        self.0.push_str(v);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<(), A::Error> {
        let v = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        self.0.push_json(&v.to_string());
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<(), A::Error> {
        let v = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        self.0.push_json(&v.to_string());
        Ok(())
    }
}
