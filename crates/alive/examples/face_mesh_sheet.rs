//! The face pack's 468-point mesh drawn on each face of a photo (eyes in
//! cyan, mouth in magenta, the rest in yellow), with each eye's openness,
//! to check by eye what the blink and smile will move.
//!
//! ```text
//! cargo run --release -p vivify-alive --features vivify-picture/faces --example face_mesh_sheet -- PHOTO OUT.png
//! ```

use std::path::Path;

use vivify_alive::explain::png_bytes;
use vivify_alive::face_mesh::{FaceMesh, EYES, MOUTH};
use vivify_picture::photo::Photo;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [photo, out] = args.as_slice() else {
        eprintln!("usage: face_mesh_sheet PHOTO OUT.png");
        std::process::exit(2);
    };
    let mesh = match FaceMesh::installed() {
        Some(Ok(m)) => m,
        Some(Err(e)) => {
            eprintln!("face pack: {e}");
            std::process::exit(1);
        }
        None => {
            eprintln!("the face pack is not installed (scripts/install-model-packs face)");
            std::process::exit(1);
        }
    };
    let p = Photo::open(Path::new(photo)).unwrap_or_else(|e| {
        eprintln!("{photo}: {e}");
        std::process::exit(1);
    });
    let mut img = p.rgb.clone();
    let (w, h) = (img.width, img.height);
    let faces = vivify_picture::faces::detect(&p.rgb);
    println!("{} faces", faces.len());
    for face in &faces {
        let l = match mesh.landmarks(&p.rgb, face.rect) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("{e}");
                continue;
            }
        };
        let open = l.eye_openness(w as f32 / h as f32);
        println!("face at {:?}: presence {:.2}, eye openness {:.2} {:.2}", face.rect, l.presence, open[0], open[1]);
        let special: Vec<(usize, [u8; 3])> = EYES
            .iter()
            .flatten()
            .map(|&i| (i, [0, 255, 255]))
            .chain(MOUTH.iter().map(|&i| (i, [255, 0, 255])))
            .collect();
        for (i, pt) in l.points.iter().enumerate() {
            let colour = special.iter().find(|(k, _)| *k == i).map_or([255, 220, 0], |(_, c)| *c);
            let r = if colour == [255, 220, 0] { 0 } else { 2 };
            let (x, y) = ((pt[0] * w as f32) as i64, (pt[1] * h as f32) as i64);
            for dy in -r..=r {
                for dx in -r..=r {
                    let (px, py) = (x + dx, y + dy);
                    if px >= 0 && py >= 0 && (px as usize) < w && (py as usize) < h {
                        let o = (py as usize * w + px as usize) * 3;
                        img.data[o..o + 3].copy_from_slice(&colour);
                    }
                }
            }
        }
    }
    match png_bytes(&img).map(|b| std::fs::write(out, b)) {
        Ok(Ok(())) => println!("wrote {out}"),
        Ok(Err(e)) => eprintln!("{out}: {e}"),
        Err(e) => eprintln!("{out}: {e}"),
    }
}
