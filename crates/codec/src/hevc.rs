//! HEVC decoding with the pure-Rust `rust_h265` decoder (bit-exact with
//! FFmpeg on the streams measured in our media-stack reference): MP4
//! samples (length-prefixed NAL units + `hvcC`) in, 8-bit I420 frames out.

use rust_h265::{parse_hvcc, parse_nal, Decoder, PixelData};

use super::Frame;
use vivify_media::bmff::boxes::HevcConfig;
use vivify_media::error::{Error, Result};

fn to_8bit(p: &PixelData, depth: u8) -> Vec<u8> {
    match p {
        PixelData::U8(v) => v.clone(),
        PixelData::U16(v) => {
            let shift = u32::from(depth.saturating_sub(8));
            v.iter().map(|&x| (x >> shift).min(255) as u8).collect()
        }
    }
}

fn convert(f: &rust_h265::Frame) -> Result<Frame> {
    if f.chroma_format_idc != 1 {
        return Err(Error::Unsupported(format!("HEVC chroma format {} (only 4:2:0 is decoded)", f.chroma_format_idc)));
    }
    let (w, h) = (f.width as usize, f.height as usize);
    let mut out = Frame::new(w, h)?;
    let y = to_8bit(&f.y, f.bit_depth);
    let u = to_8bit(&f.u, f.bit_depth);
    let v = to_8bit(&f.v, f.bit_depth);
    // Plane sizes follow the decoder's layout: width/2 × height/2 chroma.
    let (cw, ch) = (w / 2, h / 2);
    if y.len() < w * h || u.len() < cw * ch || v.len() < cw * ch {
        return Err(Error::invalid("HEVC stream", "the decoder returned short planes"));
    }
    out.y.copy_from_slice(&y[..w * h]);
    let ocw = out.chroma_width();
    for r in 0..h.div_ceil(2) {
        let sr = r.min(ch.saturating_sub(1));
        for c in 0..ocw {
            let sc = c.min(cw.saturating_sub(1));
            out.u[r * ocw + c] = u[sr * cw + sc];
            out.v[r * ocw + c] = v[sr * cw + sc];
        }
    }
    Ok(out)
}

/// Decodes a run of samples (decode order, starting at a random-access
/// picture) and calls `sink` with each picture in presentation order.
pub fn decode_run(
    config: &HevcConfig,
    samples: &mut dyn Iterator<Item = Result<Vec<u8>>>,
    sink: &mut dyn FnMut(Frame) -> bool,
) -> Result<()> {
    let mut dec = Decoder::new().with_display_order();
    for ps in &config.parameter_sets {
        let nal = parse_nal(ps).ok_or_else(|| Error::invalid("hvcC", "unreadable parameter set"))?;
        dec.decode_nal(&nal).map_err(|e| Error::invalid("HEVC parameter set", format!("{e:?}")))?;
    }
    for sample in samples {
        let sample = sample?;
        for nal in parse_hvcc(&sample, config.nal_length_size) {
            dec.decode_nal(&nal).map_err(|e| {
                Error::invalid(
                    "HEVC stream",
                    format!("the decoder rejected a picture ({e:?}); the data is damaged or uses a feature we lack"),
                )
            })?;
            while let Some(f) = dec.next_output() {
                if !sink(convert(&f)?) {
                    return Ok(());
                }
            }
        }
    }
    while let Some(f) = dec.flush() {
        if !sink(convert(&f)?) {
            break;
        }
    }
    Ok(())
}
