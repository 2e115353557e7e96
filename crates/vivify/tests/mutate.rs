//! Feeds thousands of mutated real files to every parser: none may panic.
//! Deterministic (a fixed xorshift seed), so a failure reproduces.

mod common;

use common::{fixtures, sample, Rng};
use vivify::bmff::movie::Movie;
use vivify::heic::Heif;
use vivify::jpeg::makernote::AppleMakerNote;
use vivify::jpeg::tiff::Exif;
use vivify::jpeg::Jpeg;
use vivify::sef::Sef;
use vivify::xmp::Xmp;

const ROUNDS: usize = 10_000;

/// Mutates `base` in one of several ways: flip bytes, overwrite a 32-bit
/// field with a boundary value, truncate, duplicate or delete a range.
/// `hot` (start, len) concentrates mutations on the structural part.
fn mutate(base: &[u8], hot: (usize, usize), rng: &mut Rng) -> Vec<u8> {
    let mut d = base.to_vec();
    let pick = |rng: &mut Rng, d: &Vec<u8>| {
        if rng.below(4) > 0 && hot.1 > 0 {
            (hot.0 + rng.below(hot.1)).min(d.len().saturating_sub(1))
        } else {
            rng.below(d.len())
        }
    };
    for _ in 0..1 + rng.below(4) {
        if d.is_empty() {
            break;
        }
        match rng.below(6) {
            0 => {
                let i = pick(rng, &d);
                d[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = pick(rng, &d);
                d[i] = rng.next() as u8;
            }
            2 => {
                let i = pick(rng, &d).min(d.len().saturating_sub(4));
                let v: u32 = [0, 1, 7, 8, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000][rng.below(9)];
                if i + 4 <= d.len() {
                    d[i..i + 4].copy_from_slice(&v.to_be_bytes());
                }
            }
            3 => {
                let n = rng.below(d.len());
                d.truncate(n);
            }
            4 => {
                let i = pick(rng, &d);
                let n = rng.below(64).min(d.len() - i);
                let chunk = d[i..i + n].to_vec();
                let at = rng.below(d.len());
                d.splice(at..at, chunk);
            }
            _ => {
                let i = pick(rng, &d);
                let n = rng.below(32).min(d.len() - i);
                d.drain(i..i + n);
            }
        }
    }
    d
}

/// Runs the rounds; `parse` returns true when the mutant still parsed, and
/// some must (else the mutations only ever hit the first check).
fn run(name: &str, base: &[u8], hot: (usize, usize), seed: u64, parse: impl Fn(&[u8]) -> bool) {
    let mut rng = Rng(seed);
    let mut parsed = 0usize;
    for round in 0..ROUNDS {
        let m = mutate(base, hot, &mut rng);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse(&m)));
        assert!(r.is_ok(), "{name}: round {round} (seed {seed}) panicked");
        parsed += usize::from(r.unwrap_or(false));
    }
    eprintln!("{name}: {ROUNDS} mutants, {parsed} still parsed");
    assert!(
        parsed > ROUNDS / 20 && parsed < ROUNDS,
        "{name}: {parsed} of {ROUNDS} parsed; the mutations are not exercising the parser"
    );
}

/// The moov of a small MP4 plus a moov-bearing MOV header, with media cut
/// out so each round stays cheap.
fn movie_base(path: &std::path::Path) -> (Vec<u8>, (usize, usize)) {
    let d = std::fs::read(path).expect("read");
    let src: &[u8] = &d;
    let scan = vivify::bmff::scan::scan(&src).expect("scan");
    let moov = scan.first(vivify::bmff::FourCC::MOOV).expect("moov");
    (d.clone(), (moov.offset as usize, moov.size as usize))
}

