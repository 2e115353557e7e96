//! Just enough of the FlatBuffers wire format to read a TFLite model,
//! every access bounds-checked (a model file is untrusted input).
//!
//! A table starts with a signed 32-bit offset back to its vtable; the
//! vtable holds its own length, the table's length, then one 16-bit offset
//! per field (0: the field is absent, its default applies). Offsets to
//! sub-tables, vectors and strings are unsigned 32-bit, relative to where
//! they are stored; a vector starts with its 32-bit length.

/// A read failure: what was being read and why it did not fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad(pub String);

pub type Got<T> = Result<T, Bad>;

fn bad<T>(what: impl Into<String>) -> Got<T> {
    Err(Bad(what.into()))
}

fn u16_at(buf: &[u8], at: usize) -> Got<u16> {
    match buf.get(at..at.saturating_add(2)) {
        Some(b) => Ok(u16::from_le_bytes([b[0], b[1]])),
        None => bad(format!("a 16-bit value at {at} lies outside the file")),
    }
}

fn u32_at(buf: &[u8], at: usize) -> Got<u32> {
    match buf.get(at..at.saturating_add(4)) {
        Some(b) => Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        None => bad(format!("a 32-bit value at {at} lies outside the file")),
    }
}

/// Follows the unsigned offset stored at `at`.
fn follow(buf: &[u8], at: usize) -> Got<usize> {
    let target = at.checked_add(u32_at(buf, at)? as usize);
    match target {
        Some(t) if t < buf.len() => Ok(t),
        _ => bad(format!("an offset at {at} points outside the file")),
    }
}

/// A table in the buffer.
#[derive(Clone, Copy)]
pub struct Table<'a> {
    buf: &'a [u8],
    pos: usize,
    vtable: usize,
    vtable_len: usize,
}

impl<'a> Table<'a> {
    /// The root table of a buffer.
    pub fn root(buf: &'a [u8]) -> Got<Table<'a>> {
        Table::at(buf, follow(buf, 0)?)
    }

    fn at(buf: &'a [u8], pos: usize) -> Got<Table<'a>> {
        let back = u32_at(buf, pos)? as i32;
        let vtable = (pos as i64) - i64::from(back);
        if vtable < 0 || vtable as usize >= buf.len() {
            return bad(format!("the table at {pos} has its vtable outside the file"));
        }
        let vtable = vtable as usize;
        let vtable_len = usize::from(u16_at(buf, vtable)?);
        if vtable_len < 4 || vtable + vtable_len > buf.len() {
            return bad(format!("the vtable at {vtable} has a bad length {vtable_len}"));
        }
        Ok(Table { buf, pos, vtable, vtable_len })
    }

    /// Where field `id` is stored, if present.
    fn field(&self, id: usize) -> Got<Option<usize>> {
        let slot = 4 + 2 * id;
        if slot + 2 > self.vtable_len {
            return Ok(None);
        }
        match u16_at(self.buf, self.vtable + slot)? {
            0 => Ok(None),
            off => Ok(Some(self.pos + usize::from(off))),
        }
    }

    fn bytes<const N: usize>(&self, id: usize) -> Got<Option<[u8; N]>> {
        let Some(at) = self.field(id)? else { return Ok(None) };
        match self.buf.get(at..at + N) {
            Some(b) => Ok(Some(b.try_into().map_err(|_| Bad("short field".into()))?)),
            None => bad(format!("field {id} of the table at {} lies outside the file", self.pos)),
        }
    }

    pub fn u8(&self, id: usize, default: u8) -> Got<u8> {
        Ok(self.bytes::<1>(id)?.map_or(default, |b| b[0]))
    }

    pub fn i32(&self, id: usize, default: i32) -> Got<i32> {
        Ok(self.bytes::<4>(id)?.map_or(default, i32::from_le_bytes))
    }

    pub fn u32(&self, id: usize, default: u32) -> Got<u32> {
        Ok(self.bytes::<4>(id)?.map_or(default, u32::from_le_bytes))
    }

    pub fn f32(&self, id: usize, default: f32) -> Got<f32> {
        Ok(self.bytes::<4>(id)?.map_or(default, f32::from_le_bytes))
    }

    /// A sub-table (also the value of a union).
    pub fn table(&self, id: usize) -> Got<Option<Table<'a>>> {
        let Some(at) = self.field(id)? else { return Ok(None) };
        Table::at(self.buf, follow(self.buf, at)?).map(Some)
    }

    /// A vector: where its elements start and how many there are.
    pub fn vector(&self, id: usize) -> Got<Option<Vector<'a>>> {
        let Some(at) = self.field(id)? else { return Ok(None) };
        let start = follow(self.buf, at)?;
        let len = u32_at(self.buf, start)? as usize;
        Ok(Some(Vector { buf: self.buf, start: start + 4, len }))
    }

