//! gzip compression of request bodies for the Smithy `@requestCompression` trait.
//!
//! Owns a self-contained DEFLATE encoder (RFC 1951) and the gzip member framing around it
//! (RFC 1952). The encoder finds repeats with an LZ77 hash-chain matcher over the 32 KiB window,
//! with one step of lazy matching, and codes each block with whichever of stored, fixed-Huffman
//! or dynamic-Huffman encoding is smallest for it. Chains are cut at a fixed length so the cost
//! stays linear in the input whatever its shape.

use crate::checksum::crc32;

/// Largest distance DEFLATE can express (RFC 1951 §2.5.2: window of 32K bytes).
const WINDOW: usize = 32 * 1024;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// Candidates examined per position; bounds the matcher's work on highly repetitive input.
const MAX_CHAIN: usize = 32;
/// A match this long is taken at once without looking for a longer one.
const NICE_MATCH: usize = 128;
/// Matches at least this long are not second-guessed by lazy matching.
const LAZY_LIMIT: usize = 16;
/// With a match this long in hand, the lazy look-ahead searches only a quarter of the chain:
/// improving on it rarely pays for the time.
const GOOD_MATCH: usize = 8;
/// A 3-byte match further back than this usually costs more bits than three literals.
const TOO_FAR: usize = 4096;
/// Tokens per block: enough to amortise a dynamic header, few enough to adapt to changing data.
const BLOCK_TOKENS: usize = 16 * 1024;
/// LEN is a 16-bit field in a stored block header (RFC 1951 §3.2.4).
const MAX_STORED: usize = 0xFFFF;
/// Marks an empty hash bucket or the end of a chain.
const NIL: usize = usize::MAX;

/// End-of-block symbol of the literal/length alphabet (RFC 1951 §3.2.5).
const END_OF_BLOCK: usize = 256;
/// Literal/length symbols that can appear in compressed data (286 and 287 never do).
const LITLEN_SYMBOLS: usize = 286;
const DIST_SYMBOLS: usize = 30;
/// Symbols of the code-length alphabet (RFC 1951 §3.2.7).
const CL_SYMBOLS: usize = 19;
/// Longest code allowed for literal/length and distance codes, and for code-length codes.
const MAX_CODE_BITS: u32 = 15;
const MAX_CL_BITS: u32 = 7;

/// Base length and extra-bit count for length symbols 257..=285 (RFC 1951 §3.2.5).
const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// Base distance and extra-bit count for distance symbols 0..=29 (RFC 1951 §3.2.5).
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// Order in which code-length code lengths are sent (RFC 1951 §3.2.7).
const CL_ORDER: [usize; CL_SYMBOLS] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Index into [`LEN_BASE`] for every match length 0..=258 (entries below 3 are unused).
static LEN_CODE: [u8; MAX_MATCH + 1] = len_code_table();

const fn len_code_table() -> [u8; MAX_MATCH + 1] {
    let mut table = [0u8; MAX_MATCH + 1];
    let mut code = 0;
    while code < LEN_BASE.len() {
        let base = LEN_BASE[code] as usize;
        let mut len = base;
        // Length 258 falls in code 284's range too but must use code 285 (RFC 1951 §3.2.5);
        // filling in code order lets the later code win.
        while len < base + (1 << LEN_EXTRA[code]) && len <= MAX_MATCH {
            table[len] = code as u8;
            len += 1;
        }
        code += 1;
    }
    table
}

/// Index into [`DIST_BASE`] for a distance in 1..=32768.
fn dist_code(dist: u16) -> usize {
    // Past the first four, codes come in pairs per power of two; the bit below the top one
    // picks which of the pair.
    let x = u32::from(dist.max(1)) - 1;
    if x < 4 {
        x as usize
    } else {
        let top = 31 - x.leading_zeros();
        (2 * top + ((x >> (top - 1)) & 1)) as usize
    }
}

