//! IP geolocation from MaxMind databases (GeoLite2 / GeoIP2 City, Country and ASN).
//!
//! msticpy's `GeoLiteLookup` reads one GeoLite2-City database and fills an entity's
//! `CountryCode`, `CountryOrRegionName`, `State` (first subdivision), `City`, `Latitude` and
//! `Longitude`. We read the same fields, add the network's ASN and organisation from an ASN
//! database when one is configured, and answer non-global addresses the way msticpy does:
//! no country code, the country name `"<class> address"` (e.g. "Private address") and the
//! city "location unknown", so a private address is labelled rather than silently empty.
//!
//! Databases are read whole into memory (a GeoLite2-City file is ~60 MB); a lookup is a
//! tree walk and a decode of a few hundred bytes. The data is MaxMind's and its licence
//! requires the attribution in [`ATTRIBUTION`] to be shown with the results.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use maxminddb::{Reader, geoip2};
use polars::prelude::*;

use crate::error::{Error, Result};
use crate::frame::{Warned, text_values};
use crate::ip::{IpClass, classify};

/// The attribution MaxMind's GeoLite2 end-user licence asks for.
pub const ATTRIBUTION: &str =
    "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com.";

/// The columns a lookup adds, in order.
pub const COLUMNS: [&str; 9] = [
    "IpType",
    "CountryCode",
    "CountryName",
    "State",
    "City",
    "Latitude",
    "Longitude",
    "ASN",
    "ASOrganization",
];

/// Where the databases are. Any may be absent; at least one must be given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GeoPaths {
    /// A City database (GeoLite2-City or GeoIP2-City): country, state, city and location.
    pub city: Option<PathBuf>,
    /// A Country database, used for countries when there is no City database.
    pub country: Option<PathBuf>,
    /// An ASN database (GeoLite2-ASN): the network's AS number and organisation.
    pub asn: Option<PathBuf>,
}

impl GeoPaths {
    /// The databases under their usual MaxMind names in `folder` (GeoLite2 or GeoIP2).
    pub fn in_folder(folder: &Path) -> GeoPaths {
        let find = |names: &[&str]| names.iter().map(|n| folder.join(n)).find(|p| p.is_file());
        GeoPaths {
            city: find(&["GeoLite2-City.mmdb", "GeoIP2-City.mmdb"]),
            country: find(&["GeoLite2-Country.mmdb", "GeoIP2-Country.mmdb"]),
            asn: find(&["GeoLite2-ASN.mmdb", "GeoIP2-ISP.mmdb"]),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.city.is_none() && self.country.is_none() && self.asn.is_none()
    }
}

/// One address's location, as msticpy's GeoLocation entity plus the network's ASN.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Location {
    pub ip_type: String,
    pub country_code: Option<String>,
    pub country_name: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub asn: Option<u32>,
    pub as_organization: Option<String>,
}

struct Db {
    path: PathBuf,
    reader: Reader<Vec<u8>>,
}

impl Db {
    fn open(path: &Path) -> Result<Db> {
        if let Err(source) = std::fs::metadata(path) {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source,
            });
        }
        let reader = Reader::open_readfile(path).map_err(|e| Error::Format {
            path: path.to_path_buf(),
            format: "MaxMind DB",
            message: e.to_string(),
        })?;
        Ok(Db {
            path: path.to_path_buf(),
            reader,
        })
    }

    fn bad(&self, ip: IpAddr, e: maxminddb::MaxMindDbError) -> Error {
        Error::Format {
            path: self.path.clone(),
            format: "MaxMind DB",
            message: format!("looking up {ip}: {e}"),
        }
    }

    fn describe(&self) -> String {
        let m = self.reader.metadata();
        format!(
            "{} ({}, built {})",
            self.path.display(),
            m.database_type,
            chrono::DateTime::from_timestamp(m.build_epoch as i64, 0)
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "at an unknown time".into())
        )
    }
}

/// The opened databases.
pub struct GeoDb {
    city: Option<Db>,
    country: Option<Db>,
    asn: Option<Db>,
}

impl std::fmt::Debug for GeoDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.describe()).finish()
    }
}

impl GeoDb {
    /// Opens every database given; a missing or broken file is an error naming it.
    pub fn open(paths: &GeoPaths) -> Result<GeoDb> {
        if paths.is_empty() {
            return Err(Error::Invalid(
                "no MaxMind database is configured (a City, Country or ASN .mmdb file)".into(),
            ));
        }
        let open = |p: &Option<PathBuf>| p.as_deref().map(Db::open).transpose();
        Ok(GeoDb {
            city: open(&paths.city)?,
            country: open(&paths.country)?,
            asn: open(&paths.asn)?,
        })
    }

    /// One line per database: path, type and build date (the provenance of the answers).
    pub fn describe(&self) -> Vec<String> {
        [&self.city, &self.country, &self.asn]
            .into_iter()
            .flatten()
            .map(Db::describe)
            .collect()
    }

