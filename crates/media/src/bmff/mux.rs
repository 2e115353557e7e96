//! Writes a new MP4 or QuickTime movie from samples that live in one or more
//! sources (input files, or in-memory buffers holding freshly encoded frames).
//! Sample bytes are copied, never re-encoded, so a remux is lossless.

use super::boxes::*;
use super::movie::TrackKind;
use super::{write_box, write_full_box, Atom, FourCC};
use crate::bytes::PutBe;
use crate::error::{Error, Result};
use crate::sink::Sink;
use crate::source::ReadAt;

/// Which family of file to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Brand {
    /// QuickTime `.mov` (`ftyp qt  `, QuickTime-style handlers), as iPhones write.
    QuickTime,
    /// ISO `.mp4`, as Motion Photos carry.
    Mp4,
}

/// One sample to write: where its bytes are and how it is timed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutSample {
    /// Index into the `sources` given to [`write_movie`].
    pub src: usize,
    pub offset: u64,
    pub size: u32,
    pub duration: u32,
    pub cts_offset: i32,
    pub sync: bool,
}

/// One track to write.
#[derive(Clone, Debug)]
pub struct OutTrack {
    pub kind: TrackKind,
    pub timescale: u32,
    pub language: u16,
    pub entries: Vec<SampleEntry>,
    pub samples: Vec<OutSample>,
    /// Edit list in the movie timescale; empty means "play the media as is".
    pub edits: Vec<EditEntry>,
    pub matrix: Matrix,
    /// Presentation size in pixels (0 for non-visual tracks).
    pub width: u32,
    pub height: u32,
    pub enabled: bool,
    /// References to other tracks by their index in [`OutMovie::tracks`].
    pub tref: Vec<(FourCC, Vec<usize>)>,
    pub meta: Option<QtMeta>,
}

impl OutTrack {
    /// A track with sensible defaults for `kind`.
    pub fn new(kind: TrackKind, timescale: u32, entries: Vec<SampleEntry>) -> Self {
        OutTrack {
            kind,
            timescale,
            language: 0x55C4,
            entries,
            samples: Vec::new(),
            edits: Vec::new(),
            matrix: Matrix::IDENTITY,
            width: 0,
            height: 0,
            enabled: true,
            tref: Vec::new(),
            meta: None,
        }
    }

    fn media_duration(&self) -> u64 {
        self.samples.iter().map(|s| u64::from(s.duration)).sum()
    }

    /// Duration in the movie timescale.
    fn movie_duration(&self, movie_ts: u32) -> u64 {
        if self.edits.is_empty() {
            scale(self.media_duration(), self.timescale, movie_ts)
        } else {
            self.edits.iter().map(|e| e.segment_duration).sum()
        }
    }
}

/// A movie to write.
#[derive(Clone, Debug)]
pub struct OutMovie {
    pub brand: Brand,
    /// Put `moov` before `mdat` (streamable MP4) instead of after (iPhone MOV).
    pub moov_first: bool,
    pub timescale: u32,
    /// Seconds since 1904-01-01 (the QuickTime epoch).
    pub creation_time: u64,
    pub tracks: Vec<OutTrack>,
    pub meta: Option<QtMeta>,
    /// An XMP packet for `moov/udta/XMP_` (where ExifTool and Adobe look in
    /// both MP4 and QuickTime files).
    pub xmp: Option<Vec<u8>>,
}

/// Rescales `v` from timescale `from` to `to`, rounding to nearest.
pub fn scale(v: u64, from: u32, to: u32) -> u64 {
    if from == to || from == 0 {
        return v;
    }
    ((u128::from(v) * u128::from(to) + u128::from(from) / 2) / u128::from(from)) as u64
}

/// Seconds between 1904-01-01 and 1970-01-01.
pub const QT_EPOCH_OFFSET: u64 = 2_082_844_800;

/// A run of consecutive samples of one track stored together.
struct Chunk {
    track: usize,
    first: usize,
    count: usize,
}

/// Groups samples into interleaved chunks of about half a second each.
fn plan_chunks(tracks: &[OutTrack]) -> Vec<Chunk> {
    let mut next = vec![0usize; tracks.len()];
    let mut dts = vec![0u64; tracks.len()];
    let mut chunks = Vec::new();
    let mut slice_end = 0.5f64;
    loop {
        let mut any_left = false;
        for (t, tr) in tracks.iter().enumerate() {
            let first = next[t];
            while next[t] < tr.samples.len() && (dts[t] as f64 / f64::from(tr.timescale.max(1))) < slice_end {
                dts[t] += u64::from(tr.samples[next[t]].duration);
                next[t] += 1;
            }
            if next[t] > first {
                chunks.push(Chunk { track: t, first, count: next[t] - first });
            }
            any_left |= next[t] < tr.samples.len();
        }
        if !any_left {
            break;
        }
        slice_end += 0.5;
    }
    chunks
}

