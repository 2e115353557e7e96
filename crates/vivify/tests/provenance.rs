//! Provenance on every kind of output: XMP source type (read by ExifTool),
//! signed C2PA manifests (read by our `verify` and by c2pa-python), tamper
//! detection, ingredients, and the Live Photo pairing surviving signing.
#![cfg(feature = "c2pa")]

mod common;

use std::path::{Path, PathBuf};

use vivify::alive::{make, AliveOptions, SizeSpec};
use vivify::livevideo::{make_live, LiveOptions};
use vivify::provenance::keys::{self, IdentityFiles};
use vivify::provenance::verify::{verify, Status};
use vivify::provenance::{Claim, Ingredient, Relationship, Signing, SourceType};
use vivify::Quiet;

const COMPOSITE: &str = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeSynthetic";
const CAPTURE: &str = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture";

fn identity(dir: &Path) -> (IdentityFiles, Signing) {
    let files = keys::init(&dir.join("keys"), "tests", false).expect("keys init");
    let creds = keys::load(&files.signer_cert, &files.signer_key, keys::now_unix()).expect("load");
    (files, vivify::provenance::C2paSeal::signing(creds))
}

fn photo(name: &str) -> PathBuf {
    common::fixtures().join("photos").join(name)
}

fn read_root(files: &IdentityFiles) -> Vec<Vec<u8>> {
    vec![std::fs::read(&files.root_cert).expect("root")]
}

/// Our verdict and the outside one agree that `f` is trusted and says `dst`.
fn assert_trusted(f: &Path, files: &IdentityFiles, dst: Option<&str>) {
    let r = verify(f, &read_root(files)).expect("verify");
    assert_eq!(r.status, Status::Trusted, "{}: {}", f.display(), r.verdict);
    assert!(r.problems.is_empty(), "{}: {:?}", f.display(), r.problems);
    assert_eq!(r.source_type.as_deref(), dst, "{}", f.display());
    if let Some(v) = common::outside_c2pa(&[f], Some(&files.root_cert)) {
        assert_eq!(v[0].state.as_deref(), Some("Trusted"), "c2pa-python on {}: {:?}", f.display(), v[0]);
        match dst {
            Some(d) => assert!(v[0].source_types.iter().any(|s| s == d), "{}: {:?}", f.display(), v[0]),
            None => assert!(v[0].source_types.is_empty(), "{}: {:?}", f.display(), v[0]),
        }
    }
    if let Some(t) = common::exif_tag(f, &["-XMP-iptcExt:DigitalSourceType"]) {
        assert_eq!(t, dst.unwrap_or(""), "ExifTool on {}", f.display());
    }
}

/// The MP4 inside a Motion Photo, taken out with our extractor.
fn embedded_video(mp: &Path, dir: &Path) -> PathBuf {
    let e = vivify::convert::extract(mp, dir, true).expect("extract");
    PathBuf::from(e.video)
}

