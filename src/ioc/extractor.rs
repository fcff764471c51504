//! The extractor: blocks of text searched for every wanted type, candidates validated,
//! deduplicated and put in reading order.

use super::*;

impl Extractor {
    pub fn new(types: Vec<IocType>, custom: Vec<CustomType>) -> Self {
        // The patterns are compiled here, once per process, rather than inside the first
        // search (DNS's takes ~10 ms), where a frame's other workers would wait on it.
        for kind in &types {
            kind.compile();
        }
        Extractor {
            types,
            custom: custom.into(),
        }
    }

    pub fn types(&self) -> &[IocType] {
        &self.types
    }

    /// Every distinct indicator in `text`, refanged, in reading order.
    pub fn extract(&self, text: &str) -> Extraction {
        self.extract_in_blocks(text, BLOCK)
    }

    /// [`Self::extract`], searching the text in blocks of about `block` bytes.
    pub(super) fn extract_in_blocks(&self, text: &str, block: usize) -> Extraction {
        let clean = refang(text);
        let text = clean.as_ref();
        // Texts of many KB (reports, logs): room for an indicator per 32 bytes (dense reports
        // have one per 50) before the first rehash, capped for one huge text. Short texts
        // (rows of a frame, most with no indicator) allocate only when they find one.
        let room = if text.len() >= 4096 {
            (text.len() / 32).min(1 << 15)
        } else {
            0
        };
        let mut best = Best::with_capacity_and_hasher(room, Default::default());
        let lines = if self.types.iter().any(|t| t.gated()) {
            gate_lines(text)
        } else {
            Vec::new()
        };
        let mut found = Vec::new();
        // The types asked for, a bit each: a hash search gives every length, and one test
        // per candidate says which to keep.
        let wanted: u32 = self.types.iter().fold(0, |bits, &kind| bits | 1 << kind as u32);
        // One scan of dotted runs finds IPv4 addresses and domain names together.
        let both_dotted = self.types.contains(&IocType::Dns) && self.types.contains(&IocType::Ipv4);
        // Each type's search reads the text once. A block of it that fits in the processor's
        // first-level cache is searched for every type before the next: the later searches
        // find it there. Blocks end at line breaks, which no built-in pattern crosses, and
        // the glue checks read the whole text, so blocks change nothing that is found.
        let mut first_line = 0;
        let mut block_start = 0;
        while block_start < text.len() {
            let cut = block_start.saturating_add(block).min(text.len());
            let block_end = memchr::memchr(b'\n', &text.as_bytes()[cut..]).map_or(text.len(), |i| cut + i + 1);
            // The lines that start in this block.
            let block_lines = lines[first_line..].partition_point(|(line, _)| line.start < block_end);
            let block_lines = &lines[first_line..first_line + block_lines];
            first_line += block_lines.len();
            let mut hashes_searched = false;
            for &kind in &self.types {
                // One search finds hashes of every length.
                if kind.is_hash() && std::mem::replace(&mut hashes_searched, true) {
                    continue;
                }
                if kind == IocType::Ipv4 && both_dotted {
                    continue;
                }
                if !kind.gated() {
                    let also_ipv4 = kind == IocType::Dns && both_dotted;
                    candidates(kind, also_ipv4, text, block_start..block_end, &mut found);
                } else {
                    let mut span: Option<std::ops::Range<usize>> = None;
                    for (line, traits) in block_lines {
                        if traits.may_hold(kind) {
                            span = Some(span.map_or(line.clone(), |s| s.start..line.end));
                        } else if let Some(s) = span.take() {
                            candidates(kind, false, text, s, &mut found);
                        }
                    }
                    if let Some(s) = span {
                        candidates(kind, false, text, s, &mut found);
                    }
                }
                for (kind, observable, position) in found.drain(..) {
                    if wanted & 1 << kind as u32 != 0 {
                        add(&mut best, observable, Kind::Builtin(kind), kind.priority(), position);
                    }
                }
            }
            block_start = block_end;
        }
        for (index, custom) in self.custom.iter().enumerate() {
            for caps in custom.regex.captures_iter(text) {
                let m = caps.get(1).or_else(|| caps.get(0)).expect("group 0 always matches");
                if !m.as_str().is_empty() {
                    add(&mut best, Cow::Borrowed(m.as_str()), Kind::Custom(index), 0, m.start());
                }
            }
        }
        self.in_reading_order(&best, text.len())
    }

