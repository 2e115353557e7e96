//! The parsed model of a movie: tracks with expanded sample tables, edit
//! lists and QuickTime metadata. Built from `moov`; media stays in the file.

use super::boxes::*;
use super::scan::{load_payload, scan, Scan};
use super::{children, find, find_path, Atom, FourCC};
use crate::error::{Error, Result};
use crate::limits;
use crate::source::ReadAt;

/// One media sample as the file stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Absolute offset in the source.
    pub offset: u64,
    pub size: u32,
    /// Decode time in the media timescale.
    pub dts: u64,
    pub duration: u32,
    /// Presentation time minus decode time.
    pub cts_offset: i32,
    pub sync: bool,
    /// 1-based index into the sample descriptions.
    pub description: u32,
}

impl Sample {
    /// Presentation time in the media timescale.
    pub fn pts(&self) -> i64 {
        self.dts as i64 + i64::from(self.cts_offset)
    }
}

/// What a track carries, from its handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TrackKind {
    Video,
    Audio,
    Metadata,
    Other,
}

/// One track.
#[derive(Clone, Debug)]
pub struct Track {
    pub tkhd: Tkhd,
    pub mdhd: Mdhd,
    pub hdlr: Hdlr,
    pub edits: Vec<EditEntry>,
    pub tref: Tref,
    pub stsd: Stsd,
    pub samples: Vec<Sample>,
    /// Track-level QuickTime metadata (lens model and the like).
    pub meta: Option<QtMeta>,
}

impl Track {
    pub fn id(&self) -> u32 {
        self.tkhd.track_id
    }

    pub fn kind(&self) -> TrackKind {
        match self.hdlr.handler {
            FourCC::VIDE => TrackKind::Video,
            FourCC::SOUN => TrackKind::Audio,
            FourCC::META => TrackKind::Metadata,
            _ => TrackKind::Other,
        }
    }

    /// The codec four-character code of the first sample description.
    pub fn codec(&self) -> Option<FourCC> {
        self.stsd.entries.first().map(|e| e.kind)
    }

    pub fn timescale(&self) -> u32 {
        self.mdhd.timescale
    }

    /// Media duration in seconds (sum of sample durations).
    pub fn media_seconds(&self) -> f64 {
        let total: u64 = self.samples.iter().map(|s| u64::from(s.duration)).sum();
        total as f64 / f64::from(self.mdhd.timescale)
    }

    /// Keys of a `mebx` sample description, if this is a timed-metadata track.
    pub fn mebx_keys(&self) -> Vec<MebxKey> {
        self.stsd
            .entries
            .iter()
            .filter(|e| e.kind == FourCC::MEBX)
            .filter_map(|e| Mebx::read(e.payload()).ok())
            .flat_map(|m| m.keys)
            .collect()
    }

    /// Maps a presentation time in the media timescale to movie time in
    /// seconds through the edit list. Without edits media time is movie time.
    pub fn movie_seconds(&self, media_pts: i64, movie_timescale: u32) -> Option<f64> {
        let mts = f64::from(self.mdhd.timescale);
        if self.edits.is_empty() {
            return Some(media_pts as f64 / mts);
        }
        let vts = f64::from(movie_timescale.max(1));
        let mut at = 0.0;
        for e in &self.edits {
            let seg = e.segment_duration as f64 / vts;
            if e.media_time >= 0 {
                let start = e.media_time as f64 / mts;
                let rate = if e.rate == 0 { 1.0 } else { f64::from(e.rate) / 65536.0 };
                let t = media_pts as f64 / mts;
                let span = seg * rate;
                // A tiny tolerance: an edit may end exactly at the sample.
                if t + 1e-9 >= start && t < start + span + 1e-9 {
                    return Some(at + (t - start) / rate);
                }
            }
            at += seg;
        }
        None
    }

    /// Indices of samples in presentation order.
    pub fn presentation_order(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.samples.len()).collect();
        idx.sort_by_key(|&i| self.samples[i].pts());
        idx
    }

    /// Clockwise rotation from the track matrix.
    pub fn rotation(&self) -> u16 {
        self.tkhd.matrix.rotation().unwrap_or(0)
    }
}

/// A parsed movie.
#[derive(Clone, Debug)]
pub struct Movie {
    pub ftyp: Option<Ftyp>,
    pub mvhd: Mvhd,
    pub tracks: Vec<Track>,
    /// Movie-level `mdta` metadata.
    pub meta: Option<QtMeta>,
    /// ISO 6709 location from `udta/©xyz` (how Android cameras store it).
    pub udta_location: Option<String>,
    /// The top-level layout of the file.
    pub layout: Scan,
}

