//! Bounds-checked reading of big- and little-endian fields from byte slices.

use crate::error::{Error, Result};

/// Byte order of multi-byte fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    Big,
    Little,
}

/// A cursor over a byte slice; every read checks the bounds and fails with an
/// [`Error::Invalid`] naming `what` instead of panicking.
#[derive(Clone)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    what: &'static str,
    endian: Endian,
}

impl<'a> Cursor<'a> {
    /// Big-endian cursor (ISO-BMFF, JPEG markers).
    pub fn new(data: &'a [u8], what: &'static str) -> Self {
        Cursor { data, pos: 0, what, endian: Endian::Big }
    }

    /// Cursor with an explicit byte order (TIFF, SEF).
    pub fn with_endian(data: &'a [u8], what: &'static str, endian: Endian) -> Self {
        Cursor { data, pos: 0, what, endian }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Moves to an absolute position inside the slice.
    pub fn seek(&mut self, pos: usize) -> Result<()> {
        if pos > self.data.len() {
            return Err(self.short(pos - self.pos.min(pos)));
        }
        self.pos = pos;
        Ok(())
    }

    fn short(&self, wanted: usize) -> Error {
        Error::invalid(
            self.what,
            format!("needs {wanted} more bytes at offset {} but only {} remain", self.pos, self.remaining()),
        )
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.short(n));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Takes everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.data[self.pos..];
        self.pos = self.data.len();
        s
    }

    /// The unread bytes, without consuming them.
    pub fn rest_slice(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }

    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.take(n).map(|_| ())
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub fn u16(&mut self) -> Result<u16> {
        let a = self.array::<2>()?;
        Ok(match self.endian {
            Endian::Big => u16::from_be_bytes(a),
            Endian::Little => u16::from_le_bytes(a),
        })
    }

    pub fn u24(&mut self) -> Result<u32> {
        let a = self.array::<3>()?;
        Ok(match self.endian {
            Endian::Big => u32::from_be_bytes([0, a[0], a[1], a[2]]),
            Endian::Little => u32::from_le_bytes([a[0], a[1], a[2], 0]),
        })
    }

    pub fn u32(&mut self) -> Result<u32> {
        let a = self.array::<4>()?;
        Ok(match self.endian {
            Endian::Big => u32::from_be_bytes(a),
            Endian::Little => u32::from_le_bytes(a),
        })
    }

    pub fn i32(&mut self) -> Result<i32> {
        Ok(self.u32()? as i32)
    }

    pub fn u64(&mut self) -> Result<u64> {
        let a = self.array::<8>()?;
        Ok(match self.endian {
            Endian::Big => u64::from_be_bytes(a),
            Endian::Little => u64::from_le_bytes(a),
        })
    }

    pub fn i64(&mut self) -> Result<i64> {
        Ok(self.u64()? as i64)
    }

    /// Reads an unsigned field of `n` bytes (0, 4 or 8 as used by `iloc`; any 0–8).
    pub fn uint_n(&mut self, n: usize) -> Result<u64> {
        let s = self.take(n)?;
        let mut v = 0u64;
        for &b in s {
            v = (v << 8) | u64::from(b);
        }
        Ok(v)
    }
}

/// Appends big-endian integers and four-character codes to a byte vector.
pub trait PutBe {
    fn put_u8(&mut self, v: u8);
    fn put_u16(&mut self, v: u16);
    fn put_u32(&mut self, v: u32);
    fn put_u64(&mut self, v: u64);
    fn put_i32(&mut self, v: i32) {
        self.put_u32(v as u32);
    }
    fn put_i64(&mut self, v: i64) {
        self.put_u64(v as u64);
    }
    /// Writes the low `n` bytes of `v` (used for `iloc` field widths).
    fn put_uint_n(&mut self, v: u64, n: usize);
}

impl PutBe for Vec<u8> {
    fn put_u8(&mut self, v: u8) {
        self.push(v);
    }
    fn put_u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_uint_n(&mut self, v: u64, n: usize) {
        let b = v.to_be_bytes();
        self.extend_from_slice(&b[8 - n.min(8)..]);
    }
}