    /// The indicators found, in reading order: by position, then (rarely needed) type
    /// name and observable, which are distinct, so the order is total.
    pub(super) fn in_reading_order(&self, best: &Best, text_len: usize) -> Extraction {
        let name = |kind: Kind| match kind {
            Kind::Builtin(kind) => kind.name(),
            Kind::Custom(index) => self.custom[index].name.as_str(),
        };
        let entries: Vec<(usize, Kind, &str)> = best
            .iter()
            .map(|(observable, &(_, kind, position))| (position, kind, observable.as_ref()))
            .collect();
        // Sorting small keys first, then each run of equal positions, costs less than
        // comparing the records throughout.
        let mut order: Vec<(usize, u32)> = entries.iter().zip(0..).map(|(e, i)| (e.0, i)).collect();
        sort_by_position(&mut order, text_len);
        for tie in order.chunk_by_mut(|a, b| a.0 == b.0).filter(|t| t.len() > 1) {
            tie.sort_unstable_by(|a, b| {
                let (a, b) = (entries[a.1 as usize], entries[b.1 as usize]);
                name(a.1).cmp(name(b.1)).then_with(|| a.2.cmp(b.2))
            });
        }
        let mut out = Extraction {
            observables: String::with_capacity(entries.iter().map(|e| e.2.len()).sum()),
            items: Vec::with_capacity(entries.len()),
            // Shared only when there are custom types: a count that every row of a frame
            // touched from every thread would cost more than the row's search.
            custom: (!self.custom.is_empty()).then(|| self.custom.clone()),
        };
        for (_, index) in order {
            let (position, kind, observable) = entries[index as usize];
            out.observables.push_str(observable);
            out.items.push((kind, out.observables.len(), position));
        }
        out
    }
}

/// observable → (type priority, type, first position). Observables are borrowed from the
/// text where they can be, so a repeat costs no allocation. The hasher is foldhash's,
/// randomly seeded (text is untrusted) and several times faster than SipHash on these
/// short keys.
type Best<'t> = HashMap<Cow<'t, str>, (u8, Kind, usize), foldhash::fast::RandomState>;

fn add<'t>(best: &mut Best<'t>, observable: Cow<'t, str>, kind: Kind, priority: u8, position: usize) {
    // One hash per indicator: the entry API looks up and inserts with it.
    match best.entry(observable) {
        Entry::Occupied(mut entry) => {
            let entry = entry.get_mut();
            if priority < entry.0 {
                (entry.0, entry.1) = (priority, kind);
            }
            entry.2 = entry.2.min(position);
        }
        Entry::Vacant(entry) => {
            entry.insert((priority, kind, position));
        }
    }
}

/// Every line of `text` with what its bytes allow. No built-in pattern crosses a line
/// break, so the path types are searched only over the lines whose bytes allow them (see
/// `Traits`), a run of such lines at a time. Positions stay offsets into the whole text.
fn gate_lines(text: &str) -> Vec<(std::ops::Range<usize>, Traits)> {
    let mut lines = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len())) {
        if start < text.len() {
            lines.push((start..end, Traits::of(&text.as_bytes()[start..end])));
        }
        start = end + 1;
    }
    lines
}

/// How many bytes of text [`Extractor::extract`] searches for every type at a time: half
/// of a first-level data cache (32 KiB on most processors), leaving room for what the
/// searches write.
pub(super) const BLOCK: usize = 16 << 10;

/// Sorts `(position, index)` pairs by position (all below `len`); equal positions keep
/// their order. Many pairs (a report's indicators) are sorted a byte of the position at a
/// time, least significant first (a radix sort: a pass over the pairs per byte that `len`
/// needs, instead of n log n comparisons); a few, by comparison.
pub(super) fn sort_by_position(pairs: &mut Vec<(usize, u32)>, len: usize) {
    if pairs.len() < 64 {
        pairs.sort_by_key(|p| p.0);
        return;
    }
    let mut other = vec![(0, 0); pairs.len()];
    let mut shift = 0;
    while shift < usize::BITS && len >> shift > 0 {
        let mut starts = [0usize; 256];
        for p in pairs.iter() {
            starts[(p.0 >> shift) & 255] += 1;
        }
        let mut sum = 0;
        for start in &mut starts {
            (*start, sum) = (sum, sum + *start);
        }
        for &p in pairs.iter() {
            let digit = (p.0 >> shift) & 255;
            other[starts[digit]] = p;
            starts[digit] += 1;
        }
        std::mem::swap(pairs, &mut other);
        shift += 8;
    }
}

/// `s` in lower case, borrowed when it already is.
pub(super) fn lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// What one line's bytes say about the path types, the only ones searched line by line: a
/// Windows path holds a backslash, a Linux path two slashes. Each is a necessary condition
/// of that type's pattern, so skipping a line never changes what is found; it only saves
/// a search.
#[derive(Default, Debug, PartialEq)]
pub(super) struct Traits {
    pub(super) backslash: bool,
    pub(super) two_slashes: bool,
}

impl Traits {
    pub(super) fn of(line: &[u8]) -> Traits {
        Traits {
            backslash: memchr::memchr(b'\\', line).is_some(),
            two_slashes: memchr::memchr_iter(b'/', line).nth(1).is_some(),
        }
    }

    pub(super) fn may_hold(&self, kind: IocType) -> bool {
        match kind {
            IocType::WindowsPath => self.backslash,
            IocType::LinuxPath => self.two_slashes,
            _ => true,
        }
    }
}
