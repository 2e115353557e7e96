//! Sentence vectors worked out once and stored: the phrases a feature
//! compares prompts against are embedded by a committed example when they
//! change, not at every run (embedding two hundred phrases takes seconds;
//! reading them back takes microseconds).
//!
//! A bank names the weights it was made with (their SHA-256); one made with
//! other weights is refused, since its vectors would live in another space.
//! The file: `VIVBANK1`, the 64 hex digits of that hash, the vector length
//! and the count (u32 LE each), then per entry its label (u16 LE length +
//! UTF-8), a scale (f32 LE) and the vector as signed bytes (value =
//! byte × scale). A byte per value keeps a bank of 300 phrases under
//! 120 kB, and costs under 1% of a cosine.

/// The first eight bytes of a bank.
const MAGIC: &[u8; 8] = b"VIVBANK1";
/// Longest vector and most entries a bank may hold.
const MAX_DIMS: usize = 4096;
const MAX_ENTRIES: usize = 100_000;

/// Labelled unit vectors.
#[derive(Clone, Debug, PartialEq)]
pub struct Bank {
    /// SHA-256 (hex) of the weights that made the vectors.
    pub model_sha256: String,
    pub dims: usize,
    pub labels: Vec<String>,
    /// Row `i` holds the vector of `labels[i]`, widened back to floats.
    vectors: Vec<f32>,
}

impl Bank {
    /// A bank of the given vectors (each `dims` long).
    pub fn new(model_sha256: &str, dims: usize, entries: Vec<(String, Vec<f32>)>) -> Result<Bank, String> {
        if dims == 0 || dims > MAX_DIMS || entries.len() > MAX_ENTRIES {
            return Err(format!("{} vectors of {dims} values", entries.len()));
        }
        let mut bank = Bank { model_sha256: model_sha256.into(), dims, labels: Vec::new(), vectors: Vec::new() };
        for (label, v) in entries {
            if v.len() != dims || label.len() > usize::from(u16::MAX) {
                return Err(format!("{label:?} has {} values, not {dims}", v.len()));
            }
            // Stored as bytes, so kept as the bytes will give it back.
            let (scale, bytes) = quantise(&v);
            bank.vectors.extend(bytes.iter().map(|&b| f32::from(b) * scale));
            bank.labels.push(label);
        }
        Ok(bank)
    }

    /// The vector of entry `i`.
    pub fn vector(&self, i: usize) -> &[f32] {
        &self.vectors[i * self.dims..(i + 1) * self.dims]
    }

    /// The cosine of `v` (a unit vector) with every entry, in entry order.
    pub fn similarities(&self, v: &[f32]) -> Vec<f32> {
        (0..self.labels.len()).map(|i| self.vector(i).iter().zip(v).map(|(a, b)| a * b).sum()).collect()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        let mut hash = self.model_sha256.as_bytes().to_vec();
        hash.resize(64, b'0');
        out.extend(hash);
        out.extend((self.dims as u32).to_le_bytes());
        out.extend((self.labels.len() as u32).to_le_bytes());
        for (i, label) in self.labels.iter().enumerate() {
            out.extend((label.len() as u16).to_le_bytes());
            out.extend(label.as_bytes());
            let (scale, bytes) = quantise(self.vector(i));
            out.extend(scale.to_le_bytes());
            out.extend(bytes.iter().map(|&b| b as u8));
        }
        out
    }

    /// Reads a bank; every length is checked against the bytes there are.
    pub fn from_bytes(bytes: &[u8]) -> Result<Bank, String> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(8)? != MAGIC {
            return Err("not a vector bank (no VIVBANK1 at the start)".into());
        }
        let hash = r.take(64)?;
        if !hash.iter().all(u8::is_ascii_hexdigit) {
            return Err("the model hash is not hex".into());
        }
        let model_sha256 = String::from_utf8_lossy(hash).into_owned();
        let dims = r.u32()? as usize;
        let count = r.u32()? as usize;
        if dims == 0 || dims > MAX_DIMS || count > MAX_ENTRIES {
            return Err(format!("{count} vectors of {dims} values"));
        }
        // Each entry takes at least 2 + 4 + dims bytes: a count the file
        // cannot hold is refused before anything is allocated for it.
        if count.saturating_mul(6 + dims) > bytes.len() {
            return Err(format!("{count} vectors of {dims} values do not fit in {} bytes", bytes.len()));
        }
        let mut bank = Bank { model_sha256, dims, labels: Vec::with_capacity(count), vectors: Vec::new() };
        bank.vectors.reserve(count * dims);
        for _ in 0..count {
            let n = usize::from(r.u16()?);
            let label = std::str::from_utf8(r.take(n)?).map_err(|_| "a label is not UTF-8")?.to_string();
            let scale = f32::from_le_bytes(r.take(4)?.try_into().map_err(|_| "scale")?);
            if !scale.is_finite() || scale < 0.0 {
                return Err(format!("{label:?} has scale {scale}"));
            }
            bank.vectors.extend(r.take(dims)?.iter().map(|&b| f32::from(b as i8) * scale));
            bank.labels.push(label);
        }
        if r.at != bytes.len() {
            return Err(format!("{} bytes after the last vector", bytes.len() - r.at));
        }
        Ok(bank)
    }
}

/// The largest magnitude maps to 127.
fn quantise(v: &[f32]) -> (f32, Vec<i8>) {
    let top = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if top > 0.0 && top.is_finite() { top / 127.0 } else { 1.0 };
    (scale, v.iter().map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8).collect())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or("the bank ends early")?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| "u32")?))
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().map_err(|_| "u16")?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bank_reads_back_what_was_written_within_a_byte_step() {
        let v = |a: f32, b: f32, c: f32| {
            let n = (a * a + b * b + c * c).sqrt();
            vec![a / n, b / n, c / n]
        };
        let bank =
            Bank::new(&"ab".repeat(32), 3, vec![("snow".into(), v(1.0, 0.2, -0.3)), ("rain".into(), v(0.0, 1.0, 0.5))])
                .expect("bank");
        let back = Bank::from_bytes(&bank.to_bytes()).expect("read");
        assert_eq!((&back.labels, &back.model_sha256, back.dims), (&bank.labels, &bank.model_sha256, 3));
        assert!(back.vectors.iter().zip(&bank.vectors).all(|(a, b)| (a - b).abs() < 1e-6));
        let s = back.similarities(&v(1.0, 0.2, -0.3));
        assert!((s[0] - 1.0).abs() < 0.01 && s[1] < 0.5, "{s:?}");
        // Cut short, or a count the bytes cannot hold: refused.
        let bytes = bank.to_bytes();
        assert!(Bank::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut big = bytes.clone();
        big[76..80].copy_from_slice(&90_000u32.to_le_bytes());
        assert!(Bank::from_bytes(&big).expect_err("too many").contains("do not fit"));
    }
}