#[test]
fn living_moments_are_signed_labelled_and_still_pair() {
    let dir = common::temp_dir("prov-alive");
    let (files, signing) = identity(&dir);
    let mut o = AliveOptions::new(dir.join("moment.mp4"));
    (o.live, o.motion, o.duration, o.force) = (true, true, 1.0, true);
    o.signing = signing.clone();
    let r = make(&photo("temple.jpg"), &o, &Quiet).expect("alive");
    assert_eq!(r.source_type, COMPOSITE);
    let (mp4, still, mov, mp) =
        (dir.join("moment.mp4"), dir.join("moment.JPG"), dir.join("moment.MOV"), dir.join("moment.MP.jpg"));
    for f in [&mp4, &still, &mov, &mp] {
        assert_trusted(f, &files, Some(COMPOSITE));
    }
    // What was made from what.
    let v = verify(&mp4, &[]).expect("verify");
    assert_eq!(v.status, Status::Valid, "no anchor: valid but not trusted");
    assert!(v.generated);
    assert_eq!(v.actions[0].action, "c2pa.created");
    assert_eq!(v.ingredients.len(), 1);
    assert_eq!(v.ingredients[0].title, "temple.jpg");
    assert_eq!(v.ingredients[0].relationship.as_deref(), Some("inputTo"));
    // The untouched key photo says it was opened and only its metadata changed.
    let s = verify(&still, &[]).expect("verify still");
    let acts: Vec<&str> = s.actions.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(acts, ["c2pa.opened", "c2pa.edited.metadata"]);
    // The pairing survives signing, for ExifTool and for our inspector.
    let cid = r.content_id.clone().expect("cid");
    for f in [&still, &mov] {
        if let Some(t) = common::exif_tag(f, &["-ContentIdentifier"]) {
            assert_eq!(t, cid, "{}", f.display());
        }
    }
    if common::exiftool().is_some() {
        assert_eq!(common::exif_tag(&mov, &["-ee", "-StillImageTime"]).as_deref(), Some("-1"));
    }
    let live = vivify::inspect::inspect_path(&mov).expect("inspect");
    assert_eq!(live.content_id.as_deref(), Some(cid.as_str()));
    assert!(live.still_time_s.is_some(), "the still-image-time track is gone");
    assert!(live.issues.is_empty(), "{:?}", live.issues);
    assert!(vivify::inspect::inspect_path(&mp).expect("inspect").issues.is_empty());
    common::assert_decodes(&mp4);
    common::assert_decodes(&mov);
    common::assert_decodes(&embedded_video(&mp, &dir.join("x")));
}

#[test]
fn heic_outputs_are_signed_too() {
    let dir = common::temp_dir("prov-heic");
    let (files, signing) = identity(&dir);
    let mut o = AliveOptions::new(dir.join("h.mp4"));
    (o.video, o.live, o.motion, o.duration, o.size) = (false, true, true, 0.5, SizeSpec::Auto);
    o.signing = signing;
    let src = common::sample("apple_iphone11pro_ios13.4.1_IMG_2927.HEIC");
    make(&src, &o, &Quiet).expect("alive");
    for f in [dir.join("h.HEIC"), dir.join("h.MOV"), dir.join("h.MP.heic")] {
        assert_trusted(&f, &files, Some(COMPOSITE));
    }
    // The coded picture is still the photo's own.
    let item = |p: &Path| {
        let d = std::fs::read(p).expect("read");
        let s: &[u8] = &d;
        let h = vivify::heic::Heif::parse(&s).expect("heif");
        h.item_data(&s, h.primary).expect("primary")
    };
    assert_eq!(item(&src), item(&dir.join("h.HEIC")));
}

#[test]
fn camera_video_made_live_is_a_capture_never_ai() {
    let dir = common::temp_dir("prov-live");
    let (files, signing) = identity(&dir);
    let opts = LiveOptions { signing: signing.clone(), pvt: true, ..LiveOptions::new(&dir) };
    let src = common::sample("apple_iphone15plus_ios18.2_IMG_3853.MOV");
    let r = make_live(&src, &opts, &vivify::Quiet).expect("live");
    let stem = "apple_iphone15plus_ios18.2_IMG_3853";
    let (still, mov, mp) =
        (dir.join(format!("{stem}.JPG")), dir.join(format!("{stem}.MOV")), dir.join(format!("{stem}.MP.jpg")));
    for f in [&still, &mov, &mp] {
        // Camera footage (the source names its maker) stays a capture.
        assert_trusted(f, &files, Some(CAPTURE));
        let v = verify(f, &[]).expect("verify");
        assert!(!v.generated, "{} is labelled as generated", f.display());
        assert_eq!(v.actions[0].action, "c2pa.opened");
        assert_eq!(v.ingredients[0].relationship.as_deref(), Some("parentOf"));
    }
    for f in [&still, &mov] {
        if let Some(t) = common::exif_tag(f, &["-ContentIdentifier"]) {
            assert_eq!(t, r.content_id);
        }
    }
    assert!(vivify::inspect::inspect_path(&mov).expect("inspect").still_time_s.is_some());
    if common::exiftool().is_some() {
        assert_eq!(common::exif_tag(&mov, &["-ee", "-StillImageTime"]).as_deref(), Some("-1"));
    }
    common::assert_decodes(&mov);
    common::assert_decodes(&embedded_video(&mp, &dir.join("x")));
    // The .pvt package holds the same signed halves.
    let pvt_mov = dir.join(format!("{stem}.pvt")).join(format!("{stem}.MOV"));
    assert_eq!(std::fs::read(&pvt_mov).expect("pvt"), std::fs::read(&mov).expect("mov"));

    // Converting keeps the label and names the inputs.
    let back = vivify::convert::motion_to_live(&mp, &dir.join("back"), false, &signing).expect("to live");
    let fwd = vivify::convert::live_to_motion(&still, &mov, &dir.join("fwd"), false, false, &signing).expect("to mp");
    for f in back.outputs.iter().chain(&fwd.outputs) {
        let f = Path::new(f);
        let v = verify(f, &read_root(&files)).expect("verify");
        assert_eq!(v.status, Status::Trusted, "{}: {}", f.display(), v.verdict);
        assert!(v.actions.iter().any(|a| a.action == "c2pa.repackaged"));
        assert!(v.ingredients[0].had_credentials, "the input's own credentials are carried");
        // The XMP label of the input travels with it.
        assert_eq!(v.xmp.and_then(|x| x.source_type).as_deref(), Some(CAPTURE), "{}", f.display());
        if let Some(o) = common::outside_c2pa(&[f], Some(&files.root_cert)) {
            assert_eq!(o[0].state.as_deref(), Some("Trusted"), "{}: {o:?}", f.display());
        }
    }
    let v = verify(Path::new(&fwd.outputs[0]), &[]).expect("verify");
    assert_eq!(v.ingredients.len(), 2, "the still as parent and the movie as a component");
}

