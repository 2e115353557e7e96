//! Apple Live Photo: the still carries Apple MakerNote tag 0x0011 and the MOV
//! carries the same UUID as `com.apple.quicktime.content.identifier`, plus a
//! timed-metadata track whose single sample marks the still's time.

use crate::bmff::boxes::{DataAtom, Dtyp, EditEntry, Keyd, Mebx, MebxKey, QtMeta, SampleEntry};
use crate::bmff::movie::{Movie, TrackKind};
use crate::bmff::mux::{Brand, OutMovie, OutSample, OutTrack};
use crate::bmff::{Atom, FourCC};
use crate::jpeg::makernote::AppleMakerNote;
use crate::jpeg::tiff::{Exif, TAG_MAKER_NOTE};

pub const KEY_CONTENT_ID: &str = "com.apple.quicktime.content.identifier";
pub const KEY_STILL_TIME: &str = "com.apple.quicktime.still-image-time";
pub const KEY_VITALITY: &str = "com.apple.quicktime.live-photo.vitality-score";
pub const KEY_AUTO: &str = "com.apple.quicktime.live-photo.auto";
pub const MOV_TIMESCALE: u32 = 600;

/// The 9-byte still-image-time sample: one item, local key 1, int8 −1.
pub const STILL_SAMPLE: [u8; 9] = [0, 0, 0, 9, 0, 0, 0, 1, 0xFF];

/// The `mebx` sample entry with the still-image-time key (int8, code 65).
pub fn still_sample_entry() -> SampleEntry {
    let mebx = Mebx {
        data_reference_index: 1,
        keys: vec![MebxKey {
            local_id: 1,
            keyd: Some(Keyd { namespace: FourCC::MDTA, name: KEY_STILL_TIME.as_bytes().to_vec() }),
            dtyp: Some(Dtyp::WellKnown(65)),
        }],
    };
    SampleEntry { kind: FourCC::MEBX, raw: mebx.to_bytes() }
}

/// The still-image-time track: an empty edit as long as the still time, then
/// the one-tick sample. `arena_src` holds [`STILL_SAMPLE`] at `arena_offset`.
pub fn still_track(still_ticks: u64, video_index: usize, arena_src: usize, arena_offset: u64) -> OutTrack {
    let mut t = OutTrack::new(TrackKind::Metadata, MOV_TIMESCALE, vec![still_sample_entry()]);
    t.samples.push(OutSample {
        src: arena_src,
        offset: arena_offset,
        size: STILL_SAMPLE.len() as u32,
        duration: 1,
        cts_offset: 0,
        sync: true,
    });
    if still_ticks > 0 {
        t.edits.push(EditEntry { segment_duration: still_ticks, media_time: -1, rate: 0x10000 });
    }
    t.edits.push(EditEntry { segment_duration: 1, media_time: 0, rate: 0x10000 });
    t.tref = vec![(FourCC::CDSC, vec![video_index])];
    t
}

/// Movie-level metadata for a Live Photo MOV: what the source had (make,
/// model, date, location), the content identifier, a vitality score of 1 and
/// no `live-photo.auto`, so players always show the motion.
pub fn live_meta(source: Option<&QtMeta>, content_id: &str) -> QtMeta {
    let mut m = source.cloned().unwrap_or_default();
    m.remove(KEY_AUTO);
    m.set(KEY_CONTENT_ID, DataAtom::utf8(content_id));
    m.set(KEY_VITALITY, DataAtom::f32(1.0));
    m
}

/// Assembles a Live Photo movie from already copied or encoded tracks.
/// `tracks[0]` must be the video. The still track is appended last.
pub fn live_movie(
    mut tracks: Vec<OutTrack>,
    still_ticks: u64,
    content_id: &str,
    source_meta: Option<&QtMeta>,
    arena_src: usize,
    arena_offset: u64,
    creation_time: u64,
) -> OutMovie {
    tracks.push(still_track(still_ticks, 0, arena_src, arena_offset));
    OutMovie {
        brand: Brand::QuickTime,
        moov_first: false,
        timescale: MOV_TIMESCALE,
        creation_time,
        tracks,
        meta: Some(live_meta(source_meta, content_id)),
        xmp: None,
    }
}

/// What a MOV says about being the video half of a Live Photo.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveMovInfo {
    pub content_id: Option<String>,
    /// Movie time of the still-image-time sample, in seconds.
    pub still_time: Option<f64>,
    pub vitality: Option<f32>,
    pub auto: bool,
    /// The still track has a `cdsc` reference to a video track.
    pub still_has_cdsc: bool,
}

/// Reads the Live Photo fields of a parsed movie.
pub fn live_info(movie: &Movie) -> LiveMovInfo {
    let mut info = LiveMovInfo::default();
    if let Some(m) = &movie.meta {
        info.content_id = m.get(KEY_CONTENT_ID).map(DataAtom::display);
        info.vitality = m.get(KEY_VITALITY).and_then(|d| d.display().parse().ok());
        info.auto = m.get(KEY_AUTO).is_some_and(|d| d.value.iter().any(|&b| b != 0));
    }
    for t in &movie.tracks {
        if t.kind() != TrackKind::Metadata || !t.mebx_keys().iter().any(|k| k.name() == KEY_STILL_TIME) {
            continue;
        }
        if let Some(s) = t.samples.first() {
            info.still_time = t.movie_seconds(s.pts(), movie.mvhd.timescale);
        }
        info.still_has_cdsc = t.tref.refs.iter().any(|(k, _)| *k == FourCC::CDSC);
        break;
    }
    info
}

/// Puts `content_id` into an Exif structure: patches an existing Apple
/// MakerNote (keeping its other tags) or replaces any other MakerNote with a
/// minimal Apple one. Returns true when a non-Apple MakerNote was replaced.
pub fn set_exif_content_id(exif: &mut Exif, content_id: &str) -> bool {
    let (note, replaced) = match exif.maker_note() {
        Some(b) if AppleMakerNote::is_apple(b) => match AppleMakerNote::parse(b) {
            Ok(mut n) => {
                n.set_content_id(content_id);
                (n, false)
            }
            Err(_) => (AppleMakerNote::with_content_id(content_id), true),
        },
        Some(_) => (AppleMakerNote::with_content_id(content_id), true),
        None => (AppleMakerNote::with_content_id(content_id), false),
    };
    exif.exif.set(crate::jpeg::tiff::Entry::undefined(TAG_MAKER_NOTE, note.to_bytes()));
    replaced
}

/// The content identifier in an Exif structure's Apple MakerNote.
pub fn exif_content_id(exif: &Exif) -> Option<String> {
    exif.maker_note()
        .filter(|b| AppleMakerNote::is_apple(b))
        .and_then(|b| AppleMakerNote::parse(b).ok())
        .and_then(|n| n.content_id())
}
