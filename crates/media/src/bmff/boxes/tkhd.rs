use crate::bmff::{full_payload, Atom, FourCC, FullHeader};
use crate::bytes::{Cursor, PutBe};
use crate::error::Result;

/// The 3×3 transformation matrix of `tkhd`/`mvhd`: a, b, u, c, d, v, x, y, w
/// with a–d, x, y in 16.16 fixed point and u, v, w in 2.30.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Matrix(pub [i32; 9]);

impl Matrix {
    pub const IDENTITY: Matrix = Matrix([0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x4000_0000]);

    pub fn read(c: &mut Cursor<'_>) -> Result<Self> {
        let mut m = [0i32; 9];
        for v in &mut m {
            *v = c.i32()?;
        }
        Ok(Matrix(m))
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        for v in self.0 {
            out.put_i32(v);
        }
    }

    /// Clockwise display rotation in degrees (0, 90, 180, 270) when the matrix
    /// is a pure rotation, else `None`.
    pub fn rotation(&self) -> Option<u16> {
        let [a, b, _, c, d, _, _, _, _] = self.0;
        let one = 0x10000;
        match (a, b, c, d) {
            (x, 0, 0, y) if x == one && y == one => Some(0),
            (0, x, y, 0) if x == one && y == -one => Some(90),
            (x, 0, 0, y) if x == -one && y == -one => Some(180),
            (0, x, y, 0) if x == -one && y == one => Some(270),
            _ => None,
        }
    }

    /// The matrix that rotates a `width`×`height` picture clockwise by `deg`.
    pub fn from_rotation(deg: u16, width: u32, height: u32) -> Matrix {
        let one = 0x10000;
        let (w, h) = ((width as i32) << 16, (height as i32) << 16);
        let w30 = 0x4000_0000;
        match deg % 360 {
            90 => Matrix([0, one, 0, -one, 0, 0, h, 0, w30]),
            180 => Matrix([-one, 0, 0, 0, -one, 0, w, h, w30]),
            270 => Matrix([0, -one, 0, one, 0, 0, 0, w, w30]),
            _ => Matrix::IDENTITY,
        }
    }
}

/// `tkhd`: track header.
#[derive(Clone, Debug, PartialEq)]
pub struct Tkhd {
    pub flags: u32,
    pub creation_time: u64,
    pub modification_time: u64,
    pub track_id: u32,
    /// Duration in the movie timescale.
    pub duration: u64,
    pub layer: i16,
    pub alternate_group: i16,
    pub volume: i16,
    pub matrix: Matrix,
    /// Presentation size, 16.16 fixed point.
    pub width: u32,
    pub height: u32,
}

impl Atom for Tkhd {
    const KIND: FourCC = FourCC::TKHD;

    fn read(payload: &[u8]) -> Result<Self> {
        let (h, mut c) = full_payload(payload, "tkhd")?;
        let (creation_time, modification_time, track_id, duration);
        if h.version == 1 {
            creation_time = c.u64()?;
            modification_time = c.u64()?;
            track_id = c.u32()?;
            c.skip(4)?;
            duration = c.u64()?;
        } else {
            creation_time = u64::from(c.u32()?);
            modification_time = u64::from(c.u32()?);
            track_id = c.u32()?;
            c.skip(4)?;
            duration = u64::from(c.u32()?);
        }
        c.skip(8)?;
        let layer = c.u16()? as i16;
        let alternate_group = c.u16()? as i16;
        let volume = c.u16()? as i16;
        c.skip(2)?;
        let matrix = Matrix::read(&mut c)?;
        let width = c.u32()?;
        let height = c.u32()?;
        Ok(Tkhd {
            flags: h.flags,
            creation_time,
            modification_time,
            track_id,
            duration,
            layer,
            alternate_group,
            volume,
            matrix,
            width,
            height,
        })
    }

    fn write_payload(&self, out: &mut Vec<u8>) {
        let v1 = self.duration > u64::from(u32::MAX) || self.creation_time > u64::from(u32::MAX);
        FullHeader { version: u8::from(v1), flags: self.flags }.write(out);
        if v1 {
            out.put_u64(self.creation_time);
            out.put_u64(self.modification_time);
            out.put_u32(self.track_id);
            out.put_u32(0);
            out.put_u64(self.duration);
        } else {
            out.put_u32(self.creation_time as u32);
            out.put_u32(self.modification_time as u32);
            out.put_u32(self.track_id);
            out.put_u32(0);
            out.put_u32(self.duration as u32);
        }
        out.extend_from_slice(&[0; 8]);
        out.put_u16(self.layer as u16);
        out.put_u16(self.alternate_group as u16);
        out.put_u16(self.volume as u16);
        out.put_u16(0);
        self.matrix.write(out);
        out.put_u32(self.width);
        out.put_u32(self.height);
    }
}