/// gzip-compresses `data` into a single member (RFC 1952): a header without file name or
/// modification time, the DEFLATE stream, then the CRC-32 and length of `data`.
pub fn compress(data: &[u8]) -> Vec<u8> {
    // ID1 ID2, CM = 8 (deflate), FLG = 0, MTIME = 0 (none available), XFL = 0, OS = 255
    // (unknown) — RFC 1952 §2.3.1.
    let header = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    out.extend_from_slice(&header);
    let mut writer = BitWriter::new(out);
    deflate(data, &mut writer);
    let mut out = writer.finish();
    out.extend_from_slice(&crc32(data).to_le_bytes());
    // ISIZE is the input length modulo 2^32 (RFC 1952 §2.3.1).
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// One LZ77 output item.
#[derive(Clone, Copy)]
enum Token {
    Literal(u8),
    /// `len` in 3..=258, `dist` in 1..=32768.
    Match {
        len: u16,
        dist: u16,
    },
}

/// Writes the whole of `data` as a DEFLATE stream whose last block has BFINAL set.
fn deflate(data: &[u8], writer: &mut BitWriter) {
    let fixed = HuffmanCode::fixed();
    let mut matcher = Matcher::new(data);
    let mut tokens = Vec::with_capacity(BLOCK_TOKENS.min(data.len() + 1));
    let mut block_start = 0;
    let mut pos = 0;
    while pos < data.len() {
        let (mut len, mut dist) = matcher.longest_match(pos, MAX_CHAIN);
        matcher.insert(pos);
        if len < MIN_MATCH {
            tokens.push(Token::Literal(data[pos]));
            pos += 1;
        } else {
            // Lazy matching: a literal now can pay off when the next position starts a longer
            // match.
            while len < LAZY_LIMIT {
                let budget = if len >= GOOD_MATCH {
                    MAX_CHAIN / 4
                } else {
                    MAX_CHAIN
                };
                let (next_len, next_dist) = matcher.longest_match(pos + 1, budget);
                if next_len <= len {
                    break;
                }
                tokens.push(Token::Literal(data[pos]));
                pos += 1;
                matcher.insert(pos);
                (len, dist) = (next_len, next_dist);
            }
            for skipped in pos + 1..pos + len {
                matcher.insert(skipped);
            }
            // Bounded by MAX_MATCH and WINDOW, so both fit in u16.
            tokens.push(Token::Match {
                len: len as u16,
                dist: dist as u16,
            });
            pos += len;
        }
        if tokens.len() >= BLOCK_TOKENS {
            write_block(writer, &fixed, &tokens, &data[block_start..pos], false);
            tokens.clear();
            block_start = pos;
        }
    }
    write_block(writer, &fixed, &tokens, &data[block_start..], true);
}

/// Hash chains over 3-byte prefixes: `head` holds the latest position per hash, `prev` links
/// each position to the previous one with the same hash.
struct Matcher<'a> {
    data: &'a [u8],
    head: Vec<usize>,
    prev: Vec<usize>,
    hash_bits: u32,
}

impl<'a> Matcher<'a> {
    fn new(data: &'a [u8]) -> Self {
        // Small bodies get small tables: a request of a few hundred bytes should not pay for
        // clearing half a megabyte. `prev` is indexed modulo its length, which is never below
        // the input length or the window, so a live entry is never overwritten.
        let prev_len = data.len().next_power_of_two().min(WINDOW);
        let hash_bits = prev_len.trailing_zeros().clamp(8, 15);
        Matcher {
            data,
            head: vec![NIL; 1 << hash_bits],
            prev: vec![NIL; prev_len],
            hash_bits,
        }
    }

    fn hash(&self, pos: usize) -> Option<usize> {
        let bytes = self.data.get(pos..pos + MIN_MATCH)?;
        let key = u32::from(bytes[0]) | u32::from(bytes[1]) << 8 | u32::from(bytes[2]) << 16;
        Some((key.wrapping_mul(0x9E37_79B1) >> (32 - self.hash_bits)) as usize)
    }

    /// Makes `pos` a match candidate for later positions.
    fn insert(&mut self, pos: usize) {
        if let Some(h) = self.hash(pos) {
            let mask = self.prev.len() - 1;
            self.prev[pos & mask] = self.head[h];
            self.head[h] = pos;
        }
    }

