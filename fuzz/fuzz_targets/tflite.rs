//! The TFLite model reader and runner of the model packs
//! (vivify-models): a model file is untrusted input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = vivify::models::tflite::Model::from_bytes("fuzz", data) {
        // Only cheap graphs are run, so each input stays fast.
        if m.work() < 20_000_000 {
            if let Some(shape) = m.input_shape(0) {
                let n: usize = shape.iter().product();
                if n <= 1 << 18 {
                    if let Ok(outputs) = m.run(&[&vec![0.5f32; n]]) {
                        for (i, out) in outputs.iter().enumerate() {
                            let want: usize = m.output_shape(i).map_or(0, |s| s.iter().product());
                            assert_eq!(out.len(), want);
                        }
                    }
                }
            }
        }
    }
});
