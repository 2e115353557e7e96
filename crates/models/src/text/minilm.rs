//! The text pack's sentence model (all-MiniLM-L6-v2: a 6-layer BERT of
//! width 384), run in plain Rust: a sentence becomes a unit vector of 384
//! numbers, near for sentences that mean alike. Checked against Hugging
//! Face's Flax BERT in `crates/vivify/tests/model_packs.rs`.
//!
//! The weights are read from `model.safetensors` (an 8-byte header length,
//! a JSON header naming each tensor's type, shape and byte range, then the
//! data); the sentence vector is the mean of the last layer's token vectors,
//! normalised, as sentence-transformers' pooling for this model does.

use std::collections::HashMap;
use std::path::Path;

use super::wordpiece::WordPiece;
use crate::error::{Error, Result};
use crate::packs::{self, TEXT};
use crate::tflite::ops::dot;

/// Largest weights file read.
const MAX_WEIGHTS: u64 = 256 << 20;
/// Largest safetensors header.
const MAX_HEADER: u64 = 4 << 20;

/// One encoder layer's weights (matrices [out][in], as stored).
struct Layer {
    q: (Vec<f32>, Vec<f32>),
    k: (Vec<f32>, Vec<f32>),
    v: (Vec<f32>, Vec<f32>),
    attn_out: (Vec<f32>, Vec<f32>),
    attn_norm: (Vec<f32>, Vec<f32>),
    up: (Vec<f32>, Vec<f32>),
    down: (Vec<f32>, Vec<f32>),
    out_norm: (Vec<f32>, Vec<f32>),
}

/// The sentence model, loaded.
pub struct SentenceModel {
    tokenizer: WordPiece,
    word: Vec<f32>,
    position: Vec<f32>,
    token_type: Vec<f32>,
    embed_norm: (Vec<f32>, Vec<f32>),
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
    positions: usize,
    /// SHA-256 of the weights as the pack's manifest records it (empty
    /// when loaded from loose files): banks made with other weights are
    /// refused against it.
    pub weights_sha256: String,
}

