//! Archive and compression unpacking for decoded Base64, with every read bounded.

use std::io::Read;

use super::{Budget, Limits};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Gzip,
    Bzip2,
    Zip,
    Tar,
    Pe,
    Pdf,
    SevenZip,
    Rar,
    Ole,
    Unknown,
}

impl FileType {
    pub fn name(self) -> &'static str {
        match self {
            FileType::Gzip => "gz",
            FileType::Bzip2 => "bz2",
            FileType::Zip => "zip",
            FileType::Tar => "tar",
            FileType::Pe => "pe",
            FileType::Pdf => "pdf",
            FileType::SevenZip => "7z",
            FileType::Rar => "rar",
            FileType::Ole => "ole",
            FileType::Unknown => "None",
        }
    }
}

/// The type the bytes' magic number says.
pub fn file_type(bytes: &[u8]) -> FileType {
    match bytes {
        [0x1f, 0x8b, ..] => FileType::Gzip,
        [b'B', b'Z', b'h', ..] => FileType::Bzip2,
        [b'P', b'K', 3, 4, ..] | [b'P', b'K', 5, 6, ..] => FileType::Zip,
        [b'M', b'Z', ..] => FileType::Pe,
        [b'%', b'P', b'D', b'F', ..] => FileType::Pdf,
        [b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c, ..] => FileType::SevenZip,
        [b'R', b'a', b'r', b'!', ..] => FileType::Rar,
        [0xd0, 0xcf, 0x11, 0xe0, ..] => FileType::Ole,
        b if b.len() >= 262 && &b[257..262] == b"ustar" => FileType::Tar,
        _ => FileType::Unknown,
    }
}

/// One thing a payload held: the payload itself (`name: None`) or an archive member.
#[derive(Debug)]
pub struct Item {
    pub name: Option<String>,
    /// For a member, the container's type; otherwise the bytes' own type.
    pub file_type: FileType,
    pub bytes: Vec<u8>,
}

/// How many archives deep inside one payload are opened (a `.gz` in a zip in a tar …).
const NEST: usize = 4;

/// Unpacks gzip, bzip2, zip and tar — and archives inside them, [`NEST`] deep; anything
/// else (or a failed unpack) is one item.
pub fn unpack(bytes: &[u8], limits: &Limits, budget: &Budget, warnings: &mut Vec<String>) -> Vec<Item> {
    let kind = file_type(bytes);
    if !is_archive(kind) {
        return vec![whole(kind, bytes)];
    }
    let mut unpacker = Unpacker {
        limits,
        budget,
        warnings,
    };
    match unpacker.open(kind, bytes, NEST) {
        Some(items) if !items.is_empty() => items,
        _ => {
            unpacker.warnings.push(format!(
                "a {} payload could not be unpacked and is shown as bytes",
                kind.name()
            ));
            vec![whole(kind, bytes)]
        }
    }
}

fn is_archive(kind: FileType) -> bool {
    matches!(kind, FileType::Gzip | FileType::Bzip2 | FileType::Zip | FileType::Tar)
}

fn whole(kind: FileType, bytes: &[u8]) -> Item {
    Item {
        name: None,
        file_type: kind,
        bytes: bytes.to_vec(),
    }
}

fn member(name: &str, container: FileType, bytes: Vec<u8>) -> Item {
    Item {
        name: Some(name.to_string()),
        file_type: container,
        bytes,
    }
}

/// One decode's bounds and what is left of its output budget, and where warnings go.
struct Unpacker<'a> {
    limits: &'a Limits,
    budget: &'a Budget,
    warnings: &'a mut Vec<String>,
}

impl Unpacker<'_> {
    fn open(&mut self, kind: FileType, bytes: &[u8], nest: usize) -> Option<Vec<Item>> {
        match kind {
            FileType::Gzip => {
                let data = self.read_stream(flate2::read::GzDecoder::new(bytes), "gzip")?;
                Some(self.nested("gzip_file", FileType::Gzip, data, nest))
            }
            FileType::Bzip2 => {
                let data = self.read_stream(bzip2::read::BzDecoder::new(bytes), "bzip2")?;
                Some(self.nested("bzip2_file", FileType::Bzip2, data, nest))
            }
            FileType::Zip => self.unzip(bytes, nest),
            FileType::Tar => self.untar(bytes, nest),
            _ => None,
        }
    }

    /// A member or stream; if it is itself an archive (and nesting allows), its members
    /// instead, named `outer/inner`.
    fn nested(&mut self, name: &str, container: FileType, data: Vec<u8>, nest: usize) -> Vec<Item> {
        let inner = file_type(&data);
        if is_archive(inner) {
            if nest == 0 {
                self.warnings.push(format!(
                    "archives nested more than {NEST} deep: {name} is shown as bytes"
                ));
            } else if let Some(items) = self.open(inner, &data, nest - 1)
                && !items.is_empty()
            {
                return items
                    .into_iter()
                    .map(|mut item| {
                        item.name = Some(format!("{name}/{}", item.name.unwrap_or_default()));
                        item
                    })
                    .collect();
            }
        }
        vec![member(name, container, data)]
    }

    /// Reads at most the per-item limit and what is left of the budget; says so when cut.
    fn read_stream(&mut self, reader: impl Read, what: &str) -> Option<Vec<u8>> {
        let cap = self.limits.max_item_bytes.min(self.budget.left());
        let mut out = Vec::new();
        let read = reader.take(cap as u64 + 1).read_to_end(&mut out);
        if read.is_err() && out.is_empty() {
            return None;
        }
        if out.len() > cap {
            out.truncate(cap);
            self.warnings.push(format!(
                "a {what} payload was cut at {cap} bytes (decompression bomb guard)"
            ));
        }
        self.budget.charge(out.len());
        Some(out)
    }

    fn unzip(&mut self, bytes: &[u8], nest: usize) -> Option<Vec<Item>> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
        let mut items = Vec::new();
        for i in 0..archive.len() {
            if i == self.limits.max_members {
                self.warnings.push(format!(
                    "a zip payload has {} members; only the first {} were unpacked",
                    archive.len(),
                    self.limits.max_members
                ));
                break;
            }
            let Ok(file) = archive.by_index(i) else {
                self.warnings
                    .push(format!("zip member {i} could not be read (encrypted or damaged)"));
                continue;
            };
            let name = file.name().map_or_else(|_| format!("member {i}"), |n| n.to_string());
            let data = self.read_stream(file, "zip member")?;
            items.extend(self.nested(&name, FileType::Zip, data, nest));
        }
        Some(items)
    }

    fn untar(&mut self, bytes: &[u8], nest: usize) -> Option<Vec<Item>> {
        let mut archive = tar::Archive::new(bytes);
        let mut items = Vec::new();
        for (i, entry) in archive.entries().ok()?.enumerate() {
            if i == self.limits.max_members {
                self.warnings.push(format!(
                    "a tar payload has more than {} members; the rest were not unpacked",
                    self.limits.max_members
                ));
                break;
            }
            let Ok(entry) = entry else {
                self.warnings.push(format!(
                    "a tar payload is damaged after {i} members; the rest were not read"
                ));
                break;
            };
            let name = entry.path().map(|p| p.display().to_string()).unwrap_or_default();
            let data = self.read_stream(entry, "tar member")?;
            items.extend(self.nested(&name, FileType::Tar, data, nest));
        }
        Some(items)
    }
}