impl Movie {
    /// Parses the movie in `src` (a whole MOV/MP4, or a window on one).
    pub fn parse(src: &dyn ReadAt) -> Result<Movie> {
        let layout = scan(src)?;
        let moov = layout
            .first(FourCC::MOOV)
            .ok_or_else(|| Error::invalid("ISO-BMFF", "no 'moov' box (not a movie, or a fragmented file)"))?;
        let moov_bytes = load_payload(src, moov, limits::MAX_HEADER_BOX)?;
        let ftyp = match layout.first(FourCC::FTYP) {
            Some(b) => Some(Ftyp::read(&load_payload(src, b, 4096)?)?),
            None => None,
        };
        let mut movie = parse_moov(&moov_bytes, src.len())?;
        movie.ftyp = ftyp;
        movie.layout = layout;
        Ok(movie)
    }

    /// Duration in seconds from `mvhd`.
    pub fn seconds(&self) -> f64 {
        self.mvhd.duration as f64 / f64::from(self.mvhd.timescale.max(1))
    }

    pub fn track(&self, kind: TrackKind) -> Option<&Track> {
        self.tracks.iter().find(|t| t.kind() == kind)
    }

    /// The main video track: the first video track that is enabled.
    pub fn video(&self) -> Option<&Track> {
        self.tracks
            .iter()
            .find(|t| t.kind() == TrackKind::Video && t.tkhd.flags & 1 != 0)
            .or_else(|| self.track(TrackKind::Video))
    }

    pub fn audio(&self) -> Option<&Track> {
        self.track(TrackKind::Audio)
    }

    /// True when the file is QuickTime (brand `qt  ` or no `ftyp` at all).
    pub fn is_quicktime(&self) -> bool {
        self.ftyp.as_ref().is_none_or(|f| f.major == FourCC::QT)
    }
}

fn parse_moov(moov: &[u8], file_len: u64) -> Result<Movie> {
    let mut mvhd = None;
    let mut tracks = Vec::new();
    let mut meta = None;
    let mut udta_location = None;
    for b in children(moov) {
        let b = b?;
        match b.kind {
            FourCC::MVHD => mvhd = Some(Mvhd::read(b.payload)?),
            FourCC::TRAK => {
                if tracks.len() >= limits::MAX_TRACKS {
                    return Err(Error::Limits(format!("more than {} tracks", limits::MAX_TRACKS)));
                }
                tracks.push(parse_trak(b.payload, file_len)?);
            }
            FourCC::META => meta = Some(QtMeta::read(b.payload)?),
            FourCC::UDTA => udta_location = read_location(b.payload),
            FourCC::MVEX => return Err(Error::Unsupported("fragmented MP4 (moof/mvex) is not supported".into())),
            _ => {}
        }
    }
    let mvhd = mvhd.ok_or_else(|| Error::invalid("moov", "no 'mvhd'"))?;
    if mvhd.timescale == 0 {
        return Err(Error::invalid("mvhd", "timescale is 0"));
    }
    let seconds = mvhd.duration as f64 / f64::from(mvhd.timescale);
    if seconds > limits::MAX_DURATION_S {
        return Err(Error::Limits(format!(
            "movie lasts {seconds:.0} s, above the cap of {} s",
            limits::MAX_DURATION_S
        )));
    }
    Ok(Movie { ftyp: None, mvhd, tracks, meta, udta_location, layout: Scan::default() })
}

/// The capture location in `udta`: the `©xyz` ISO 6709 string Android
/// writes, or the 3GPP `loci` box (16.16 fixed-point degrees) others write.
fn read_location(udta: &[u8]) -> Option<String> {
    if let Some(b) = find(udta, FourCC(*b"\xa9xyz")).ok().flatten() {
        let len = u16::from_be_bytes([*b.payload.first()?, *b.payload.get(1)?]) as usize;
        let text = b.payload.get(4..4 + len)?;
        return Some(String::from_utf8_lossy(text).trim_end_matches('\0').to_string());
    }
    let b = find(udta, FourCC(*b"loci")).ok()??;
    let p = b.payload.get(6..)?;
    let name_end = p.iter().position(|&c| c == 0)?;
    let mut c = crate::bytes::Cursor::new(p.get(name_end + 2..)?, "loci");
    let lon = f64::from(c.i32().ok()?) / 65536.0;
    let lat = f64::from(c.i32().ok()?) / 65536.0;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then(|| format!("{lat:+08.4}{lon:+09.4}/"))
}

fn need<T>(v: Option<T>, what: &str) -> Result<T> {
    v.ok_or_else(|| Error::invalid("trak", format!("missing '{what}'")))
}

fn parse_trak(trak: &[u8], file_len: u64) -> Result<Track> {
    let tkhd = Tkhd::read(need(find(trak, FourCC::TKHD)?, "tkhd")?.payload)?;
    let edits = match find_path(trak, &[FourCC::EDTS, FourCC::ELST])? {
        Some(p) => Elst::read(p)?.entries,
        None => Vec::new(),
    };
    let tref = match find(trak, FourCC::TREF)? {
        Some(b) => Tref::read(b.payload)?,
        None => Tref::default(),
    };
    let meta = match find(trak, FourCC::META)? {
        Some(b) => QtMeta::read(b.payload).ok(),
        None => None,
    };
    let mdia = need(find(trak, FourCC::MDIA)?, "mdia")?.payload;
    let mdhd = Mdhd::read(need(find(mdia, FourCC::MDHD)?, "mdhd")?.payload)?;
    let hdlr = Hdlr::read(need(find(mdia, FourCC::HDLR)?, "hdlr")?.payload)?;
    let stbl = need(find_path(mdia, &[FourCC::MINF, FourCC::STBL])?, "minf/stbl")?;
    let (stsd, samples) = parse_stbl(stbl, file_len)?;
    Ok(Track { tkhd, mdhd, hdlr, edits, tref, stsd, samples, meta })
}