    /// The longest earlier occurrence of the bytes at `pos` among the `budget` most recent
    /// candidates, as `(length, distance)`; a length below [`MIN_MATCH`] means none worth using.
    fn longest_match(&self, pos: usize, mut budget: usize) -> (usize, usize) {
        let Some(h) = self.hash(pos) else {
            return (0, 0);
        };
        let here = &self.data[pos..];
        let max_len = here.len().min(MAX_MATCH);
        let mask = self.prev.len() - 1;
        let (mut best_len, mut best_dist) = (MIN_MATCH - 1, 0);
        let mut candidate = self.head[h];
        // Positions in a chain strictly decrease, and the window check stops before reading a
        // `prev` slot that a newer position has reused.
        while candidate != NIL && budget > 0 && pos - candidate <= WINDOW {
            // Cheap rejection: a candidate can only beat the best if it matches one byte
            // further. `candidate + best_len < pos + best_len < pos + max_len <= data.len()`.
            if self.data[candidate + best_len] == here[best_len] {
                let len =
                    common_prefix(&self.data[candidate..candidate + max_len], &here[..max_len]);
                if len > best_len {
                    best_len = len;
                    best_dist = pos - candidate;
                    if len >= max_len.min(NICE_MATCH) {
                        break;
                    }
                }
            }
            candidate = self.prev[candidate & mask];
            budget -= 1;
        }
        if best_len == MIN_MATCH && best_dist > TOO_FAR {
            return (0, 0);
        }
        (best_len, best_dist)
    }
}

/// Length of the common prefix of two equally long slices.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    // Eight bytes per step: the lowest differing bit of the little-endian XOR locates the first
    // differing byte. This keeps the matcher quick even in unoptimised builds.
    let word = |chunk: &[u8]| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        u64::from_le_bytes(bytes)
    };
    let mut len = 0;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let diff = word(x) ^ word(y);
        if diff != 0 {
            return len + (diff.trailing_zeros() / 8) as usize;
        }
        len += 8;
    }
    len + a[len..]
        .iter()
        .zip(&b[len..])
        .take_while(|(x, y)| x == y)
        .count()
}

/// LSB-first bit packer (RFC 1951 §3.1.1): data elements fill bytes from the low bit.
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    /// Bits in `acc` not yet written out; always below 8 between calls.
    pending: u32,
}

impl BitWriter {
    /// Appends bits after whatever `out` already holds.
    fn new(out: Vec<u8>) -> Self {
        BitWriter {
            out,
            acc: 0,
            pending: 0,
        }
    }

    /// Appends the low `count` (at most 32) bits of `value`.
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.pending;
        self.pending += count;
        while self.pending >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.pending -= 8;
        }
    }

    /// Pads with zero bits to a byte boundary.
    fn align(&mut self) {
        if self.pending > 0 {
            self.out.push(self.acc as u8);
            self.acc = 0;
            self.pending = 0;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        self.align();
        self.out
    }
}

/// A prefix code: bit length and bit-reversed canonical code per symbol.
struct HuffmanCode {
    lengths: Vec<u8>,
    codes: Vec<u16>,
}

impl HuffmanCode {
    /// The canonical code for `lengths` (RFC 1951 §3.2.2), with each code bit-reversed because
    /// Huffman codes are packed starting with their most significant bit (§3.1.1).
    fn from_lengths(lengths: Vec<u8>) -> Self {
        let mut count = [0u16; 16];
        for &len in &lengths {
            count[usize::from(len)] += 1;
        }
        count[0] = 0;
        let mut next = [0u16; 16];
        let mut code = 0u16;
        for bits in 1..16 {
            code = (code + count[bits - 1]) << 1;
            next[bits] = code;
        }
        let codes = lengths
            .iter()
            .map(|&len| {
                if len == 0 {
                    return 0;
                }
                let code = next[usize::from(len)];
                next[usize::from(len)] += 1;
                code.reverse_bits() >> (16 - u32::from(len))
            })
            .collect();
        HuffmanCode { lengths, codes }
    }