/// Flips one byte at `at` into a copy of `f`.
fn flipped(f: &Path, at: usize) -> PathBuf {
    let mut d = std::fs::read(f).expect("read");
    d[at] ^= 0x5A;
    let out = f.with_extension(format!("tampered.{}", f.extension().and_then(|e| e.to_str()).unwrap_or("bin")));
    std::fs::write(&out, d).expect("write");
    out
}

#[test]
fn one_flipped_byte_of_media_data_is_caught_by_both_readers() {
    let dir = common::temp_dir("prov-tamper");
    let (files, signing) = identity(&dir);
    let mut o = AliveOptions::new(dir.join("t.mp4"));
    (o.live, o.duration, o.force) = (true, 0.5, true);
    o.signing = signing;
    make(&photo("temple.jpg"), &o, &Quiet).expect("alive");
    // MP4: a byte in the middle of the media data.
    let mp4 = dir.join("t.mp4");
    let data = std::fs::read(&mp4).expect("read");
    let s: &[u8] = &data;
    let scan = vivify::bmff::scan::scan(&s).expect("scan");
    let mdat = scan.first(vivify::bmff::FourCC::MDAT).expect("mdat");
    let bad_mp4 = flipped(&mp4, (mdat.payload_offset() + mdat.payload_len() / 2) as usize);
    // JPEG: a byte of the entropy-coded picture (after the start of scan).
    let jpg = dir.join("t.JPG");
    let data = std::fs::read(&jpg).expect("read");
    let sos = data.windows(2).position(|w| w == [0xFF, 0xDA]).expect("SOS");
    let bad_jpg = flipped(&jpg, sos + (data.len() - sos) / 2);
    for (bad, code) in [(&bad_mp4, "assertion.bmffHash.mismatch"), (&bad_jpg, "assertion.dataHash.mismatch")] {
        let v = verify(bad, &read_root(&files)).expect("verify");
        assert_eq!(v.status, Status::Invalid, "{}", bad.display());
        assert!(v.problems.iter().any(|p| p.code == code), "{}: {:?}", bad.display(), v.problems);
        assert!(v.verdict.contains("changed after it was signed"), "{}", v.verdict);
        if let Some(o) = common::outside_c2pa(&[bad], Some(&files.root_cert)) {
            assert_eq!(o[0].state.as_deref(), Some("Invalid"), "{o:?}");
            assert!(o[0].failures.iter().any(|f| f == code), "{o:?}");
        }
    }
}

