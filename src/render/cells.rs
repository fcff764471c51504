//! A frame's cells as text and as JSON: what tables and the Table Schema form
//! (`application/vnd.dataresource+json`) show of each value.

use polars::prelude::*;
use serde_json::{Map, Value, json};

/// The text of a cell; `None` is a null.
pub(super) fn cell_text(value: &AnyValue) -> Option<String> {
    match value {
        AnyValue::Null => None,
        AnyValue::String(s) => Some((*s).to_string()),
        AnyValue::StringOwned(s) => Some(s.to_string()),
        AnyValue::Datetime(v, unit, _) | AnyValue::DatetimeOwned(v, unit, _) if !in_calendar(*v, *unit) => {
            let unit = match unit {
                TimeUnit::Nanoseconds => "nanoseconds",
                TimeUnit::Microseconds => "microseconds",
                TimeUnit::Milliseconds => "milliseconds",
            };
            Some(format!("{v} {unit} since 1970 (outside the calendar)"))
        }
        AnyValue::Date(days)
            if chrono::NaiveDate::from_num_days_from_ce_opt(days.saturating_add(719_163)).is_none() =>
        {
            Some(format!("{days} days since 1970 (outside the calendar)"))
        }
        // Polars' own formatting, which panics on values it cannot show; a cell that
        // cannot be shown says so instead of failing the whole table.
        other => Some(
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| other.to_string()))
                .unwrap_or_else(|_| format!("{other:?} (cannot be shown)")),
        ),
    }
}

/// Whether a datetime value is within chrono's calendar (±262,000 years), which polars'
/// formatting needs; a crafted file can hold any 64-bit value.
fn in_calendar(value: i64, unit: TimeUnit) -> bool {
    let (secs, nanos) = match unit {
        TimeUnit::Nanoseconds => (value.div_euclid(1_000_000_000), value.rem_euclid(1_000_000_000)),
        TimeUnit::Microseconds => (value.div_euclid(1_000_000), value.rem_euclid(1_000_000) * 1_000),
        TimeUnit::Milliseconds => (value.div_euclid(1_000), value.rem_euclid(1_000) * 1_000_000),
    };
    chrono::DateTime::from_timestamp(secs, nanos as u32).is_some()
}

/// Table Schema (the `application/vnd.dataresource+json` form JupyterLab shows as a grid).
pub(super) fn dataresource(df: &DataFrame, rows: usize) -> Value {
    let fields: Vec<Value> = df
        .columns()
        .iter()
        .map(|c| json!({"name": c.name().as_str(), "type": schema_type(c.dtype())}))
        .collect();
    let data: Vec<Value> = (0..rows)
        .map(|i| {
            let mut record = Map::new();
            for col in df.columns() {
                let value = col.get(i).map(|v| cell_json(&v, col.dtype())).unwrap_or(Value::Null);
                record.insert(col.name().to_string(), value);
            }
            Value::Object(record)
        })
        .collect();
    json!({"schema": {"fields": fields}, "data": data})
}

fn schema_type(dtype: &DataType) -> &'static str {
    match dtype {
        DataType::Boolean => "boolean",
        d if d.is_integer() => "integer",
        d if d.is_float() => "number",
        DataType::Datetime(..) => "datetime",
        DataType::Date => "date",
        DataType::Duration(_) => "duration",
        DataType::String => "string",
        _ => "any",
    }
}

fn cell_json(value: &AnyValue, dtype: &DataType) -> Value {
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(*b),
        v if dtype.is_integer() => v
            .extract::<i64>()
            .map(Value::from)
            .unwrap_or_else(|| Value::String(v.to_string())),
        v if dtype.is_float() => v
            .extract::<f64>()
            .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
            .unwrap_or_else(|| Value::String(v.to_string())),
        v => Value::String(cell_text(v).unwrap_or_default()),
    }
}
