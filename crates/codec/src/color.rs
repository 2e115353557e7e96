//! How a video's YUV maps to RGB: range (video 16–235 or full 0–255) and
//! matrix (BT.601 or BT.709). Read from the `colr` box, else from the
//! H.264 SPS VUI, else the defaults ffmpeg uses for untagged video.

use vivify_media::bmff::boxes::{AvcConfig, Colr};
use vivify_media::bmff::movie::Track;
use vivify_media::bmff::FourCC;
use vivify_media::error::{Error, Result};

/// What the still conversion needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColorInfo {
    pub full_range: bool,
    pub bt709: bool,
}

impl ColorInfo {
    /// Untagged video: video range, BT.601 (as ffmpeg assumes).
    pub const DEFAULT: ColorInfo = ColorInfo { full_range: false, bt709: false };
}

/// The colour description of `track`. `apple` marks Apple cameras, whose
/// HEVC is full range but says so only inside the HEVC SPS.
pub fn color_info(track: &Track, apple: bool) -> ColorInfo {
    let Some(entry) = track.stsd.entries.first() else { return ColorInfo::DEFAULT };
    let hevc = matches!(entry.kind, FourCC::HVC1 | FourCC::HEV1);
    let mut info = ColorInfo { full_range: apple && hevc, ..ColorInfo::DEFAULT };
    let mut matrix_known = false;
    if let Some(colr) = Colr::in_sample_entry(entry.payload()) {
        info.bt709 = colr.is_bt709();
        matrix_known = true;
        if let Some(full) = colr.full_range {
            info.full_range = full;
            return info;
        }
    }
    if matches!(entry.kind, FourCC::AVC1 | FourCC::AVC3) {
        if let Ok(cfg) = AvcConfig::from_sample_entry(entry.payload()) {
            if let Some(Ok(Some(vui))) = cfg.sps.first().map(|s| sps_video_signal(s)) {
                info.full_range = vui.0;
                if !matrix_known {
                    if let Some(m) = vui.1 {
                        info.bt709 = Colr::matrix_is_bt709(u16::from(m));
                    }
                }
            }
        }
    }
    info
}

/// Removes emulation-prevention bytes (00 00 03 → 00 00).
fn rbsp(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn bit(&mut self) -> Result<u32> {
        let byte = *self.data.get(self.pos / 8).ok_or_else(|| Error::invalid("H.264 SPS", "ends early"))?;
        let b = (byte >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        Ok(u32::from(b))
    }
    fn bits(&mut self, n: u32) -> Result<u32> {
        let mut v = 0;
        for _ in 0..n {
            v = (v << 1) | self.bit()?;
        }
        Ok(v)
    }
    fn ue(&mut self) -> Result<u32> {
        let mut zeros = 0;
        while self.bit()? == 0 {
            zeros += 1;
            if zeros > 31 {
                return Err(Error::invalid("H.264 SPS", "bad Exp-Golomb code"));
            }
        }
        Ok(((1u64 << zeros) - 1 + u64::from(self.bits(zeros)?)) as u32)
    }
    fn se(&mut self) -> Result<i32> {
        let k = self.ue()?;
        Ok(if k % 2 == 1 { k.div_ceil(2) as i32 } else { -((k / 2) as i32) })
    }
}

fn skip_scaling_list(b: &mut Bits<'_>, size: usize) -> Result<()> {
    let (mut last, mut next) = (8i32, 8i32);
    for _ in 0..size {
        if next != 0 {
            next = (last + b.se()? + 256) % 256;
        }
        if next != 0 {
            last = next;
        }
    }
    Ok(())
}

/// Reads an H.264 SPS (NAL header included) up to the VUI video signal
/// type: `Some((full_range, matrix))` when the VUI has one.
pub fn sps_video_signal(nal: &[u8]) -> Result<Option<(bool, Option<u8>)>> {
    let data = rbsp(nal.get(1..).unwrap_or(&[]));
    let mut b = Bits { data: &data, pos: 0 };
    let profile = b.bits(8)?;
    b.bits(16)?;
    b.ue()?;
    if [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].contains(&profile) {
        let chroma = b.ue()?;
        if chroma == 3 {
            b.bit()?;
        }
        b.ue()?;
        b.ue()?;
        b.bit()?;
        if b.bit()? == 1 {
            for i in 0..if chroma == 3 { 12 } else { 8 } {
                if b.bit()? == 1 {
                    skip_scaling_list(&mut b, if i < 6 { 16 } else { 64 })?;
                }
            }
        }
    }
    b.ue()?;
    match b.ue()? {
        0 => {
            b.ue()?;
        }
        1 => {
            b.bit()?;
            b.se()?;
            b.se()?;
            let n = b.ue()?;
            if n > 255 {
                return Err(Error::invalid("H.264 SPS", "too many reference frames in the POC cycle"));
            }
            for _ in 0..n {
                b.se()?;
            }
        }
        _ => {}
    }
    b.ue()?;
    b.bit()?;
    b.ue()?;
    b.ue()?;
    if b.bit()? == 0 {
        b.bit()?;
    }
    b.bit()?;
    if b.bit()? == 1 {
        for _ in 0..4 {
            b.ue()?;
        }
    }
    if b.bit()? == 0 {
        return Ok(None);
    }
    if b.bit()? == 1 && b.bits(8)? == 255 {
        b.bits(32)?;
    }
    if b.bit()? == 1 {
        b.bit()?;
    }
    if b.bit()? == 0 {
        return Ok(None);
    }
    b.bits(3)?;
    let full = b.bit()? == 1;
    let matrix = if b.bit()? == 1 {
        b.bits(16)?;
        Some(b.bits(8)? as u8)
    } else {
        None
    };
    Ok(Some((full, matrix)))
}