#[test]
fn isobmff_movie_parser_survives_mutations() {
    let (base, hot) = movie_base(&fixtures().join("h264_aac.mp4"));
    run("mp4", &base, hot, 0x9E37_79B9_7F4A_7C15, |d| {
        let s: &[u8] = d;
        let Ok(m) = Movie::parse(&s) else {
            return false;
        };
        let _ = vivify::package::live::live_info(&m);
        for t in &m.tracks {
            let _ = t.mebx_keys();
            let _ = t.movie_seconds(0, m.mvhd.timescale);
            let _ = vivify::codec::VideoDecoder::for_track(t);
            let _ = vivify::codec::color::color_info(t, true);
            if let Some(e) = t.stsd.entries.first() {
                let _ = vivify::bmff::boxes::Esds::from_sample_entry(e.payload());
            }
            if let Some(Ok(f)) = t.stsd.entries.first().map(vivify::audio::pcm_format) {
                let _ = vivify::audio::to_planar(&f, &d[..d.len().min(4096)]);
            }
        }
        true
    });
    let (base, hot) = movie_base(&sample("apple_iphone15plus_ios18.2_IMG_3853.MOV"));
    run("mov", &base, hot, 0x1234_5678_9ABC_DEF1, |d| {
        let s: &[u8] = d;
        let Ok(m) = Movie::parse(&s) else {
            return false;
        };
        let _ = vivify::package::live::live_info(&m);
        for t in &m.tracks {
            let _ = vivify::codec::VideoDecoder::for_track(t);
            let _ = vivify::codec::color::color_info(t, true);
            if let Some(e) = t.stsd.entries.first() {
                let _ = vivify::bmff::boxes::Esds::from_sample_entry(e.payload());
            }
            if let Some(Ok(f)) = t.stsd.entries.first().map(vivify::audio::pcm_format) {
                let _ = vivify::audio::to_planar(&f, &d[..d.len().min(4096)]);
            }
        }
        true
    });
}

#[test]
fn jpeg_exif_makernote_parsers_survive_mutations() {
    let base = std::fs::read(sample("exiftool_Apple_iphone7_makernote.jpg")).expect("read");
    run("jpeg", &base, (0, base.len()), 0xDEAD_BEEF_CAFE_F00D, |d| {
        let Ok(j) = Jpeg::parse(d) else { return false };
        {
            let _ = j.extended_xmp();
            let _ = vivify::jpeg::edit::mpf_extent_after_eoi(&j);
            if let Some(e) = j.exif().and_then(|t| Exif::parse(t).ok()) {
                let _ = e.to_bytes();
                if let Some(n) = e.maker_note() {
                    if let Ok(n) = AppleMakerNote::parse(n) {
                        let _ = n.to_bytes();
                    }
                }
            }
            let _ = vivify::package::motion::locate_jpeg(d, &j);
        }
        true
    });
}

#[test]
fn xmp_parser_survives_mutations() {
    let fields = vivify::xmp::MotionPhotoFields {
        timestamp_us: 1,
        primary_mime: "image/jpeg",
        primary_padding: 0,
        video_length: 9,
        video_padding: 0,
    };
    let base = vivify::xmp::motion_photo_packet(&fields).into_bytes();
    run("xmp", &base, (0, base.len()), 0x0BAD_5EED_0BAD_5EED, |d| {
        let s = String::from_utf8_lossy(d);
        let _ = vivify::xmp::merge_motion_photo(Some(&s), &fields);
        let _ = vivify::xmp::strip_motion_photo(&s);
        let Ok(x) = Xmp::parse(d) else { return false };
        x.camera_i64("MotionPhotoPresentationTimestampUs").is_some()
    });
}

#[test]
fn heif_item_parser_survives_mutations() {
    let d = std::fs::read(sample("apple_iphone11pro_ios13.4.1_IMG_2927.HEIC")).expect("read");
    let src: &[u8] = &d;
    let meta = *vivify::bmff::scan::scan(&src).expect("scan").first(vivify::bmff::FourCC::META).expect("meta");
    // Keep the structure and the Exif; drop most image data for speed.
    let keep = (meta.end() as usize + 64 * 1024).min(d.len());
    let base = d[..keep].to_vec();
    run("heif", &base, (meta.offset as usize, meta.size as usize), 0x5151_5151_2323_2323, |d| {
        let s: &[u8] = d;
        let Ok(h) = Heif::parse(&s) else { return false };
        let _ = h.xmp(&s);
        let _ = h.primary_size();
        let _ = vivify::package::motion::locate_heic(&s, &h, None);
        // The picture layout (grid, tiles, properties) without decoding tiles.
        if let Ok(l) = vivify::picture::heic_image::primary_layout(&s, &h) {
            assert!(l.tile_count() >= 1);
        }
        let _ = vivify::picture::heic_image::primary_transforms(&h);
        h.exif(&s).is_ok_and(|e| e.is_some_and(|t| Exif::parse(&t).is_ok()))
    });
}