impl SentenceModel {
    /// The model of the installed text pack; None when it is not installed.
    pub fn installed() -> Option<Result<SentenceModel>> {
        match packs::open(&TEXT) {
            Ok(pack) => Some((|| {
                let mut model = SentenceModel::load(
                    &pack.file("model.safetensors")?,
                    &pack.file("tokenizer.json")?,
                    &pack.file("config.json")?,
                )?;
                let weights = pack.manifest.files.iter().find(|f| f.name == "model.safetensors");
                model.weights_sha256 = weights.map(|f| f.sha256.clone()).unwrap_or_default();
                Ok(model)
            })()),
            Err(Error::Missing { .. }) => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// The installed text pack's model, loaded once per process and shared
    /// by everything that reads prompts (alive's reading by meaning and the
    /// prompt check), so the 90 MB of weights are read once.
    pub fn shared() -> Option<Result<&'static SentenceModel>> {
        static SHARED: std::sync::OnceLock<Option<std::result::Result<SentenceModel, String>>> =
            std::sync::OnceLock::new();
        let loaded = SHARED.get_or_init(|| SentenceModel::installed().map(|r| r.map_err(|e| e.to_string())));
        loaded.as_ref().map(|r| {
            r.as_ref().map_err(|problem| Error::Model {
                model: "the text pack's sentence model".into(),
                problem: problem.clone(),
            })
        })
    }

    /// Loads the weights, the tokenizer and the model's configuration.
    pub fn load(weights: &Path, tokenizer: &Path, config: &Path) -> Result<SentenceModel> {
        let bad = |path: &Path, problem: String| Error::Model { model: path.display().to_string(), problem };
        let read = |path: &Path, cap: u64| -> Result<Vec<u8>> {
            let io = |source| Error::Io { path: path.to_path_buf(), source };
            let len = std::fs::metadata(path).map_err(io)?.len();
            if len > cap {
                return Err(bad(path, format!("{len} bytes, more than this model has")));
            }
            std::fs::read(path).map_err(io)
        };
        let tokenizer = WordPiece::from_json(&read(tokenizer, 16 << 20)?).map_err(|p| bad(tokenizer, p))?;
        let cfg: serde_json::Value =
            serde_json::from_slice(&read(config, 1 << 20)?).map_err(|e| bad(config, format!("not JSON: {e}")))?;
        let num = |k: &str| cfg[k].as_u64().map(|n| n as usize).ok_or_else(|| bad(config, format!("no {k}")));
        let (hidden, heads, depth, positions) = (
            num("hidden_size")?,
            num("num_attention_heads")?,
            num("num_hidden_layers")?,
            num("max_position_embeddings")?,
        );
        if hidden == 0 || heads == 0 || hidden % heads != 0 || depth > 64 || hidden > 4096 {
            return Err(bad(config, format!("hidden size {hidden} with {heads} heads and {depth} layers")));
        }
        let bytes = read(weights, MAX_WEIGHTS)?;
        let mut t = tensors(&bytes).map_err(|p| bad(weights, p))?;
        let mut take = |name: &str, len: usize| -> Result<Vec<f32>> {
            match t.remove(name) {
                Some(v) if v.len() == len => Ok(v),
                Some(v) => Err(bad(weights, format!("{name} has {} values, {len} expected", v.len()))),
                None => Err(bad(weights, format!("no tensor {name}"))),
            }
        };
        let (vocab, ffn) = (num("vocab_size")?, num("intermediate_size")?);
        if !(1..=1_000_000).contains(&vocab) || !(1..=65_536).contains(&ffn) || !(2..=8192).contains(&positions) {
            return Err(bad(config, format!("{vocab} words, {ffn} hidden units, {positions} positions")));
        }
        let word = take("embeddings.word_embeddings.weight", vocab * hidden)?;
        let position = take("embeddings.position_embeddings.weight", positions * hidden)?;
        let token_type = take("embeddings.token_type_embeddings.weight", 2 * hidden)?;
        let embed_norm = (take("embeddings.LayerNorm.weight", hidden)?, take("embeddings.LayerNorm.bias", hidden)?);
        let mut layers = Vec::with_capacity(depth);
        for i in 0..depth {
            let p = format!("encoder.layer.{i}.");
            let mut pair = |name: &str, rows: usize, cols: usize| -> Result<(Vec<f32>, Vec<f32>)> {
                Ok((take(&format!("{p}{name}.weight"), rows * cols)?, take(&format!("{p}{name}.bias"), rows)?))
            };
            layers.push(Layer {
                q: pair("attention.self.query", hidden, hidden)?,
                k: pair("attention.self.key", hidden, hidden)?,
                v: pair("attention.self.value", hidden, hidden)?,
                attn_out: pair("attention.output.dense", hidden, hidden)?,
                attn_norm: pair("attention.output.LayerNorm", hidden, 1)?,
                up: pair("intermediate.dense", ffn, hidden)?,
                down: pair("output.dense", hidden, ffn)?,
                out_norm: pair("output.LayerNorm", hidden, 1)?,
            });
        }
        Ok(SentenceModel {
            tokenizer,
            word,
            position,
            token_type,
            embed_norm,
            layers,
            hidden,
            heads,
            positions,
            weights_sha256: String::new(),
        })
    }

    /// How many values a sentence vector has.
    pub fn dims(&self) -> usize {
        self.hidden
    }

    /// Embeds labelled texts into a bank tied to these weights.
    pub fn bank(&self, items: &[(String, String)]) -> std::result::Result<super::bank::Bank, String> {
        let entries = items.iter().map(|(label, text)| (label.clone(), self.embed(text))).collect();
        super::bank::Bank::new(&self.weights_sha256, self.hidden, entries)
    }

    /// The sentence's unit vector: the mean of the token states, at unit length.
    pub fn embed(&self, text: &str) -> Vec<f32> {
        let h = self.hidden;
        let x = self.token_states(text);
        let mut e = vec![0f32; h];
        for row in x.chunks_exact(h) {
            e.iter_mut().zip(row).for_each(|(a, b)| *a += b);
        }
        let norm = e.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
        e.iter_mut().for_each(|v| *v /= norm);
        e
    }

    /// The last layer's state of every token (`[CLS]` and `[SEP]`
    /// included), one row of [`dims`](Self::dims) values each.
    fn token_states(&self, text: &str) -> Vec<f32> {
        let ids = self.tokenizer.encode(text);
        let n = ids.len().min(self.positions);
        let h = self.hidden;
        let vocab = self.word.len() / h;
        // Embeddings: word + position + token type 0, normalised.
        let mut x = vec![0f32; n * h];
        for (t, &id) in ids.iter().take(n).enumerate() {
            let id = (id as usize).min(vocab - 1);
            for k in 0..h {
                x[t * h + k] = self.word[id * h + k] + self.position[t * h + k] + self.token_type[k];
            }
        }
        layer_norm(&mut x, h, &self.embed_norm);
        let head = h / self.heads;
        let scale = 1.0 / (head as f32).sqrt();
        for l in &self.layers {
            let (q, k, v) = (linear(&x, h, &l.q), linear(&x, h, &l.k), linear(&x, h, &l.v));
            let mut ctx = vec![0f32; n * h];
            let mut scores = vec![0f32; n];
            for hd in 0..self.heads {
                let o = hd * head;
                for t in 0..n {
                    let qt = &q[t * h + o..t * h + o + head];
                    for (s, score) in scores.iter_mut().enumerate() {
                        *score =
                            qt.iter().zip(&k[s * h + o..s * h + o + head]).map(|(a, b)| a * b).sum::<f32>() * scale;
                    }
                    let top = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    let mut sum = 0.0;
                    for s in scores.iter_mut() {
                        *s = (*s - top).exp();
                        sum += *s;
                    }
                    let c = &mut ctx[t * h + o..t * h + o + head];
                    for (s, &p) in scores.iter().enumerate() {
                        let w = p / sum;
                        for (cv, vv) in c.iter_mut().zip(&v[s * h + o..s * h + o + head]) {
                            *cv += w * vv;
                        }
                    }
                }
            }
            let attn = linear(&ctx, h, &l.attn_out);
            x.iter_mut().zip(&attn).for_each(|(a, b)| *a += b);
            layer_norm(&mut x, h, &l.attn_norm);
            let mut up = linear(&x, h, &l.up);
            up.iter_mut().for_each(|v| *v = gelu(*v));
            let down = linear(&up, l.up.1.len(), &l.down);
            x.iter_mut().zip(&down).for_each(|(a, b)| *a += b);
            layer_norm(&mut x, h, &l.out_norm);
        }
        x
    }
}

/// `x` (rows of `width`) times the weight [out][width], plus the bias.
/// Each weight row is read once for all the tokens (outputs outside,
/// tokens inside): the weights, not the few tokens, are what does not fit
/// in the cache.
fn linear(x: &[f32], width: usize, (w, b): &(Vec<f32>, Vec<f32>)) -> Vec<f32> {
    let out = b.len();
    let rows = x.len() / width;
    let mut y = vec![0f32; rows * out];
    for (o, bias) in b.iter().enumerate() {
        let wo = &w[o * width..(o + 1) * width];
        for r in 0..rows {
            y[r * out + o] = bias + dot(&x[r * width..(r + 1) * width], wo);
        }
    }
    y
}

/// Layer normalisation of each row of `width` (BERT's ε, 1e-12).
fn layer_norm(x: &mut [f32], width: usize, (gain, bias): &(Vec<f32>, Vec<f32>)) {
    for row in x.chunks_exact_mut(width) {
        let mean = row.iter().sum::<f32>() / width as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / width as f32;
        let inv = 1.0 / (var + 1e-12).sqrt();
        for ((v, g), b) in row.iter_mut().zip(gain).zip(bias) {
            *v = (*v - mean) * inv * g + b;
        }
    }
}

/// GELU, the exact form (with the error function), as BERT uses.
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x / std::f32::consts::SQRT_2))
}

