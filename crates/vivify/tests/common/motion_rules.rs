//! An independent encoding of the Motion Photo reader rules from our format
//! reference (Android media3's XmpMotionPhotoDescriptionParser and Google's
//! libmotionphoto checker), written apart from the library so the library's
//! own linter is not checking itself. Works on raw bytes with string search,
//! the way media3 does.

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let at = tag.find(&key)? + key.len();
    let end = tag[at..].find('"')?;
    Some(&tag[at..at + end])
}

/// The XMP packet of a JPEG: the APP1 that starts with the XMP namespace.
fn jpeg_xmp(file: &[u8]) -> Option<String> {
    let sig = b"http://ns.adobe.com/xap/1.0/\0";
    let mut i = 2;
    while i + 4 <= file.len() && file[i] == 0xFF {
        let m = file[i + 1];
        let len = u16::from_be_bytes([file[i + 2], file[i + 3]]) as usize;
        if m == 0xDA {
            break;
        }
        let p = &file[i + 4..i + 2 + len];
        if m == 0xE1 && p.starts_with(sig) {
            return Some(String::from_utf8_lossy(&p[sig.len()..]).into_owned());
        }
        i += 2 + len;
    }
    None
}

/// End of the primary JPEG image (after FFD9), found by walking segments
/// and the entropy-coded data.
fn jpeg_image_end(file: &[u8]) -> Option<usize> {
    let mut i = 2;
    loop {
        if file.get(i)? != &0xFF {
            return None;
        }
        let m = *file.get(i + 1)?;
        if m == 0xD9 {
            return Some(i + 2);
        }
        let len = u16::from_be_bytes([*file.get(i + 2)?, *file.get(i + 3)?]) as usize;
        i += 2 + len;
        if m == 0xDA {
            while file.get(i)? != &0xFF || matches!(file.get(i + 1)?, 0x00 | 0xD0..=0xD7) {
                i += 1;
            }
        }
    }
}

/// Every rule broken by a JPEG Motion Photo (empty = accepted by both readers).
pub fn check_jpeg(file: &[u8], samsung: bool) -> Vec<String> {
    let mut errs = Vec::new();
    let Some(xmp) = jpeg_xmp(file) else {
        return vec!["no XMP APP1 in the primary image".into()];
    };
    // media3: every rdf:Description start tag must carry the flag as an attribute.
    let descs: Vec<&str> =
        xmp.split("<rdf:Description").skip(1).map(|d| &d[..d.find('>').unwrap_or(d.len())]).collect();
    if descs.is_empty() {
        errs.push("no rdf:Description".into());
    }
    for d in &descs {
        if !(d.contains("GCamera:MotionPhoto=\"1\"") || d.contains("Camera:MotionPhoto=\"1\"")) {
            errs.push("an rdf:Description lacks GCamera:MotionPhoto=\"1\"".into());
        }
    }
    let head = descs.first().copied().unwrap_or("");
    if attr(head, "GCamera:MotionPhotoVersion") != Some("1") {
        errs.push("MotionPhotoVersion is not 1".into());
    }
    match attr(head, "GCamera:MotionPhotoPresentationTimestampUs").and_then(|v| v.parse::<i64>().ok()) {
        Some(t) if t >= 0 => {}
        other => errs.push(format!("timestamp missing or negative: {other:?}")),
    }
    // Items in attribute form, with the literal Item: prefix.
    let items: Vec<&str> = xmp.split("<Container:Item").skip(1).map(|d| &d[..d.find('>').unwrap_or(d.len())]).collect();
    if items.len() != 2 {
        errs.push(format!("directory has {} items, libmotionphoto wants 2", items.len()));
        return errs;
    }
    let (p, v) = (items[0], items[1]);
    if attr(p, "Item:Semantic") != Some("Primary") || attr(p, "Item:Mime") != Some("image/jpeg") {
        errs.push("first item is not the image/jpeg Primary".into());
    }
    if attr(p, "Item:Length").is_some_and(|l| l != "0") {
        errs.push("primary Length is not 0".into());
    }
    if attr(v, "Item:Semantic") != Some("MotionPhoto") || attr(v, "Item:Mime") != Some("video/mp4") {
        errs.push("second item is not the video/mp4 MotionPhoto".into());
    }
    let pad: u64 = attr(p, "Item:Padding").and_then(|x| x.parse().ok()).unwrap_or(0);
    let len: u64 = attr(v, "Item:Length").and_then(|x| x.parse().ok()).unwrap_or(0);
    let Some(image_end) = jpeg_image_end(file) else {
        errs.push("could not find the end of the primary image".into());
        return errs;
    };
    // libmotionphoto: image + padding + length == file size.
    if image_end as u64 + pad + len != file.len() as u64 {
        errs.push(format!("image {image_end} + padding {pad} + length {len} != file size {}", file.len()));
    }
    // media3: the video starts at EOF - Length and is an MP4.
    let start = file.len() as u64 - len;
    let at = start as usize;
    if file.get(at + 4..at + 8) != Some(b"ftyp") {
        errs.push(format!("no MP4 'ftyp' at EOF - Length ({start})"));
    }
    if !samsung && file.len() > at + 8 {
        // Nothing but the MP4 may follow: the boxes must tile to EOF exactly.
        let mut i = at;
        while i + 8 <= file.len() {
            let size = u32::from_be_bytes([file[i], file[i + 1], file[i + 2], file[i + 3]]) as usize;
            if size < 8 {
                break;
            }
            i += size;
        }
        if i != file.len() {
            errs.push("bytes after the video".into());
        }
    }
    errs
}