/// Expands the sample tables into one entry per sample.
fn parse_stbl(stbl: &[u8], file_len: u64) -> Result<(Stsd, Vec<Sample>)> {
    let (mut stsd, mut stts, mut ctts, mut stss, mut stsc, mut stsz, mut stco) =
        (None, None, None, None, None, None, None);
    for b in children(stbl) {
        let b = b?;
        match b.kind {
            FourCC::STSD => stsd = Some(Stsd::read(b.payload)?),
            FourCC::STTS => stts = Some(Stts::read(b.payload)?),
            FourCC::CTTS => ctts = Some(Ctts::read(b.payload)?),
            FourCC::STSS => stss = Some(Stss::read(b.payload)?),
            FourCC::STSC => stsc = Some(Stsc::read(b.payload)?),
            FourCC::STSZ => stsz = Some(Stsz::read(b.payload)?),
            FourCC::STZ2 => stsz = Some(Stsz::read_compact(b.payload)?),
            FourCC::STCO => stco = Some(ChunkOffsets::read(b.payload)?),
            FourCC::CO64 => stco = Some(ChunkOffsets::read_co64(b.payload)?),
            _ => {}
        }
    }
    let stsd = need(stsd, "stsd")?;
    let stts = stts.unwrap_or_default();
    let stsc = stsc.unwrap_or_default();
    let stsz = stsz.unwrap_or_default();
    let stco = stco.unwrap_or_default();
    let count = stsz.count as usize;
    limits::check("sample count", count as u64, limits::MAX_SAMPLES)?;

    let stts_total: u64 = stts.entries.iter().map(|&(n, _)| u64::from(n)).sum();
    if stts_total < count as u64 {
        return Err(Error::invalid("stts", format!("covers {stts_total} samples but stsz has {count}")));
    }

    let mut samples = Vec::with_capacity(count);
    // Offsets: walk chunks with the stsc runs.
    let chunks = stco.offsets.len();
    let mut sample_no = 0usize;
    for (i, e) in stsc.entries.iter().enumerate() {
        if e.first_chunk == 0 || e.samples_per_chunk == 0 {
            return Err(Error::invalid("stsc", "zero first_chunk or samples_per_chunk"));
        }
        let first = e.first_chunk as usize - 1;
        let last = match stsc.entries.get(i + 1) {
            Some(n) => (n.first_chunk as usize).saturating_sub(1).min(chunks),
            None => chunks,
        };
        for chunk in first..last.max(first) {
            let Some(&chunk_off) = stco.offsets.get(chunk) else {
                break;
            };
            let mut off = chunk_off;
            for _ in 0..e.samples_per_chunk {
                if sample_no >= count {
                    break;
                }
                let size = stsz.size_of(sample_no);
                limits::check("sample size", u64::from(size), limits::MAX_SAMPLE_BYTES)?;
                let end = off.checked_add(u64::from(size)).filter(|&end| end <= file_len);
                if end.is_none() {
                    return Err(Error::invalid(
                        "sample table",
                        format!("sample {} lies past the end of the file", sample_no + 1),
                    ));
                }
                samples.push(Sample {
                    offset: off,
                    size,
                    dts: 0,
                    duration: 0,
                    cts_offset: 0,
                    sync: stss.is_none(),
                    description: e.sample_description_index,
                });
                off += u64::from(size);
                sample_no += 1;
            }
        }
    }
    if samples.len() != count {
        return Err(Error::invalid(
            "sample table",
            format!("chunks hold {} samples but stsz lists {count}", samples.len()),
        ));
    }
    // Timing.
    let mut it = samples.iter_mut();
    let mut dts = 0u64;
    'outer: for &(n, delta) in &stts.entries {
        for _ in 0..n {
            let Some(s) = it.next() else { break 'outer };
            s.dts = dts;
            s.duration = delta;
            dts += u64::from(delta);
        }
    }
    if let Some(ctts) = ctts {
        let mut it = samples.iter_mut();
        'c: for &(n, off) in &ctts.entries {
            for _ in 0..n {
                let Some(s) = it.next() else { break 'c };
                s.cts_offset = off;
            }
        }
    }
    if let Some(stss) = stss {
        for n in stss.samples {
            if let Some(s) = samples.get_mut((n as usize).wrapping_sub(1)) {
                s.sync = true;
            }
        }
    }
    Ok((stsd, samples))
}