    /// The fixed literal/length and distance codes (RFC 1951 §3.2.6).
    fn fixed() -> (Self, Self) {
        let litlen = (0..288)
            .map(|sym| match sym {
                0..=143 => 8,
                144..=255 => 9,
                256..=279 => 7,
                _ => 8,
            })
            .collect();
        (
            Self::from_lengths(litlen),
            Self::from_lengths(vec![5; DIST_SYMBOLS]),
        )
    }

    fn put(&self, writer: &mut BitWriter, symbol: usize) {
        writer.put(
            u32::from(self.codes[symbol]),
            u32::from(self.lengths[symbol]),
        );
    }

    /// Bits needed to send symbols with the given frequencies.
    fn cost(&self, freqs: &[u32]) -> u64 {
        freqs
            .iter()
            .zip(&self.lengths)
            .map(|(&f, &len)| u64::from(f) * u64::from(len))
            .sum()
    }
}

/// Code lengths (at most `limit` bits) for symbols with the given frequencies; zero for unused
/// symbols.
fn huffman_lengths(freqs: &[u32], limit: u32) -> Vec<u8> {
    // Decoders such as zlib reject incomplete codes, which is what a single used symbol would
    // give; a second symbol (never sent) makes the code complete at one bit each.
    let mut weights: Vec<u64> = freqs.iter().map(|&f| u64::from(f)).collect();
    for filler in 0..weights.len() {
        if weights.iter().filter(|&&w| w > 0).count() >= 2 {
            break;
        }
        if weights[filler] == 0 {
            weights[filler] = 1;
        }
    }
    loop {
        let depths = unlimited_depths(&weights);
        if depths.iter().all(|&d| d <= limit) {
            return depths.into_iter().map(|d| d as u8).collect();
        }
        // Flattening the distribution shortens the deepest codes; with every weight at 1 the
        // depth is ceil(log2(symbols)), within every limit DEFLATE uses, so this terminates.
        for w in weights.iter_mut().filter(|w| **w > 0) {
            *w = w.div_ceil(2);
        }
    }
}

/// Optimal (unbounded) Huffman code lengths, built with the two-queue method: leaves sorted by
/// weight in one queue, merged nodes (created in non-decreasing weight order) in the other.
fn unlimited_depths(weights: &[u64]) -> Vec<u32> {
    let mut leaves: Vec<usize> = (0..weights.len()).filter(|&s| weights[s] > 0).collect();
    leaves.sort_by_key(|&s| (weights[s], s));
    let mut depths = vec![0u32; weights.len()];
    let leaf_count = leaves.len();
    if leaf_count < 2 {
        for &s in &leaves {
            depths[s] = 1;
        }
        return depths;
    }
    // Nodes 0..leaf_count are the sorted leaves; node leaf_count + i is the i-th merge.
    let node_count = 2 * leaf_count - 1;
    let mut node_weight: Vec<u64> = leaves.iter().map(|&s| weights[s]).collect();
    let mut parent = vec![0usize; node_count];
    let (mut next_leaf, mut next_merged) = (0, leaf_count);
    for new in leaf_count..node_count {
        let mut children = [0usize; 2];
        for child in &mut children {
            let take_leaf = next_leaf < leaf_count
                && (next_merged >= new || node_weight[next_leaf] <= node_weight[next_merged]);
            *child = if take_leaf {
                next_leaf += 1;
                next_leaf - 1
            } else {
                next_merged += 1;
                next_merged - 1
            };
        }
        let [a, b] = children;
        parent[a] = new;
        parent[b] = new;
        node_weight.push(node_weight[a] + node_weight[b]);
    }
    // Parents always have larger indices, so one backwards pass sets every depth.
    let mut node_depth = vec![0u32; node_count];
    for node in (0..node_count - 1).rev() {
        node_depth[node] = node_depth[parent[node]] + 1;
    }
    for (i, &s) in leaves.iter().enumerate() {
        depths[s] = node_depth[i];
    }
    depths
}

