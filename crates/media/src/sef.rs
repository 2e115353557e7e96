//! Samsung's SEF trailer: records (`00 00`, marker, name, data) followed by a
//! directory `SEFH … SEFT` at the very end of the file (JPEG) or of a `sefd`
//! box (HEIC). `MotionPhoto_Data` locates the video.

use crate::bytes::{Cursor, Endian};
use crate::error::{Error, Result};

pub const MOTION_PHOTO_DATA: u16 = 0x0A30;
pub const MOTION_PHOTO_VERSION: u16 = 0x0A31;
pub const SEF_VERSION: u32 = 107;

/// One record of the trailer.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SefRecord {
    /// Marker as ExifTool names it (little-endian u16 of the 2 marker bytes).
    pub marker: u16,
    pub name: String,
    /// Offset of the record in the parsed slice.
    pub offset: usize,
    /// Offset and length of the record's data (after its name).
    pub data_offset: usize,
    pub data_len: usize,
}

/// A parsed trailer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sef {
    pub version: u32,
    /// Offset of "SEFH" in the parsed slice.
    pub header_offset: usize,
    pub records: Vec<SefRecord>,
}

const MAX_RECORDS: u32 = 1000;

impl Sef {
    /// Finds and parses a SEF directory that ends exactly at the end of `data`.
    pub fn parse(data: &[u8]) -> Result<Option<Sef>> {
        if data.len() < 16 || &data[data.len() - 4..] != b"SEFT" {
            return Ok(None);
        }
        let n = data.len();
        let sef_len = u32::from_le_bytes([data[n - 8], data[n - 7], data[n - 6], data[n - 5]]) as usize;
        let header_offset = (n - 8)
            .checked_sub(sef_len)
            .ok_or_else(|| Error::invalid("SEF", "directory length runs before the start"))?;
        let mut c = Cursor::with_endian(&data[header_offset..n - 8], "SEF directory", Endian::Little);
        if c.take(4)? != b"SEFH" {
            return Err(Error::invalid("SEF", "no SEFH where the directory should start"));
        }
        let version = c.u32()?;
        let count = c.u32()?;
        if count > MAX_RECORDS {
            return Err(Error::Limits(format!("SEF lists {count} records (cap {MAX_RECORDS})")));
        }
        let mut records = Vec::new();
        for _ in 0..count {
            c.skip(2)?;
            let marker = c.u16()?;
            let distance = c.u32()? as usize;
            let len = c.u32()? as usize;
            let offset = header_offset
                .checked_sub(distance)
                .ok_or_else(|| Error::invalid("SEF", "record lies before the start"))?;
            if offset.checked_add(len).is_none_or(|e| e > header_offset) || len < 8 {
                return Err(Error::invalid(
                    "SEF",
                    format!("record at distance {distance} with length {len} does not fit"),
                ));
            }
            let mut r = Cursor::with_endian(&data[offset..offset + len], "SEF record", Endian::Little);
            r.skip(4)?;
            let name_len = r.u32()? as usize;
            let name = String::from_utf8_lossy(r.take(name_len)?).into_owned();
            let data_offset = offset + 8 + name_len;
            records.push(SefRecord { marker, name, offset, data_offset, data_len: len - 8 - name_len });
        }
        Ok(Some(Sef { version, header_offset, records }))
    }

    pub fn record(&self, marker: u16) -> Option<&SefRecord> {
        self.records.iter().find(|r| r.marker == marker)
    }
}

/// The 8-byte record header plus name that precede a record's data.
pub fn record_header(marker: u16, name: &str) -> Vec<u8> {
    let mut v = vec![0, 0];
    v.extend_from_slice(&marker.to_le_bytes());
    v.extend_from_slice(&(name.len() as u32).to_le_bytes());
    v.extend_from_slice(name.as_bytes());
    v
}

/// Builds the directory (`SEFH` … `SEFT`) for records already written.
/// `records` are (marker, offset of the record, record length) relative to
/// the same origin, and the directory starts at `dir_offset`.
pub fn directory(records: &[(u16, usize, usize)], dir_offset: usize) -> Vec<u8> {
    let mut v = b"SEFH".to_vec();
    v.extend_from_slice(&SEF_VERSION.to_le_bytes());
    v.extend_from_slice(&(records.len() as u32).to_le_bytes());
    for &(marker, off, len) in records {
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(&marker.to_le_bytes());
        v.extend_from_slice(&((dir_offset - off) as u32).to_le_bytes());
        v.extend_from_slice(&(len as u32).to_le_bytes());
    }
    let sef_len = v.len() as u32;
    v.extend_from_slice(&sef_len.to_le_bytes());
    v.extend_from_slice(b"SEFT");
    v
}

/// The Samsung JPEG trailer around a video: returns (bytes before the video,
/// bytes after it). Layout: `MotionPhoto_Data` header, video,
/// `MotionPhoto_Version` "mpv3", directory.
pub fn jpeg_trailer(video_len: usize) -> (Vec<u8>, Vec<u8>) {
    let head = record_header(MOTION_PHOTO_DATA, "MotionPhoto_Data");
    let data_rec_len = head.len() + video_len;
    let mut tail = record_header(MOTION_PHOTO_VERSION, "MotionPhoto_Version");
    tail.extend_from_slice(b"mpv3");
    let ver_off = data_rec_len;
    let ver_len = tail.len();
    let dir_off = ver_off + ver_len;
    let dir = directory(&[(MOTION_PHOTO_DATA, 0, data_rec_len), (MOTION_PHOTO_VERSION, ver_off, ver_len)], dir_off);
    tail.extend_from_slice(&dir);
    (head, tail)
}

/// The SEF content of a HEIC `sefd` box pointing at a video stored at an
/// absolute file offset.
pub fn heic_sefd_payload(video_offset: u64, video_len: u64) -> Vec<u8> {
    let mut rec = record_header(MOTION_PHOTO_DATA, "MotionPhoto_Data");
    rec.extend_from_slice(b"mpv2");
    rec.extend_from_slice(&(video_offset as u32).to_be_bytes());
    rec.extend_from_slice(&(video_len as u32).to_be_bytes());
    let len = rec.len();
    let dir = directory(&[(MOTION_PHOTO_DATA, 0, len)], len);
    rec.extend_from_slice(&dir);
    rec
}
