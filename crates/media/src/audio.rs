//! Turning uncompressed audio (iPhone `lpcm`, QuickTime `sowt`/`twos`) into
//! AAC-LC with the pure-Rust `syom` encoder, because Motion Photos may carry
//! only AAC: without this an iPhone Live Photo's sound would be lost.

use crate::bmff::boxes::{EditEntry, Esds, SampleEntry};
use crate::bmff::mux::{OutSample, OutTrack};
use crate::bmff::FourCC;
use crate::bytes::Cursor;
use crate::error::{Error, Result};
use crate::limits;
use crate::source::ReadAt;

/// How uncompressed samples are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PcmFormat {
    pub sample_rate: u32,
    pub channels: usize,
    pub bits: u32,
    pub float: bool,
    pub big_endian: bool,
}

/// True for the uncompressed audio codes we can read.
pub fn is_pcm(kind: FourCC) -> bool {
    matches!(kind, FourCC::LPCM | FourCC::SOWT | FourCC::TWOS)
}

/// Reads the PCM layout from a QuickTime sound sample description.
pub fn pcm_format(entry: &SampleEntry) -> Result<PcmFormat> {
    let mut c = Cursor::new(entry.payload(), "sound sample description");
    c.skip(8)?;
    let version = c.u16()?;
    c.skip(6)?;
    if version == 2 {
        // SoundDescriptionV2: rate as f64, then channels, bits and flags.
        c.skip(16)?;
        let rate = f64::from_bits(c.u64()?);
        let channels = c.u32()? as usize;
        c.skip(4)?;
        let bits = c.u32()?;
        let flags = c.u32()?;
        return check(PcmFormat {
            sample_rate: rate.round() as u32,
            channels,
            bits,
            float: flags & 1 != 0,
            big_endian: flags & 2 != 0,
        });
    }
    let channels = usize::from(c.u16()?);
    let bits = u32::from(c.u16()?);
    c.skip(4)?;
    let rate = c.u32()? >> 16;
    check(PcmFormat { sample_rate: rate, channels, bits, float: false, big_endian: entry.kind == FourCC::TWOS })
}

fn check(f: PcmFormat) -> Result<PcmFormat> {
    let ok_bits = if f.float { f.bits == 32 } else { matches!(f.bits, 16 | 24 | 32) };
    if !(1..=2).contains(&f.channels) || !ok_bits || !(8000..=96_000).contains(&f.sample_rate) {
        return Err(Error::Unsupported(format!(
            "PCM audio with {} channel(s), {} bits{}, {} Hz",
            f.channels,
            f.bits,
            if f.float { " float" } else { "" },
            f.sample_rate
        )));
    }
    Ok(f)
}

/// Decodes interleaved PCM bytes to planar f32 in [-1, 1].
pub fn to_planar(f: &PcmFormat, bytes: &[u8]) -> Vec<Vec<f32>> {
    let width = (f.bits / 8) as usize;
    let frames = bytes.len() / (width * f.channels);
    let mut planes = vec![Vec::with_capacity(frames); f.channels];
    for frame in bytes.chunks_exact(width * f.channels) {
        for (ch, s) in frame.chunks_exact(width).enumerate() {
            // Assemble the raw bits, most significant byte first.
            let mut raw: u32 = 0;
            if f.big_endian {
                for &x in s {
                    raw = (raw << 8) | u32::from(x);
                }
            } else {
                for &x in s.iter().rev() {
                    raw = (raw << 8) | u32::from(x);
                }
            }
            let v = if f.float {
                f32::from_bits(raw)
            } else {
                // Move the sign bit to the top, then scale to [-1, 1).
                ((raw << (32 - f.bits)) as i32) as f32 / 2_147_483_648.0
            };
            planes[ch].push(v.clamp(-1.0, 1.0));
        }
    }
    planes
}

/// An `mp4a` sample entry with an `esds` carrying `asc`.
pub fn mp4a_sample_entry(channels: u16, sample_rate: u32, asc: &[u8], avg_bitrate: u32) -> SampleEntry {
    let esds = Esds { object_type: 0x40, max_bitrate: avg_bitrate, avg_bitrate, decoder_specific: asc.to_vec() };
    esds.mp4a_sample_entry(channels, sample_rate)
}