/// Every rule broken by a HEIC Motion Photo, given its bytes and its XMP
/// packet (read by ExifTool, so not by our own HEIF code).
pub fn check_heic(file: &[u8], xmp: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let descs: Vec<&str> =
        xmp.split("<rdf:Description").skip(1).map(|d| &d[..d.find('>').unwrap_or(d.len())]).collect();
    if descs.is_empty() || descs.iter().any(|d| !d.contains("GCamera:MotionPhoto=\"1\"")) {
        errs.push("an rdf:Description lacks GCamera:MotionPhoto=\"1\"".into());
    }
    let items: Vec<&str> = xmp.split("<Container:Item").skip(1).map(|d| &d[..d.find('>').unwrap_or(d.len())]).collect();
    if items.len() != 2 {
        errs.push(format!("directory has {} items", items.len()));
        return errs;
    }
    if attr(items[0], "Item:Mime") != Some("image/heic") || attr(items[1], "Item:Mime") != Some("video/mp4") {
        errs.push("MIME types are not image/heic + video/mp4".into());
    }
    // Walk the top-level boxes: the last must be mpvd and reach EOF.
    let mut i = 0usize;
    let mut last = None;
    while i + 8 <= file.len() {
        let mut size = u32::from_be_bytes([file[i], file[i + 1], file[i + 2], file[i + 3]]) as usize;
        if size == 1 && i + 16 <= file.len() {
            let mut b = [0u8; 8];
            b.copy_from_slice(&file[i + 8..i + 16]);
            size = u64::from_be_bytes(b) as usize;
        } else if size == 0 {
            size = file.len() - i;
        }
        if size < 8 || i + size > file.len() {
            errs.push(format!("box at {i} has a bad size {size}"));
            return errs;
        }
        last = Some((i, size, &file[i + 4..i + 8]));
        i += size;
    }
    let Some((at, size, kind)) = last else { return vec!["no boxes".into()] };
    if kind != b"mpvd" || at + size != file.len() {
        errs.push("the last box is not an mpvd reaching the end of the file".into());
    }
    let pad: usize = attr(items[0], "Item:Padding").and_then(|x| x.parse().ok()).unwrap_or(0);
    let len: usize = attr(items[1], "Item:Length").and_then(|x| x.parse().ok()).unwrap_or(0);
    if pad != 8 {
        errs.push(format!("primary Padding is {pad}, not the mpvd header size 8"));
    }
    if len != size - 8 {
        errs.push(format!("video Length {len} != mpvd payload {}", size - 8));
    }
    if file.get(at + 12..at + 16) != Some(b"ftyp") {
        errs.push("the mpvd payload is not an MP4".into());
    }
    errs
}