/// Run-length encodes the concatenated literal/length and distance code lengths with the
/// code-length alphabet (RFC 1951 §3.2.7) as `(symbol, extra-bits value)` pairs. Runs may cross
/// from one table into the other, which the RFC allows.
fn encode_code_lengths(lengths: &[u8]) -> Vec<(u8, u8)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lengths.len() {
        let len = lengths[i];
        let mut run = lengths[i..].iter().take_while(|&&l| l == len).count();
        i += run;
        if len == 0 {
            while run >= 11 {
                let n = run.min(138);
                out.push((18, (n - 11) as u8));
                run -= n;
            }
            if run >= 3 {
                out.push((17, (run - 3) as u8));
                run = 0;
            }
        } else {
            // Symbol 16 repeats the previous length, so the first one is sent as is.
            out.push((len, 0));
            run -= 1;
            while run >= 3 {
                let n = run.min(6);
                out.push((16, (n - 3) as u8));
                run -= n;
            }
        }
        out.extend(std::iter::repeat_n((len, 0), run));
    }
    out
}

/// Extra bits after a code-length symbol (RFC 1951 §3.2.7).
fn cl_extra_bits(symbol: u8) -> u32 {
    match symbol {
        16 => 2,
        17 => 3,
        18 => 7,
        _ => 0,
    }
}

/// A dynamic-Huffman block header ready to send, with the codes it announces.
struct DynamicHeader {
    litlen: HuffmanCode,
    dist: HuffmanCode,
    cl: HuffmanCode,
    litlen_count: usize,
    dist_count: usize,
    cl_count: usize,
    cl_items: Vec<(u8, u8)>,
}

impl DynamicHeader {
    fn new(litlen_freqs: &[u32], dist_freqs: &[u32]) -> Self {
        let litlen = HuffmanCode::from_lengths(huffman_lengths(litlen_freqs, MAX_CODE_BITS));
        let dist = HuffmanCode::from_lengths(huffman_lengths(dist_freqs, MAX_CODE_BITS));
        // Trailing unused symbols need not be sent; HLIT counts at least 257, HDIST at least 1.
        let used = |lengths: &[u8], min: usize| {
            lengths
                .iter()
                .rposition(|&l| l != 0)
                .map_or(min, |i| (i + 1).max(min))
        };
        let litlen_count = used(&litlen.lengths, 257);
        let dist_count = used(&dist.lengths, 1);
        let all: Vec<u8> = litlen.lengths[..litlen_count]
            .iter()
            .chain(&dist.lengths[..dist_count])
            .copied()
            .collect();
        let cl_items = encode_code_lengths(&all);
        let mut cl_freqs = [0u32; CL_SYMBOLS];
        for &(symbol, _) in &cl_items {
            cl_freqs[usize::from(symbol)] += 1;
        }
        let cl = HuffmanCode::from_lengths(huffman_lengths(&cl_freqs, MAX_CL_BITS));
        let cl_count = CL_ORDER
            .iter()
            .rposition(|&s| cl.lengths[s] != 0)
            .map_or(4, |i| (i + 1).max(4));
        DynamicHeader {
            litlen,
            dist,
            cl,
            litlen_count,
            dist_count,
            cl_count,
            cl_items,
        }
    }

    /// Bits of the header after BFINAL/BTYPE.
    fn cost(&self) -> u64 {
        let items: u64 = self
            .cl_items
            .iter()
            .map(|&(s, _)| u64::from(self.cl.lengths[usize::from(s)]) + u64::from(cl_extra_bits(s)))
            .sum();
        5 + 5 + 4 + 3 * self.cl_count as u64 + items
    }

    /// Sends HLIT, HDIST, HCLEN and the code lengths (RFC 1951 §3.2.7).
    fn put(&self, writer: &mut BitWriter) {
        writer.put((self.litlen_count - 257) as u32, 5);
        writer.put((self.dist_count - 1) as u32, 5);
        writer.put((self.cl_count - 4) as u32, 4);
        for &symbol in &CL_ORDER[..self.cl_count] {
            writer.put(u32::from(self.cl.lengths[symbol]), 3);
        }
        for &(symbol, extra) in &self.cl_items {
            self.cl.put(writer, usize::from(symbol));
            writer.put(u32::from(extra), cl_extra_bits(symbol));
        }
    }
}

