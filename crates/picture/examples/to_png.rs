//! Decodes a photo as vivify sees it (JPEG, PNG or HEIC, turned upright) and
//! writes it as PNG: for looking at HEIC photos with tools that cannot read
//! them (`scripts/eval-label-preview` uses it).
//!
//! ```text
//! cargo run --release -p vivify-picture --example to_png -- IN OUT.png
//! ```

use vivify_picture::photo::Photo;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(output)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: to_png IN OUT.png");
        std::process::exit(2);
    };
    let photo = Photo::open(std::path::Path::new(input)).unwrap_or_else(|e| {
        eprintln!("{input}: {e}");
        std::process::exit(3);
    });
    let file = std::fs::File::create(output).expect("create output");
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), photo.rgb.width as u32, photo.rgb.height as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().and_then(|mut w| w.write_image_data(&photo.rgb.data)).expect("write PNG");
}