/// Re-encodes a PCM track (as copied for a new movie) to AAC-LC. The AAC
/// frames are appended to `arena`, which the writer reads as `arena_src`;
/// the edit list keeps the same sound on the same timeline by skipping the
/// encoder's priming samples.
pub fn pcm_track_to_aac(
    track: &OutTrack,
    movie_timescale: u32,
    sources: &[&dyn ReadAt],
    arena: &mut Vec<u8>,
    arena_src: usize,
) -> Result<OutTrack> {
    let entry = track.entries.first().ok_or_else(|| Error::invalid("audio track", "no sample description"))?;
    let fmt = pcm_format(entry)?;
    let total: u64 = track.samples.iter().map(|s| u64::from(s.size)).sum();
    limits::check("PCM audio size", total, limits::MAX_SAMPLE_BYTES)?;
    // PCM samples are tiny (one frame each) and stored back to back: the
    // run-merging copy reads them with a few calls instead of thousands.
    let mut bytes: Vec<u8> = Vec::with_capacity(total as usize);
    crate::bmff::mux::copy_sample_runs(&track.samples, sources, &mut bytes)?;
    let planes = to_planar(&fmt, &bytes);
    if planes.first().is_none_or(Vec::is_empty) {
        return Err(Error::invalid("audio track", "no PCM samples"));
    }
    let (mut t, priming) = aac_track(&planes, fmt.sample_rate, arena, arena_src)?;
    t.kind = track.kind;
    t.language = track.language;
    t.enabled = track.enabled;
    // The PCM track's timescale may differ from the sample rate; map its
    // edit start into samples, then add the priming.
    let to_rate = |v: i64| v * i64::from(fmt.sample_rate) / i64::from(track.timescale.max(1));
    t.edits = if track.edits.is_empty() {
        let dur = crate::bmff::mux::scale(planes[0].len() as u64, fmt.sample_rate, movie_timescale);
        vec![EditEntry { segment_duration: dur, media_time: priming, rate: 0x10000 }]
    } else {
        track
            .edits
            .iter()
            .map(|e| EditEntry {
                media_time: if e.media_time >= 0 { to_rate(e.media_time) + priming } else { -1 },
                ..*e
            })
            .collect()
    };
    Ok(t)
}

/// Encodes planar PCM (one vector per channel, -1..=1) to an AAC-LC track
/// whose samples are appended to `arena` (read back as source `arena_src`).
/// Returns the track without edits and the encoder's priming in samples,
/// which the caller's edit list must skip.
pub fn aac_track(
    planes: &[Vec<f32>],
    sample_rate: u32,
    arena: &mut Vec<u8>,
    arena_src: usize,
) -> Result<(OutTrack, i64)> {
    let channels = planes.len();
    if channels == 0 || planes[0].is_empty() {
        return Err(Error::invalid("audio", "no PCM samples"));
    }
    let bitrate = 96_000 * channels as u32;
    let opts = syom::EncodeOptions::raw().with_bitrate_bps(bitrate);
    let mut enc = syom::Encoder::new(sample_rate, channels, &opts).map_err(|e| Error::codec_from("AAC encoder", e))?;
    let asc = enc.asc().to_vec();
    let mut frames: Vec<(u64, u32)> = Vec::new();
    let refs: Vec<&[f32]> = planes.iter().map(Vec::as_slice).collect();
    let mut push = |f: syom::EncodedFrame<'_>| -> syom::Result<()> {
        frames.push((arena.len() as u64, f.payload.len() as u32));
        arena.extend_from_slice(f.payload);
        Ok(())
    };
    enc.feed(&refs, &mut push).map_err(|e| Error::codec_from("AAC encode", e))?;
    let info = enc.finish(&mut push).map_err(|e| Error::codec_from("AAC encode", e))?;
    let mut t = OutTrack::new(
        crate::bmff::movie::TrackKind::Audio,
        sample_rate,
        vec![mp4a_sample_entry(channels as u16, sample_rate, &asc, bitrate)],
    );
    t.samples = frames
        .into_iter()
        .map(|(offset, size)| OutSample { src: arena_src, offset, size, duration: 1024, cts_offset: 0, sync: true })
        .collect();
    Ok((t, i64::try_from(info.priming).unwrap_or(1024)))
}