    /// The location of one address. Non-global addresses are labelled, not looked up.
    pub fn lookup(&self, ip: IpAddr) -> Result<Location> {
        let class = classify(ip);
        let mut loc = Location {
            ip_type: class.as_str().to_string(),
            ..Location::default()
        };
        if class != IpClass::Public {
            loc.country_name = Some(format!("{} address", class.as_str()));
            loc.city = Some("location unknown".into());
            return Ok(loc);
        }
        if let Some(db) = &self.city {
            let found = db.reader.lookup(ip).map_err(|e| db.bad(ip, e))?;
            if let Some(c) = found.decode::<geoip2::City>().map_err(|e| db.bad(ip, e))? {
                loc.country_code = c.country.iso_code.map(str::to_string);
                loc.country_name = c.country.names.english.map(str::to_string);
                loc.state = c.subdivisions.first().and_then(|s| s.names.english).map(str::to_string);
                loc.city = c.city.names.english.map(str::to_string);
                loc.latitude = c.location.latitude;
                loc.longitude = c.location.longitude;
            }
        } else if let Some(db) = &self.country {
            let found = db.reader.lookup(ip).map_err(|e| db.bad(ip, e))?;
            if let Some(c) = found.decode::<geoip2::Country>().map_err(|e| db.bad(ip, e))? {
                loc.country_code = c.country.iso_code.map(str::to_string);
                loc.country_name = c.country.names.english.map(str::to_string);
            }
        }
        if let Some(db) = &self.asn {
            let found = db.reader.lookup(ip).map_err(|e| db.bad(ip, e))?;
            if let Some(a) = found.decode::<geoip2::Asn>().map_err(|e| db.bad(ip, e))? {
                loc.asn = a.autonomous_system_number;
                loc.as_organization = a.autonomous_system_organization.map(str::to_string);
            }
        }
        Ok(loc)
    }

    /// Looks up text (surrounding white space allowed).
    pub fn lookup_str(&self, text: &str) -> Result<Location> {
        let ip: IpAddr = text
            .trim()
            .parse()
            .map_err(|_| Error::InvalidIp(text.trim().to_string()))?;
        self.lookup(ip)
    }

    /// Locates every value of `column` and returns `df` with [`COLUMNS`] added. Each
    /// distinct address is looked up once; values that are not addresses get the IpType
    /// "Invalid" and are counted in a warning.
    pub fn locate_column(&self, df: &DataFrame, column: &str) -> Result<Warned<DataFrame>> {
        let values = text_values(df, column)?;
        let mut memo: HashMap<&str, Location> = HashMap::new();
        let mut invalid = 0usize;
        let mut rows: Vec<Option<Location>> = Vec::with_capacity(values.len());
        for v in values.iter() {
            let Some(text) = v else {
                rows.push(None);
                continue;
            };
            if let Some(loc) = memo.get(text) {
                rows.push(Some(loc.clone()));
                continue;
            }
            let loc = match text.trim().parse::<IpAddr>() {
                Ok(ip) => self.lookup(ip)?,
                Err(_) => {
                    invalid += 1;
                    Location {
                        ip_type: IpClass::Invalid.as_str().to_string(),
                        ..Location::default()
                    }
                }
            };
            memo.insert(text, loc.clone());
            rows.push(Some(loc));
        }
        let mut out = df.clone();
        for col in location_columns(&rows) {
            if out.get_column_names().iter().any(|n| n.as_str() == col.name().as_str()) {
                out.drop_in_place(col.name().as_str())?;
            }
            out.with_column(col)?;
        }
        let mut warnings = Vec::new();
        if invalid > 0 {
            warnings.push(format!(
                "{invalid} distinct value(s) of {column} are not IP addresses; their IpType is Invalid and they have no location"
            ));
        }
        Ok(Warned { value: out, warnings })
    }

    /// A frame of locations, one row per address given, with the address in `IpAddress`.
    pub fn locate_all(&self, ips: &[String]) -> Result<Warned<DataFrame>> {
        let df = DataFrame::new(ips.len(), vec![Column::new("IpAddress".into(), ips)])?;
        self.locate_column(&df, "IpAddress")
    }
}

fn location_columns(rows: &[Option<Location>]) -> Vec<Column> {
    // Rows without a value (a null address) have every column null.
    let text = |name: &str, f: fn(&Location) -> Option<&str>| {
        crate::frame::text_column_of(name, rows, move |r: &Option<Location>| r.as_ref().and_then(f))
    };
    vec![
        text(COLUMNS[0], |l| Some(&l.ip_type)),
        text(COLUMNS[1], |l| l.country_code.as_deref()),
        text(COLUMNS[2], |l| l.country_name.as_deref()),
        text(COLUMNS[3], |l| l.state.as_deref()),
        text(COLUMNS[4], |l| l.city.as_deref()),
        Column::new(
            COLUMNS[5].into(),
            rows.iter()
                .map(|r| r.as_ref().and_then(|l| l.latitude))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            COLUMNS[6].into(),
            rows.iter()
                .map(|r| r.as_ref().and_then(|l| l.longitude))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            COLUMNS[7].into(),
            rows.iter().map(|r| r.as_ref().and_then(|l| l.asn)).collect::<Vec<_>>(),
        ),
        text(COLUMNS[8], |l| l.as_organization.as_deref()),
    ]
}