/// A movie laid out and ready to write: its size is known before any sample
/// is read, so containers around it (an `mpvd` box, a Motion Photo's XMP
/// Length) can be written first and the samples streamed after.
pub struct PreparedMovie<'m> {
    movie: &'m OutMovie,
    chunks: Vec<Chunk>,
    /// `ftyp` (+ `wide`) (+ `moov` when it goes first) + the mdat header.
    head: Vec<u8>,
    payload: u64,
    /// `moov` when it goes last.
    tail: Vec<u8>,
}

impl PreparedMovie<'_> {
    /// Total bytes [`PreparedMovie::write_to`] will write.
    pub fn len(&self) -> u64 {
        self.head.len() as u64 + self.payload + self.tail.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the movie, copying sample bytes from `sources`.
    pub fn write_to(&self, sources: &[&dyn ReadAt], out: &mut dyn Sink) -> Result<u64> {
        out.write_all(&self.head)?;
        let copied = copy_samples(self.movie, &self.chunks, sources, out)?;
        out.write_all(&self.tail)?;
        Ok(self.head.len() as u64 + copied + self.tail.len() as u64)
    }
}

/// Checks the samples against `sources` and lays the movie out.
pub fn prepare<'m>(movie: &'m OutMovie, sources: &[&dyn ReadAt]) -> Result<PreparedMovie<'m>> {
    for t in &movie.tracks {
        for s in &t.samples {
            let src =
                sources.get(s.src).ok_or_else(|| Error::Param(format!("sample source {} does not exist", s.src)))?;
            if s.offset.checked_add(u64::from(s.size)).is_none_or(|e| e > src.len()) {
                return Err(Error::invalid(
                    "sample",
                    format!("{} bytes at {} run past the end of the source", s.size, s.offset),
                ));
            }
        }
    }
    let chunks = plan_chunks(&movie.tracks);
    let payload: u64 = movie.tracks.iter().flat_map(|t| &t.samples).map(|s| u64::from(s.size)).sum();
    let mdat_header: u64 = if payload + 8 > u64::from(u32::MAX) { 16 } else { 8 };
    let mut head = Vec::new();
    write_ftyp(movie, &mut head);
    if movie.brand == Brand::QuickTime {
        write_box(&mut head, FourCC::WIDE, |_| {});
    }
    let mut tail = Vec::new();
    // Chunk offsets depend on where mdat starts, which (with moov first)
    // depends on the size of moov; moov's size does not depend on the offset
    // values as long as the stco/co64 choice is stable, so a few passes settle.
    if movie.moov_first {
        let probe = build_moov(movie, &chunks, head.len() as u64 + mdat_header + (1 << 32))?;
        let guess = head.len() as u64 + probe.len() as u64 + mdat_header;
        let moov = build_moov(movie, &chunks, guess)?;
        let start = head.len() as u64 + moov.len() as u64 + mdat_header;
        let moov = build_moov(movie, &chunks, start)?;
        head.extend_from_slice(&moov);
    } else {
        tail = build_moov(movie, &chunks, head.len() as u64 + mdat_header)?;
    }
    if mdat_header == 16 {
        head.extend_from_slice(&1u32.to_be_bytes());
        head.extend_from_slice(b"mdat");
        head.extend_from_slice(&(payload + 16).to_be_bytes());
    } else {
        head.extend_from_slice(&((payload + 8) as u32).to_be_bytes());
        head.extend_from_slice(b"mdat");
    }
    Ok(PreparedMovie { movie, chunks, head, payload, tail })
}

/// Writes `movie` to `out`, copying sample bytes from `sources`. Returns the
/// number of bytes written.
pub fn write_movie(movie: &OutMovie, sources: &[&dyn ReadAt], out: &mut dyn Sink) -> Result<u64> {
    prepare(movie, sources)?.write_to(sources, out)
}

