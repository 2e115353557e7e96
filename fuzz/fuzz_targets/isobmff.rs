//! ISO-BMFF / QuickTime: box scan, moov parse, sample tables, Live fields.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let src: &[u8] = data;
    if let Ok(m) = vivify::bmff::movie::Movie::parse(&src) {
        let _ = vivify::package::live::live_info(&m);
        for t in &m.tracks {
            let _ = t.mebx_keys();
            let _ = t.movie_seconds(0, m.mvhd.timescale);
            let _ = t.presentation_order();
            // Codec configuration records and PCM layouts read from the file.
            let _ = vivify::codec::VideoDecoder::for_track(t);
            let _ = vivify::codec::color::color_info(t, true);
            if let Some(e) = t.stsd.entries.first() {
                let _ = vivify::bmff::boxes::Esds::from_sample_entry(e.payload());
            }
            if let Some(e) = t.stsd.entries.first() {
                if let Ok(f) = vivify::audio::pcm_format(e) {
                    let _ = vivify::audio::to_planar(&f, &data[..data.len().min(4096)]);
                }
            }
        }
    }
});