/// Emits one block holding `tokens`, which encode exactly `raw`, in its cheapest form.
fn write_block(
    writer: &mut BitWriter,
    fixed: &(HuffmanCode, HuffmanCode),
    tokens: &[Token],
    raw: &[u8],
    last: bool,
) {
    let mut litlen_freqs = [0u32; LITLEN_SYMBOLS];
    let mut dist_freqs = [0u32; DIST_SYMBOLS];
    let mut extra_bits = 0u64;
    litlen_freqs[END_OF_BLOCK] = 1;
    for token in tokens {
        match *token {
            Token::Literal(byte) => litlen_freqs[usize::from(byte)] += 1,
            Token::Match { len, dist } => {
                let lc = usize::from(LEN_CODE[usize::from(len)]);
                let dc = dist_code(dist);
                litlen_freqs[257 + lc] += 1;
                dist_freqs[dc] += 1;
                extra_bits += u64::from(LEN_EXTRA[lc]) + u64::from(DIST_EXTRA[dc]);
            }
        }
    }

    let (fixed_litlen, fixed_dist) = fixed;
    let fixed_cost = fixed_litlen.cost(&litlen_freqs) + fixed_dist.cost(&dist_freqs) + extra_bits;
    let dynamic = DynamicHeader::new(&litlen_freqs, &dist_freqs);
    let dynamic_cost = dynamic.cost()
        + dynamic.litlen.cost(&litlen_freqs)
        + dynamic.dist.cost(&dist_freqs)
        + extra_bits;
    // Stored blocks pad to a byte after the 3 header bits, then spend 32 bits on LEN/NLEN;
    // input longer than LEN can say takes several, each byte-aligned already.
    let pad = u64::from((8 - (writer.pending + 3) % 8) % 8);
    let stored_blocks = raw.len().div_ceil(MAX_STORED).max(1) as u64;
    let stored_cost = pad + 32 + (stored_blocks - 1) * (3 + 5 + 32) + 8 * raw.len() as u64;

    if stored_cost < fixed_cost.min(dynamic_cost) {
        write_stored(writer, raw, last);
        return;
    }
    let bfinal = u32::from(last);
    if dynamic_cost < fixed_cost {
        writer.put(bfinal | 0b10 << 1, 3);
        dynamic.put(writer);
        write_tokens(writer, &dynamic.litlen, &dynamic.dist, tokens);
    } else {
        writer.put(bfinal | 0b01 << 1, 3);
        write_tokens(writer, fixed_litlen, fixed_dist, tokens);
    }
}

/// Sends `raw` as stored blocks of at most [`MAX_STORED`] bytes (RFC 1951 §3.2.4).
fn write_stored(writer: &mut BitWriter, raw: &[u8], last: bool) {
    let mut rest = raw;
    loop {
        let (chunk, tail) = rest.split_at(rest.len().min(MAX_STORED));
        writer.put(u32::from(last && tail.is_empty()), 3);
        writer.align();
        let len = chunk.len() as u16;
        writer.put(u32::from(len), 16);
        writer.put(u32::from(!len), 16);
        writer.out.extend_from_slice(chunk);
        rest = tail;
        if rest.is_empty() {
            break;
        }
    }
}

