//! Video codecs: H.264 decode and encode through the bundled OpenH264, HEVC
//! decode in pure Rust, and the picture type they exchange.
#![forbid(unsafe_code)]

pub mod color;
pub mod frame;
pub mod h264;
pub mod hevc;

pub use frame::Frame;

use vivify_media::bmff::boxes::{AvcConfig, HevcConfig};
use vivify_media::bmff::movie::Track;
use vivify_media::bmff::FourCC;
use vivify_media::error::{Error, Result};

/// A decoder set up for one track's codec.
#[derive(Clone, Debug)]
pub enum VideoDecoder {
    H264(AvcConfig),
    Hevc(HevcConfig),
}

impl VideoDecoder {
    /// Reads the codec configuration of `track`'s first sample description.
    pub fn for_track(track: &Track) -> Result<VideoDecoder> {
        let entry = track.stsd.entries.first().ok_or_else(|| Error::invalid("stsd", "no sample description"))?;
        match entry.kind {
            FourCC::AVC1 | FourCC::AVC3 => Ok(VideoDecoder::H264(AvcConfig::from_sample_entry(entry.payload())?)),
            FourCC::HVC1 | FourCC::HEV1 => Ok(VideoDecoder::Hevc(HevcConfig::from_sample_entry(entry.payload())?)),
            other => Err(Error::Unsupported(format!("video codec '{other}' (H.264 and HEVC are supported)"))),
        }
    }

    /// A decoder to reuse across runs.
    pub fn session(&self) -> Result<DecoderSession> {
        Ok(match self {
            VideoDecoder::H264(c) => DecoderSession::H264(h264::H264Decoder::new(c)?),
            VideoDecoder::Hevc(c) => DecoderSession::Hevc(c.clone()),
        })
    }

    /// Decodes samples (decode order, from a key frame) and hands pictures to
    /// `sink` in presentation order until it returns false.
    pub fn decode_run(
        &self,
        samples: &mut dyn Iterator<Item = Result<Vec<u8>>>,
        sink: &mut dyn FnMut(Frame) -> bool,
    ) -> Result<()> {
        match self {
            VideoDecoder::H264(c) => h264::decode_run(c, samples, sink),
            VideoDecoder::Hevc(c) => hevc::decode_run(c, samples, sink),
        }
    }
}

/// A decoder kept across several runs (each from a key frame).
pub enum DecoderSession {
    H264(h264::H264Decoder),
    /// HEVC gets a fresh decoder per run.
    Hevc(HevcConfig),
}

impl DecoderSession {
    pub fn run(
        &mut self,
        samples: &mut dyn Iterator<Item = Result<Vec<u8>>>,
        sink: &mut dyn FnMut(Frame) -> bool,
    ) -> Result<()> {
        match self {
            DecoderSession::H264(d) => d.run(samples, sink),
            DecoderSession::Hevc(c) => hevc::decode_run(c, samples, sink),
        }
    }
}