/// The error function (Abramowitz and Stegun 7.1.26, error under 1.5e-7).
fn erf(x: f32) -> f32 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let y = 1.0
        - (((((1.061_405_4 * t - 1.453_152_1) * t) + 1.421_413_7) * t - 0.284_496_74) * t + 0.254_829_6)
            * t
            * (-x * x).exp();
    y.copysign(x)
}

/// Every float32 tensor of a safetensors file, by name.
pub fn tensors(bytes: &[u8]) -> std::result::Result<HashMap<String, Vec<f32>>, String> {
    let head = bytes.get(..8).ok_or("shorter than its header length")?;
    let n = u64::from_le_bytes(head.try_into().map_err(|_| "header length")?);
    if n > MAX_HEADER {
        return Err(format!("a header of {n} bytes"));
    }
    let n = n as usize;
    let header: serde_json::Value = serde_json::from_slice(bytes.get(8..8 + n).ok_or("the header runs past the file")?)
        .map_err(|e| format!("header: {e}"))?;
    let data = &bytes[8 + n..];
    let mut out = HashMap::new();
    for (name, t) in header.as_object().ok_or("the header is not a table")? {
        if name == "__metadata__" || t["dtype"] != "F32" {
            continue;
        }
        let range = t["data_offsets"].as_array().ok_or_else(|| format!("{name}: no data offsets"))?;
        let (Some(a), Some(b)) = (range.first().and_then(|v| v.as_u64()), range.get(1).and_then(|v| v.as_u64())) else {
            return Err(format!("{name}: bad data offsets"));
        };
        let raw = data
            .get(a as usize..b as usize)
            .filter(|r| r.len() % 4 == 0)
            .ok_or_else(|| format!("{name}: its data lies outside the file"))?;
        out.insert(name.clone(), raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_and_gelu_are_right() {
        assert!((erf(0.5) - 0.520_499_9).abs() < 1e-6);
        assert!((erf(-1.5) + 0.966_105_1).abs() < 1e-6);
        assert!((gelu(1.0) - 0.841_344_7).abs() < 1e-6);
    }

    #[test]
    fn a_safetensors_file_is_read_and_a_bad_one_refused() {
        let header = br#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#;
        let mut f = (header.len() as u64).to_le_bytes().to_vec();
        f.extend_from_slice(header);
        f.extend(1.5f32.to_le_bytes());
        f.extend((-2.0f32).to_le_bytes());
        assert_eq!(tensors(&f).expect("reads")["a"], vec![1.5, -2.0]);
        assert!(tensors(&f[..f.len() - 1]).is_err(), "data cut short");
        assert!(tensors(&u64::MAX.to_le_bytes()).is_err(), "a huge header");
    }
}