    /// A string (UTF-8 is not required of names; lossy is enough).
    pub fn string(&self, id: usize) -> Got<Option<String>> {
        let Some(v) = self.vector(id)? else { return Ok(None) };
        Ok(Some(String::from_utf8_lossy(v.bytes()?).into_owned()))
    }
}

/// A vector in the buffer.
#[derive(Clone, Copy)]
pub struct Vector<'a> {
    buf: &'a [u8],
    start: usize,
    pub len: usize,
}

impl<'a> Vector<'a> {
    fn span(&self, size: usize) -> Got<&'a [u8]> {
        let end = self.len.checked_mul(size).and_then(|n| n.checked_add(self.start));
        match end.and_then(|e| self.buf.get(self.start..e)) {
            Some(b) => Ok(b),
            None => bad(format!("a vector of {} elements at {} runs past the file's end", self.len, self.start)),
        }
    }

    /// The elements as bytes.
    pub fn bytes(&self) -> Got<&'a [u8]> {
        self.span(1)
    }

    /// The elements as 32-bit signed integers.
    pub fn i32s(&self) -> Got<Vec<i32>> {
        Ok(self.span(4)?.chunks_exact(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
    }

    /// Element `i` as a table (a vector of tables holds offsets to them).
    pub fn table(&self, i: usize) -> Got<Table<'a>> {
        self.span(4)?;
        if i >= self.len {
            return bad(format!("table {i} of a vector of {}", self.len));
        }
        Table::at(self.buf, follow(self.buf, self.start + 4 * i)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-built buffer: root table with an i32 field (id 0 = 7), a
    /// vector of i32 (id 1 = [3, -4]) and an absent field (id 2).
    fn sample() -> Vec<u8> {
        let mut b = vec![0u8; 64];
        // root offset -> table at 16
        b[0..4].copy_from_slice(&16u32.to_le_bytes());
        // vtable at 4: len 8, table len 12, field0 at +4, field1 at +8
        b[4..6].copy_from_slice(&8u16.to_le_bytes());
        b[6..8].copy_from_slice(&12u16.to_le_bytes());
        b[8..10].copy_from_slice(&4u16.to_le_bytes());
        b[10..12].copy_from_slice(&8u16.to_le_bytes());
        // table at 16: soffset to vtable (16 - 4 = 12)
        b[16..20].copy_from_slice(&12i32.to_le_bytes());
        b[20..24].copy_from_slice(&7i32.to_le_bytes());
        // field1 at 24: offset to vector at 32 (32 - 24 = 8)
        b[24..28].copy_from_slice(&8u32.to_le_bytes());
        b[32..36].copy_from_slice(&2u32.to_le_bytes());
        b[36..40].copy_from_slice(&3i32.to_le_bytes());
        b[40..44].copy_from_slice(&(-4i32).to_le_bytes());
        b
    }

    #[test]
    fn reads_fields_vectors_and_defaults() {
        let b = sample();
        let t = Table::root(&b).expect("reads");
        assert_eq!(t.i32(0, 0).expect("reads"), 7);
        assert_eq!(t.vector(1).expect("reads").expect("reads").i32s().expect("reads"), vec![3, -4]);
        assert_eq!(t.i32(2, 99).expect("reads"), 99, "absent field gives its default");
        assert!(t.vector(2).expect("reads").is_none());
    }

    #[test]
    fn every_truncation_and_bad_offset_is_an_error_not_a_panic() {
        let b = sample();
        for cut in 0..b.len() {
            let short = &b[..cut];
            if let Ok(t) = Table::root(short) {
                let _ = t.i32(0, 0);
                let _ = t.vector(1).map(|v| v.map(|v| v.i32s()));
            }
        }
        let mut huge = sample();
        huge[32..36].copy_from_slice(&u32::MAX.to_le_bytes());
        let t = Table::root(&huge).expect("reads");
        assert!(t.vector(1).expect("reads").expect("reads").i32s().is_err(), "a vector longer than the file");
    }
}