/// Sends the tokens and the end-of-block symbol with the given codes (RFC 1951 §3.2.5).
fn write_tokens(
    writer: &mut BitWriter,
    litlen: &HuffmanCode,
    dist: &HuffmanCode,
    tokens: &[Token],
) {
    for token in tokens {
        match *token {
            Token::Literal(byte) => litlen.put(writer, usize::from(byte)),
            Token::Match {
                len: match_len,
                dist: match_dist,
            } => {
                let lc = usize::from(LEN_CODE[usize::from(match_len)]);
                litlen.put(writer, 257 + lc);
                writer.put(
                    u32::from(match_len - LEN_BASE[lc]),
                    u32::from(LEN_EXTRA[lc]),
                );
                let dc = dist_code(match_dist);
                dist.put(writer, dc);
                writer.put(
                    u32::from(match_dist - DIST_BASE[dc]),
                    u32::from(DIST_EXTRA[dc]),
                );
            }
        }
    }
    litlen.put(writer, END_OF_BLOCK);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(compressed: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(compressed)
            .read_to_end(&mut out)
            .expect("a real gzip decoder accepts our output");
        out
    }

    fn assert_round_trip(data: &[u8]) -> Vec<u8> {
        let compressed = compress(data);
        let decoded = gunzip(&compressed);
        assert!(
            decoded == data,
            "round trip of {} bytes differs",
            data.len()
        );
        compressed
    }

    /// xorshift64: deterministic pseudo-random bytes without a dependency.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next() as u8).collect()
        }
    }

    /// Input mixing fresh bytes from a small or full alphabet with copies of earlier stretches
    /// at near and far distances (including beyond the window), so every token kind occurs.
    fn redundant_input(rng: &mut XorShift, len: usize, alphabet: usize) -> Vec<u8> {
        let mut data = Vec::with_capacity(len);
        while data.len() < len {
            let want = len - data.len();
            if data.len() > 4 && rng.below(3) == 0 {
                let dist = 1 + rng.below(data.len().min(40_000));
                let n = (1 + rng.below(300)).min(want);
                for _ in 0..n {
                    let byte = data[data.len() - dist];
                    data.push(byte);
                }
            } else {
                let n = (1 + rng.below(20)).min(want);
                for _ in 0..n {
                    data.push(b'a'.wrapping_add((rng.next() % alphabet as u64) as u8));
                }
            }
        }
        data
    }

    #[test]
    fn gzip_member_framing() {
        let data = b"hello hello hello gzip";
        let out = assert_round_trip(data);
        assert_eq!(out[..10], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        // Too short for a dynamic header to pay off: one final fixed-Huffman block.
        assert_eq!(out[10] & 0b111, 0b011);
        let trailer = &out[out.len() - 8..];
        assert_eq!(trailer[..4], crc32(data).to_le_bytes());
        assert_eq!(trailer[4..], (data.len() as u32).to_le_bytes());
    }

    #[test]
    fn gzip_edge_inputs_round_trip() {
        assert_round_trip(b"");
        for byte in 0..=255u8 {
            assert_round_trip(&[byte]);
        }
        assert_round_trip(b"ab");
        assert_round_trip(b"abc");
        assert_round_trip(b"aaaa");
        assert_round_trip(&[0u8; MAX_MATCH + 1]);
        assert_round_trip(&[7u8; MAX_STORED + 1]);
    }

    #[test]
    fn gzip_long_runs_compress_well() {
        let data = vec![b'x'; 1 << 20];
        let out = assert_round_trip(&data);
        // Each 258-byte match costs a few bits, so a MiB of one byte is a few KB at most.
        assert!(
            out.len() < 4096,
            "1 MiB run compressed to {} bytes",
            out.len()
        );
    }

    #[test]
    fn gzip_incompressible_data_falls_back_to_stored() {
        let mut rng = XorShift(0x1234_5678_9abc_def0);
        for len in [1, 100, MAX_STORED, MAX_STORED + 1, 200_000] {
            let data = rng.bytes(len);
            let out = assert_round_trip(&data);
            if len >= 100 {
                // A lone byte is cheaper in a fixed block than behind a stored header.
                assert_eq!(
                    out[10] & 0b110,
                    0,
                    "first block of {len} random bytes is stored"
                );
            }
            // Header and trailer, plus 5 bytes per stored block: random bytes give one literal
            // token per byte, so a block ends every BLOCK_TOKENS bytes.
            let bound = len + 18 + 5 * len.div_ceil(BLOCK_TOKENS);
            assert!(
                out.len() <= bound,
                "{len} random bytes became {}",
                out.len()
            );
        }
    }

    #[test]
    fn gzip_pseudo_random_inputs_round_trip() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for round in 0..60 {
            let len = match round % 4 {
                0 => rng.below(64),
                1 => rng.below(4096),
                2 => rng.below(70_000),
                _ => 60_000 + rng.below(100_000),
            };
            let alphabet = [1, 2, 4, 26, 200][round % 5];
            assert_round_trip(&redundant_input(&mut rng, len, alphabet));
        }
    }

    #[test]
    fn gzip_compresses_base64_text() {
        let mut rng = XorShift(42);
        let text = crate::base64::encode(&rng.bytes(15_000));
        assert!(text.len() >= 20_000);
        let out = assert_round_trip(text.as_bytes());
        // 64 symbols carry 6 bits each: only dynamic Huffman codes can get near 75%.
        assert_eq!(out[10] & 0b110, 0b100, "first block is dynamic");
        assert!(
            out.len() * 100 < text.len() * 80,
            "{} bytes of base64 compressed to {}",
            text.len(),
            out.len()
        );
    }

    #[test]
    fn gzip_compresses_repetitive_json() {
        let mut body = String::new();
        for i in 0..500 {
            body.push_str(&format!(
                r#"{{"UserArn":"arn:aws:chime:us-east-1:123456789012:app-instance/abc/user/u{i}","Name":"user {i}"}},"#
            ));
        }
        let out = assert_round_trip(body.as_bytes());
        assert!(
            out.len() * 100 < body.len() * 15,
            "{} bytes of JSON compressed to {}",
            body.len(),
            out.len()
        );
    }

    #[test]
    fn gzip_stored_fallback_splits_blocks_over_64k() {
        // The matcher ends blocks long before 64 KiB of literals, so drive a block of 70 000
        // literals directly to reach the multi-chunk path of stored blocks.
        let data = XorShift(7).bytes(70_000);
        let tokens: Vec<Token> = data.iter().map(|&b| Token::Literal(b)).collect();
        let mut writer = BitWriter::new(Vec::new());
        write_block(&mut writer, &HuffmanCode::fixed(), &tokens, &data, true);
        let deflated = writer.finish();
        assert_eq!(deflated.len(), data.len() + 2 * 5, "two stored blocks");
        let mut decoded = Vec::new();
        flate2::read::DeflateDecoder::new(&deflated[..])
            .read_to_end(&mut decoded)
            .expect("valid raw deflate stream");
        assert!(decoded == data);
    }

    #[test]
    fn gzip_code_tables_agree_with_rfc_ranges() {
        for (code, (&base, &extra)) in LEN_BASE.iter().zip(&LEN_EXTRA).enumerate().take(28) {
            let top = base + (1 << extra) - 1;
            assert_eq!(usize::from(LEN_CODE[usize::from(base)]), code);
            assert_eq!(usize::from(LEN_CODE[usize::from(top.min(257))]), code);
        }
        assert_eq!(LEN_CODE[258], 28);
        for (code, (&base, &extra)) in DIST_BASE.iter().zip(&DIST_EXTRA).enumerate() {
            let top = u32::from(base) + (1 << extra) - 1;
            assert_eq!(dist_code(base), code);
            assert_eq!(dist_code(top as u16), code, "distance {top}");
        }
    }

    #[test]
    fn gzip_huffman_lengths_respect_limit_and_kraft() {
        // Fibonacci weights give the deepest possible unbounded tree.
        let mut fib = vec![1u32, 1];
        while fib.len() < 30 {
            let next = fib[fib.len() - 1] + fib[fib.len() - 2];
            fib.push(next);
        }
        for (freqs, limit) in [
            (fib.clone(), 15),
            (fib[..19].to_vec(), 7),
            (vec![0, 5, 0], 15),
        ] {
            let lengths = huffman_lengths(&freqs, limit);
            assert!(lengths.iter().all(|&l| u32::from(l) <= limit));
            for (&f, &l) in freqs.iter().zip(&lengths) {
                assert!(f == 0 || l > 0, "used symbol without a code");
            }
            // A complete prefix code: sum of 2^-len is exactly 1.
            let kraft: u64 = lengths
                .iter()
                .filter(|&&l| l > 0)
                .map(|&l| 1u64 << (15 - l))
                .sum();
            assert_eq!(kraft, 1 << 15, "lengths {lengths:?}");
        }
    }
}