fn write_ftyp(movie: &OutMovie, out: &mut Vec<u8>) {
    let ftyp = match movie.brand {
        Brand::QuickTime => Ftyp { major: FourCC::QT, minor: 0, compatible: vec![FourCC::QT] },
        Brand::Mp4 => {
            Ftyp { major: FourCC::ISOM, minor: 0x200, compatible: vec![FourCC::ISOM, FourCC::ISO2, FourCC::MP41] }
        }
    };
    ftyp.write(out);
}

/// Copies sample bytes in chunk order, merging reads of adjacent bytes.
/// Copies `samples` in order to `out`, merging samples that sit back to back
/// in one source into one range copy (when both ends are files the copy never
/// leaves the kernel). Returns the bytes copied.
pub fn copy_sample_runs<'s>(
    samples: impl IntoIterator<Item = &'s OutSample>,
    sources: &[&dyn ReadAt],
    out: &mut dyn Sink,
) -> Result<u64> {
    const MAX_RUN: u64 = 64 << 20;
    let mut total = 0u64;
    let mut run: Option<(usize, u64, u64)> = None;
    let mut flush = |run: (usize, u64, u64), out: &mut dyn Sink| -> Result<()> {
        let (src, off, len) = run;
        let source = sources.get(src).ok_or_else(|| Error::Param(format!("sample source {src} does not exist")))?;
        out.copy_range(*source, off, len)?;
        total += len;
        Ok(())
    };
    for s in samples {
        match run.as_mut() {
            Some((src, off, len))
                if *src == s.src && *off + *len == s.offset && *len + u64::from(s.size) <= MAX_RUN =>
            {
                *len += u64::from(s.size);
            }
            _ => {
                if let Some(r) = run.replace((s.src, s.offset, u64::from(s.size))) {
                    flush(r, out)?;
                }
            }
        }
    }
    if let Some(r) = run {
        flush(r, out)?;
    }
    Ok(total)
}

fn copy_samples(movie: &OutMovie, chunks: &[Chunk], sources: &[&dyn ReadAt], out: &mut dyn Sink) -> Result<u64> {
    let in_chunk_order = chunks.iter().flat_map(|c| &movie.tracks[c.track].samples[c.first..c.first + c.count]);
    copy_sample_runs(in_chunk_order, sources, out)
}

fn build_moov(movie: &OutMovie, chunks: &[Chunk], mdat_start: u64) -> Result<Vec<u8>> {
    // Offsets of every chunk, per track.
    let mut offsets: Vec<Vec<u64>> = vec![Vec::new(); movie.tracks.len()];
    let mut spc: Vec<Vec<u32>> = vec![Vec::new(); movie.tracks.len()];
    let mut pos = mdat_start;
    for c in chunks {
        offsets[c.track].push(pos);
        spc[c.track].push(c.count as u32);
        pos += movie.tracks[c.track].samples[c.first..c.first + c.count].iter().map(|s| u64::from(s.size)).sum::<u64>();
    }
    let duration = movie.tracks.iter().map(|t| t.movie_duration(movie.timescale)).max().unwrap_or(0);
    let mut moov = Vec::new();
    write_box(&mut moov, FourCC::MOOV, |m| {
        Mvhd {
            creation_time: movie.creation_time,
            modification_time: movie.creation_time,
            timescale: movie.timescale,
            duration,
            next_track_id: movie.tracks.len() as u32 + 1,
        }
        .write(m);
        for (i, t) in movie.tracks.iter().enumerate() {
            write_trak(movie, i, t, &offsets[i], &spc[i], m);
        }
        if let Some(meta) = &movie.meta {
            meta.write(m);
        }
        if let Some(xmp) = &movie.xmp {
            write_box(m, FourCC::UDTA, |u| write_box(u, FourCC::XMP_, |x| x.extend_from_slice(xmp)));
        }
    });
    Ok(moov)
}