#[test]
fn sef_parser_survives_mutations() {
    let (mut base, tail) = vivify::sef::jpeg_trailer(40);
    base.extend_from_slice(&[0u8; 40]);
    base.extend_from_slice(&tail);
    let mut heic = vivify::sef::heic_sefd_payload(1000, 5000);
    heic.extend_from_slice(&base);
    run("sef", &base, (0, base.len()), 0xABCD_EF01_2345_6789, |d| Sef::parse(d).is_ok_and(|s| s.is_some()));
    run("sef-heic", &heic, (0, heic.len()), 0x1111_2222_3333_4444, |d| Sef::parse(d).is_ok_and(|s| s.is_some()));
}

#[test]
fn photo_decoders_survive_mutations() {
    use vivify::picture::photo::Photo;
    // A real phone JPEG (8×8, with an Apple MakerNote) and a small PNG.
    let jpeg = std::fs::read(sample("exiftool_Apple_iphone7_makernote.jpg")).expect("read");
    run("photo jpeg", &jpeg, (0, jpeg.len()), 0x1234_5678_9ABC_DEF1, |d| Photo::decode(d.to_vec()).is_ok());
    let img = vivify::picture::image::Rgb {
        width: 24,
        height: 16,
        data: (0..24 * 16 * 3).map(|i| (i * 7 % 251) as u8).collect(),
    };
    let png = vivify::alive::explain::png_bytes(&img).expect("png");
    // PNG chunks carry CRCs: they are recomputed after mutating, so the
    // mutants reach the chunk and image decoding instead of the CRC check.
    run("photo png", &png, (8, png.len() - 8), 0x0F0F_1234_5678_ABCD, |d| Photo::decode(fix_png_crcs(d)).is_ok());
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

/// Rewrites every complete chunk's CRC.
fn fix_png_crcs(d: &[u8]) -> Vec<u8> {
    let mut out = d.to_vec();
    let mut at = 8;
    while at + 12 <= out.len() {
        let len = u32::from_be_bytes([out[at], out[at + 1], out[at + 2], out[at + 3]]) as usize;
        let end = at + 8 + len;
        if end + 4 > out.len() {
            break;
        }
        let crc = crc32(&out[at + 4..end]);
        out[end..end + 4].copy_from_slice(&crc.to_be_bytes());
        at = end + 4;
    }
    out
}

#[test]
fn prompt_grammar_survives_mutations() {
    let base =
        "Clouds drift left slowly, the sky turns to golden hour; no camera motion, snow and waves — très rêveur 🌅";
    let mut rng = Rng(0x005E_ED0F_F00D);
    for round in 0..ROUNDS {
        let mut chars: Vec<char> = base.chars().collect();
        for _ in 0..1 + rng.below(6) {
            let i = rng.below(chars.len().max(1));
            match rng.below(4) {
                0 if !chars.is_empty() => {
                    chars.remove(i.min(chars.len() - 1));
                }
                1 => chars
                    .insert(i.min(chars.len()), char::from_u32(rng.next() as u32 % 0x11_0000).unwrap_or('\u{200b}')),
                2 => chars.insert(i.min(chars.len()), ['\u{200b}', '\u{202e}', ',', ' ', 'a', '\''][rng.below(6)]),
                _ => {
                    let j = rng.below(chars.len().max(1));
                    if i < chars.len() && j < chars.len() {
                        chars.swap(i, j);
                    }
                }
            }
        }
        let text: String = chars.into_iter().collect();
        let r = std::panic::catch_unwind(|| vivify::alive::prompt::parse(&text));
        assert!(r.is_ok(), "prompt round {round} panicked on {text:?}");
        // The safety check reads the same text (and a harmful variant of
        // it); the check by meaning (an embedding each, with the text pack)
        // on every hundredth round.
        let mut policy = vivify::safety::Policy::default();
        policy.prompt.meaning = round % 100 == 0;
        for t in [text.clone(), format!("{text} n a k e d")] {
            let r = std::panic::catch_unwind(|| vivify::safety::prompt::check_prompt(&t, Some(1), &policy));
            assert!(r.is_ok(), "safety round {round} panicked on {t:?}");
        }
    }
    // Very long input is cut, not refused.
    let long = "snow ".repeat(100_000);
    let it = vivify::alive::prompt::parse(&long);
    assert!(it.particles.iter().any(|(k, _)| *k == vivify::alive::prompt::ParticleKind::Snow));
}

/// Signed files with their manifest mutated (and the media around it): the
/// Content Credentials reader must say "invalid" or "none", never panic.
#[cfg(feature = "c2pa")]
#[test]
fn content_credentials_reader_survives_mutations() {
    use vivify::provenance::keys;
    use vivify::provenance::verify::{verify_bytes, Status};
    use vivify::provenance::{Claim, Ingredient, Relationship, SourceType};
    const N: usize = 5000;
    let dir = common::temp_dir("mutate-c2pa");
    let files = keys::init(&dir.join("keys"), "tests", false).expect("keys");
    let signing = vivify::provenance::C2paSeal::signing(
        keys::load(&files.signer_cert, &files.signer_key, keys::now_unix()).expect("load"),
    );
    let anchors = vec![std::fs::read(&files.root_cert).expect("root")];
    for (name, path, mime, seed) in [
        ("signed mp4", fixtures().join("h264_aac.mp4"), "video/mp4", 0x5151_0001u64),
        ("signed jpeg", fixtures().join("photos/temple.jpg"), "image/jpeg", 0x5151_0002),
    ] {
        let ingredient = Ingredient::new(&path, None, Relationship::ParentOf).expect("ingredient");
        let claim = Claim::derived(ingredient, Some(SourceType::DigitalCapture), &[("c2pa.edited", "test".into())]);
        let base = signing.sign_bytes(std::fs::read(&path).expect("read"), mime, name, &claim).expect("sign");
        // The manifest store: the C2PA uuid box, or the APP11 segments.
        let hot = match base.windows(4).position(|w| w == b"jumb") {
            Some(at) => (at.saturating_sub(64), 16 << 10),
            None => (0, 4096),
        };
        let mut rng = Rng(seed);
        let (mut valid, mut invalid) = (0usize, 0usize);
        for round in 0..N {
            let m = mutate(&base, hot, &mut rng);
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                verify_bytes(std::path::Path::new(name), &m, &anchors)
            }));
            let Ok(r) = r else { panic!("{name}: round {round} (seed {seed}) panicked") };
            match r.map(|r| r.status) {
                Ok(Status::Trusted | Status::Valid) => valid += 1,
                Ok(Status::Invalid) => invalid += 1,
                _ => {}
            }
        }
        eprintln!("{name}: {N} mutants, {valid} still valid, {invalid} invalid");
        assert!(invalid > N / 4, "{name}: only {invalid} of {N} mutants were found invalid");
    }
}