#[test]
fn a_source_with_credentials_stays_an_ingredient_with_them() {
    let dir = common::temp_dir("prov-ingredient");
    let (files, signing) = identity(&dir);
    // A photo that already carries Content Credentials (signed here as a
    // camera would).
    let src = photo("temple.jpg");
    let claim = Claim::derived(
        Ingredient::new(&src, None, Relationship::ParentOf).expect("ingredient"),
        Some(SourceType::DigitalCapture),
        &[("c2pa.edited.metadata", "test signature".into())],
    );
    let signed_photo = dir.join("signed.jpg");
    let bytes =
        signing.sign_bytes(std::fs::read(&src).expect("read"), "image/jpeg", "signed.jpg", &claim).expect("sign");
    std::fs::write(&signed_photo, bytes).expect("write");
    let mut o = AliveOptions::new(dir.join("from-signed.mp4"));
    o.duration = 0.5;
    o.signing = signing;
    make(&signed_photo, &o, &Quiet).expect("alive");
    let v = verify(&dir.join("from-signed.mp4"), &read_root(&files)).expect("verify");
    assert_eq!(v.status, Status::Trusted, "{}", v.verdict);
    assert_eq!(v.manifests, 2, "ours and the photo's own");
    assert!(v.ingredients[0].had_credentials);
}

#[test]
fn unsigned_files_report_no_credentials_and_their_xmp_label() {
    let dir = common::temp_dir("prov-xmp");
    let plain = verify(&photo("temple.jpg"), &[]).expect("verify");
    assert_eq!(plain.status, Status::None);
    assert!(plain.xmp.is_none() && !plain.generated);
    // An XMP label written by another tool (ExifTool).
    let Some(et) = common::exiftool() else { return };
    let f = dir.join("labelled.jpg");
    std::fs::copy(photo("temple.jpg"), &f).expect("copy");
    let out = std::process::Command::new(et)
        .args([
            "-q",
            "-overwrite_original",
            "-XMP-iptcExt:DigitalSourceType=http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
        ])
        .arg(&f)
        .output()
        .expect("exiftool");
    assert!(out.status.success());
    let v = verify(&f, &[]).expect("verify");
    assert_eq!(v.status, Status::None);
    assert!(v.generated);
    assert_eq!(v.source_words.as_deref(), Some("made with generative AI"));
    assert!(v.verdict.contains("unsigned XMP label"), "{}", v.verdict);
}

#[test]
fn without_signing_the_visible_label_cannot_be_dropped() {
    let dir = common::temp_dir("prov-nolabel");
    let mut o = AliveOptions::new(dir.join("n.mp4"));
    o.label = None;
    let e = make(&photo("temple.jpg"), &o, &Quiet).expect_err("refused");
    assert!(e.to_string().contains("visible AI label"), "{e}");
    assert!(!dir.join("n.mp4").exists());
    // Unsigned outputs still carry the XMP source type.
    o.label = Some(Default::default());
    o.duration = 0.5;
    make(&photo("temple.jpg"), &o, &Quiet).expect("alive");
    let v = verify(&dir.join("n.mp4"), &[]).expect("verify");
    assert_eq!(v.status, Status::None);
    assert_eq!(v.xmp.and_then(|x| x.source_type).as_deref(), Some(COMPOSITE));
}

#[test]
fn an_unsigned_rewrite_drops_credentials_that_no_longer_match() {
    let dir = common::temp_dir("prov-stale");
    let (_, signing) = identity(&dir);
    let mut o = AliveOptions::new(dir.join("s.mp4"));
    (o.video, o.live, o.duration) = (false, true, 0.5);
    o.signing = signing;
    make(&photo("temple.jpg"), &o, &Quiet).expect("alive");
    let unsigned = Signing::unsigned();
    let c = vivify::convert::live_to_motion(
        &dir.join("s.JPG"),
        &dir.join("s.MOV"),
        &dir.join("mp"),
        false,
        false,
        &unsigned,
    )
    .expect("convert");
    let v = verify(Path::new(&c.outputs[0]), &[]).expect("verify");
    assert_eq!(v.status, Status::None, "{}", v.verdict);
    // The label that was not signed stays.
    assert_eq!(v.xmp.and_then(|x| x.source_type).as_deref(), Some(COMPOSITE));
}