fn write_trak(movie: &OutMovie, index: usize, t: &OutTrack, offsets: &[u64], spc: &[u32], out: &mut Vec<u8>) {
    let qt = movie.brand == Brand::QuickTime;
    write_box(out, FourCC::TRAK, |o| {
        Tkhd {
            // QuickTime also sets in-preview and in-poster, as iPhones do on every track.
            flags: if t.enabled { 0x3 } else { 0x2 } | if qt { 0xC } else { 0 },
            creation_time: movie.creation_time,
            modification_time: movie.creation_time,
            track_id: index as u32 + 1,
            duration: t.movie_duration(movie.timescale),
            layer: 0,
            alternate_group: i16::from(t.kind == TrackKind::Audio),
            volume: if t.kind == TrackKind::Audio { 0x100 } else { 0 },
            matrix: t.matrix,
            width: t.width << 16,
            height: t.height << 16,
        }
        .write(o);
        if !t.edits.is_empty() {
            write_box(o, FourCC::EDTS, |e| Elst { entries: t.edits.clone() }.write(e));
        }
        if !t.tref.is_empty() {
            Tref { refs: t.tref.iter().map(|(k, ids)| (*k, ids.iter().map(|&i| i as u32 + 1).collect())).collect() }
                .write(o);
        }
        write_box(o, FourCC::MDIA, |md| {
            Mdhd {
                creation_time: movie.creation_time,
                modification_time: movie.creation_time,
                timescale: t.timescale,
                duration: t.media_duration(),
                language: t.language,
            }
            .write(md);
            let (handler, name) = match (t.kind, qt) {
                (TrackKind::Video, true) => (FourCC::VIDE, "Core Media Video"),
                (TrackKind::Video, false) => (FourCC::VIDE, "VideoHandler"),
                (TrackKind::Audio, true) => (FourCC::SOUN, "Core Media Audio"),
                (TrackKind::Audio, false) => (FourCC::SOUN, "SoundHandler"),
                (_, true) => (FourCC::META, "Core Media Metadata"),
                (_, false) => (FourCC::META, "MetadataHandler"),
            };
            if qt {
                Hdlr::quicktime(FourCC::MHLR, handler, name).write(md);
            } else {
                Hdlr::iso(handler, name).write(md);
            }
            write_box(md, FourCC::MINF, |mi| {
                write_media_header(t.kind, qt, mi);
                if qt {
                    Hdlr::quicktime(FourCC::DHLR, FourCC::ALIS, "Core Media Data Handler").write(mi);
                }
                write_box(mi, FourCC::DINF, |d| {
                    write_full_box(d, FourCC::DREF, 0, 0, |r| {
                        r.put_u32(1);
                        write_full_box(r, if qt { FourCC::ALIS } else { FourCC::URL }, 0, 1, |_| {});
                    });
                });
                write_stbl(t, offsets, spc, mi);
            });
        });
        if let Some(meta) = &t.meta {
            meta.write(o);
        }
    });
}

fn write_media_header(kind: TrackKind, qt: bool, out: &mut Vec<u8>) {
    match kind {
        TrackKind::Video => write_full_box(out, FourCC::VMHD, 0, 1, |v| v.extend_from_slice(&[0; 8])),
        TrackKind::Audio => write_full_box(out, FourCC::SMHD, 0, 0, |v| v.extend_from_slice(&[0; 4])),
        _ if qt => write_box(out, FourCC::GMHD, |g| {
            write_full_box(g, FourCC::GMIN, 0, 0, |v| {
                v.put_u16(0x40);
                for _ in 0..3 {
                    v.put_u16(0x8000);
                }
                v.put_u32(0);
            });
        }),
        _ => write_full_box(out, FourCC::NMHD, 0, 0, |_| {}),
    }
}

fn write_stbl(t: &OutTrack, offsets: &[u64], spc: &[u32], out: &mut Vec<u8>) {
    write_box(out, FourCC::STBL, |s| {
        Stsd { entries: t.entries.clone() }.write(s);
        Stts::from_durations(t.samples.iter().map(|x| x.duration)).write(s);
        if t.samples.iter().any(|x| x.cts_offset != 0) {
            Ctts::from_offsets(t.samples.iter().map(|x| x.cts_offset)).write(s);
        }
        if t.samples.iter().any(|x| !x.sync) {
            Stss { samples: (1..=t.samples.len() as u32).filter(|&n| t.samples[n as usize - 1].sync).collect() }
                .write(s);
        }
        let mut stsc = Stsc::default();
        for (i, &n) in spc.iter().enumerate() {
            if stsc.entries.last().is_none_or(|e| e.samples_per_chunk != n) {
                stsc.entries.push(StscEntry {
                    first_chunk: i as u32 + 1,
                    samples_per_chunk: n,
                    sample_description_index: 1,
                });
            }
        }
        stsc.write(s);
        let sizes: Vec<u32> = t.samples.iter().map(|x| x.size).collect();
        let constant = match sizes.first() {
            Some(&f) if sizes.iter().all(|&z| z == f) => f,
            _ => 0,
        };
        Stsz { constant, count: sizes.len() as u32, sizes: if constant == 0 { sizes } else { Vec::new() } }.write(s);
        ChunkOffsets { offsets: offsets.to_vec() }.write_any(s);
    });
}
