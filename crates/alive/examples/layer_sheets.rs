//! The foreground layer on a set of photos: for each, whether the subject
//! was cut out as a layer (and its edge fit), and the analysis sheet
//! (`--explain`'s masks picture, whose last row shows the layers) written
//! to OUT_DIR/ID.masks.png. For choosing and checking the cut-out's rules
//! by looking, on the tuning half.
//!
//! ```text
//! cargo run --release -p vivify-alive --example layer_sheets -- OUT_DIR PHOTO...
//! ```
//!
//! With the face pack installed, people are cut out along its person matte
//! (as `vivify alive` does); `--no-packs` leaves it out.

use std::path::Path;

use vivify_alive::explain::mask_sheet;
use vivify_alive::scene::Scene;
use vivify_picture::photo::Photo;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let no_packs = args.iter().any(|a| a == "--no-packs");
    args.retain(|a| a != "--no-packs");
    let person = if no_packs { None } else { vivify_alive::people::PersonMatte::installed() };
    let person = match person {
        Some(Ok(m)) => Some(m),
        Some(Err(e)) => {
            eprintln!("face pack: {e}");
            std::process::exit(1);
        }
        None => None,
    };
    eprintln!("person matte: {}", if person.is_some() { "the face pack's" } else { "none" });
    let Some((out, photos)) = args.split_first() else {
        eprintln!("usage: layer_sheets OUT_DIR PHOTO...");
        std::process::exit(2);
    };
    for p in photos {
        let path = Path::new(p);
        let id = path.file_stem().and_then(|s| s.to_str()).unwrap_or("photo");
        let photo = match Photo::open(path) {
            Ok(photo) => photo,
            Err(e) => {
                eprintln!("{p}: {e}");
                continue;
            }
        };
        let scene = match Scene::analyse_with(&photo.rgb, false, person.as_ref()) {
            Ok(scene) => scene,
            Err(e) => {
                eprintln!("{p}: {e}");
                continue;
            }
        };
        let l = &scene.summary.layers;
        println!(
            "{id:28} {} fit {:.2} ragged {:.1} share {:.2} faces {}  {}",
            if l.split { "LAYER" } else { "-    " },
            l.edge_fit,
            l.raggedness,
            l.share,
            scene.summary.faces.len(),
            l.reason
        );
        if let Err(e) = mask_sheet(&photo.rgb, &scene, &Path::new(out).join(format!("{id}.masks.png")), true) {
            eprintln!("{p}: {e}");
        }
    }
}