/// The shipped safety policy, mutated: parsed or refused with the file's
/// name, never a panic.
#[test]
fn safety_policy_parser_survives_mutations() {
    let base = vivify::safety::policy::DEFAULT_POLICY.as_bytes();
    let hot = (0, base.len());
    run("policy", base, hot, 0x00B0_11C7, |m| {
        let text = String::from_utf8_lossy(m);
        match vivify::safety::Policy::parse(&text, std::path::Path::new("/mutant.toml")) {
            Ok(p) => {
                for c in vivify::safety::Category::ALL {
                    let _ = p.decision(c);
                }
                true
            }
            Err(e) => {
                assert!(e.to_string().contains("/mutant.toml"), "{e}");
                false
            }
        }
    });
}

#[test]
fn tflite_model_reader_survives_mutations() {
    // The smallest model of the face pack (installed by
    // scripts/install-model-packs; required in CI).
    let Ok(pack) = vivify::models::packs::open(&vivify::models::packs::FACE) else {
        assert!(std::env::var("VIVIFY_REQUIRE_TOOLS").ok().as_deref() != Some("1"), "the face pack is required");
        common::skipped("face pack not installed; the TFLite reader was not fed mutants");
        return;
    };
    let base = std::fs::read(pack.file("face_detection_short_range.tflite").expect("file")).expect("read");
    let parsed = std::cell::Cell::new(0usize);
    run("tflite", &base, (0, base.len()), 0x7F1E_7F1E_0015_0015, |d| {
        let Ok(m) = vivify::models::tflite::Model::from_bytes("mutant", d) else { return false };
        parsed.set(parsed.get() + 1);
        // Every 50th mutant that still reads is also run (a run costs what
        // a thousand reads do): it must fail cleanly or finish.
        if parsed.get().is_multiple_of(50) && m.work() < 200_000_000 {
            if let Some(shape) = m.input_shape(0) {
                let n: usize = shape.iter().product();
                if n <= 1 << 20 {
                    let _ = m.run(&[&vec![0.25f32; n]]);
                }
            }
        }
        true
    });
}

#[test]
fn tokenizer_reader_survives_mutations() {
    // The text pack's tokenizer.json with its vocabulary cut to its first
    // 300 entries (so each round stays cheap), else a small one of ours.
    let base = match vivify::models::packs::open(&vivify::models::packs::TEXT) {
        Ok(pack) => {
            let text = std::fs::read(pack.file("tokenizer.json").expect("file")).expect("read");
            let mut j: serde_json::Value = serde_json::from_slice(&text).expect("json");
            let vocab = j["model"]["vocab"].as_object().expect("vocab").clone();
            let kept: serde_json::Map<String, serde_json::Value> = vocab.into_iter().take(300).collect();
            j["model"]["vocab"] = serde_json::Value::Object(kept);
            serde_json::to_vec(&j).expect("json")
        }
        Err(_) => {
            // Without the pack: the same shape, a vocabulary of our own.
            let mut vocab = serde_json::Map::new();
            for (i, w) in ["[PAD]", "[UNK]", "[CLS]", "[SEP]"].iter().enumerate() {
                vocab.insert((*w).into(), i.into());
            }
            for i in 0..300 {
                vocab.insert(if i % 3 == 0 { format!("##p{i}") } else { format!("word{i}") }, (i + 4).into());
            }
            let j = serde_json::json!({"model": {"type": "WordPiece", "continuing_subword_prefix": "##",
                "unk_token": "[UNK]", "max_input_chars_per_word": 100, "vocab": vocab},
                "truncation": {"max_length": 16}});
            serde_json::to_vec(&j).expect("json")
        }
    };
    // Most mutations land in the vocabulary (where a file's content is);
    // the rest anywhere.
    let vocab_at = base.windows(7).position(|w| w == b"\"vocab\"").unwrap_or(0);
    run("tokenizer", &base, (vocab_at, base.len() - vocab_at), 0x70CE_0000_0015_0015, |d| {
        let Ok(t) = vivify::models::text::wordpiece::WordPiece::from_json(d) else { return false };
        let ids = t.encode("Clouds drift over the café at dusk — ¡sí! 北京");
        ids.len() >= 2
    });
}

#[test]
fn safetensors_reader_survives_mutations() {
    // A small weights file of the sentence model's kind: three tensors.
    let header = serde_json::json!({
        "__metadata__": {"format": "pt"},
        "embeddings.LayerNorm.bias": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
        "embeddings.LayerNorm.weight": {"dtype": "F32", "shape": [4], "data_offsets": [16, 32]},
        "encoder.layer.0.attention.self.query.weight": {"dtype": "F32", "shape": [2, 4], "data_offsets": [32, 64]},
    })
    .to_string();
    let mut base = (header.len() as u64).to_le_bytes().to_vec();
    base.extend_from_slice(header.as_bytes());
    base.extend((0..16).flat_map(|i| (i as f32 * 0.25).to_le_bytes()));
    run("safetensors", &base, (0, base.len()), 0x5AFE_7E45_0000_0015, |d| {
        let Ok(t) = vivify::models::text::minilm::tensors(d) else { return false };
        t.values().all(|v| v.len() * 4 <= d.len())
    });
}

#[test]
fn vector_bank_reader_survives_mutations() {
    // The concept bank alive ships (prompts by meaning).
    let bank = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../alive/data/concepts.bank");
    let base = std::fs::read(bank).expect("bank");
    run("vector bank", &base, (0, 400), 0xBA4C_0000_0000_0015, |d| {
        let Ok(b) = vivify::models::text::bank::Bank::from_bytes(d) else { return false };
        b.labels.len() * (6 + b.dims) <= d.len()
    });
}
