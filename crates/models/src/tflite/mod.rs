//! A small pure-Rust runner for the TFLite models of the face pack.
//!
//! MediaPipe's models store their weights as float16 behind `DEQUANTIZE`
//! ops and use a custom transposed convolution, which the general runtimes
//! we can build here do not load (see `../shared/reference`). Their graphs
//! are small and use about fifteen float operators, so vivify runs them
//! itself: [`flatbuf`] reads the file, [`model`] turns it into a graph,
//! [`ops`] holds the kernels. Outputs are checked against Google's own
//! interpreter (the `ai-edge-litert` wheel) in `tests/tflite_reference.rs`.

pub mod flatbuf;
pub mod model;
pub mod ops;

use std::path::Path;

use crate::error::{Error, Result};
use model::{Graph, Op};

/// Largest model file read.
const MAX_MODEL_BYTES: u64 = 64 << 20;
/// Most multiply-adds one run may take (the face pack's largest model
/// takes well under a tenth of it).
pub const MAX_WORK: u64 = 4_000_000_000;

/// A loaded model.
pub struct Model {
    name: String,
    graph: Graph,
    /// For each operator, a convolution's constant filter laid out
    /// [kh][kw][ci][co] (see [`ops::conv_packed`]), made once at load.
    packed: Vec<Option<Vec<f32>>>,
}

impl Model {
    /// Reads a `.tflite` file.
    pub fn load(path: &Path) -> Result<Model> {
        let io = |source| Error::Io { path: path.to_path_buf(), source };
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > MAX_MODEL_BYTES {
            return Err(Error::Model {
                model: path.display().to_string(),
                problem: format!("{len} bytes, more than any model vivify uses"),
            });
        }
        let bytes = std::fs::read(path).map_err(io)?;
        Model::from_bytes(&path.display().to_string(), &bytes)
    }

    /// Reads a model from memory (`name` is for messages). A model whose
    /// one run would take more than [`MAX_WORK`] multiply-adds is refused:
    /// the shapes come from the file.
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<Model> {
        let mut graph = model::parse(bytes).map_err(|e| Error::Model { model: name.into(), problem: e.0 })?;
        fold_constants(&mut graph);
        let packed = graph.ops.iter().map(|op| pack(&graph, op)).collect();
        let model = Model { name: name.into(), graph, packed };
        let work = model.work();
        if work > MAX_WORK {
            return Err(model.fail(format!("{work} multiply-adds per run, more than any model vivify uses")));
        }
        Ok(model)
    }

    /// Multiply-adds of one run, roughly (convolutions and pools).
    pub fn work(&self) -> u64 {
        let g = &self.graph;
        let len = |t: usize| g.tensors[t].len() as u64;
        let window = |t: usize| g.tensors[t].shape.get(1..3).map_or(1, |s| s.iter().product::<usize>() as u64);
        let depth = |t: usize| g.tensors[t].shape.last().copied().unwrap_or(1) as u64;
        g.ops
            .iter()
            .map(|op| match *op {
                Op::Conv { filter, output, .. } => len(output).saturating_mul(window(filter) * depth(filter)),
                // Each input value meets kh·kw·co weights.
                Op::TransposeConv { input, filter, .. } => {
                    len(input).saturating_mul(len(filter) / depth(filter).max(1))
                }
                Op::Depthwise { filter, output, .. } => len(output).saturating_mul(window(filter)),
                Op::MaxPool { output, win, .. } | Op::AvgPool { output, win, .. } => {
                    len(output).saturating_mul((win.size.0 * win.size.1) as u64)
                }
                _ => 0,
            })
            .fold(0u64, u64::saturating_add)
    }

    /// Shape of input `i`.
    pub fn input_shape(&self, i: usize) -> Option<&[usize]> {
        self.graph.inputs.get(i).map(|&t| self.graph.tensors[t].shape.as_slice())
    }

    /// Shape of output `i`.
    pub fn output_shape(&self, i: usize) -> Option<&[usize]> {
        self.graph.outputs.get(i).map(|&t| self.graph.tensors[t].shape.as_slice())
    }

    fn fail(&self, problem: String) -> Error {
        Error::Model { model: self.name.clone(), problem }
    }

    /// Runs the graph on `inputs` (flat NHWC floats, one per graph input)
    /// and returns every graph output.
    pub fn run(&self, inputs: &[&[f32]]) -> Result<Vec<Vec<f32>>> {
        let g = &self.graph;
        if inputs.len() != g.inputs.len() {
            return Err(self.fail(format!("{} inputs given, the model takes {}", inputs.len(), g.inputs.len())));
        }
        let mut values: Vec<Option<Vec<f32>>> = vec![None; g.tensors.len()];
        for (&t, data) in g.inputs.iter().zip(inputs) {
            if data.len() != g.tensors[t].len() {
                return Err(self.fail(format!(
                    "input {} has {} values, its shape {:?} holds {}",
                    g.tensors[t].name,
                    data.len(),
                    g.tensors[t].shape,
                    g.tensors[t].len()
                )));
            }
            values[t] = Some(data.to_vec());
        }
        for (i, op) in g.ops.iter().enumerate() {
            let (output, value) = self.step(i, op, &values).map_err(|p| self.fail(format!("operator {i}: {p}")))?;
            if value.len() != g.tensors[output].len() {
                return Err(self.fail(format!(
                    "operator {i} made {} values for {} of shape {:?}",
                    value.len(),
                    g.tensors[output].name,
                    g.tensors[output].shape
                )));
            }
            values[output] = Some(value);
        }
        g.outputs
            .iter()
            .map(|&t| {
                // An output may be a constant (a folded DEQUANTIZE, say).
                values[t]
                    .take()
                    .or_else(|| g.tensors[t].data.clone())
                    .ok_or_else(|| self.fail(format!("output {} was never made", g.tensors[t].name)))
            })
            .collect()
    }

    /// One operator: its output tensor and values.
    fn step(
        &self,
        index: usize,
        op: &Op,
        values: &[Option<Vec<f32>>],
    ) -> std::result::Result<(usize, Vec<f32>), String> {
        let g = &self.graph;
        let get = |t: usize| -> std::result::Result<&[f32], String> {
            values[t]
                .as_deref()
                .or(g.tensors[t].data.as_deref())
                .ok_or_else(|| format!("tensor {} has no value yet", g.tensors[t].name))
        };
        let shape = |t: usize| g.tensors[t].shape.as_slice();
        let hwc = |t: usize| {
            ops::hwc(shape(t)).ok_or_else(|| format!("tensor {} is not NHWC: {:?}", g.tensors[t].name, shape(t)))
        };
        let filter_dims = |t: usize| match *shape(t) {
            [o, kh, kw, i] if o > 0 && kh > 0 && kw > 0 && i > 0 => Ok((o, kh, kw)),
            _ => Err(format!("filter {} has shape {:?}", g.tensors[t].name, shape(t))),
        };
        // A bias must have one value per output channel.
        let bias_of = |t: Option<usize>, co: usize| -> std::result::Result<Option<&[f32]>, String> {
            match t.map(get).transpose()? {
                Some(b) if b.len() != co => Err(format!("{} bias values for {co} channels", b.len())),
                b => Ok(b),
            }
        };
        let out_hw = |t: usize| hwc(t).map(|(h, w, _)| (h, w));
        Ok(match op {
            &Op::Conv { input, filter, bias, output, ref win, act } => {
                let (i, f) = (hwc(input)?, filter_dims(filter)?);
                if shape(filter)[3] != i.2 {
                    return Err(format!("filter depth {} for {} channels", shape(filter)[3], i.2));
                }
                let b = bias_of(bias, f.0)?;
                if hwc(output)?.2 != f.0 {
                    return Err(format!("{} filters for {} output channels", f.0, hwc(output)?.2));
                }
                let o = out_hw(output)?;
                match self.packed.get(index).and_then(Option::as_ref) {
                    Some(wt) => (output, ops::conv_packed(get(input)?, i, wt, f, b, win, act, o)),
                    None => (output, ops::conv(get(input)?, i, get(filter)?, f, b, win, act, o)),
                }
            }
            &Op::Depthwise { input, filter, bias, output, ref win, act } => {
                let i = hwc(input)?;
                let [1, kh, kw, co] = *shape(filter) else {
                    return Err(format!("depthwise filter of shape {:?}", shape(filter)));
                };
                if kh == 0 || kw == 0 || co % i.2 != 0 || hwc(output)?.2 != co {
                    return Err(format!("{co} depthwise outputs for {} channels", i.2));
                }
                let b = bias_of(bias, co)?;
                (output, ops::depthwise(get(input)?, i, get(filter)?, (co, kh, kw), b, win, act, out_hw(output)?))
            }
            &Op::TransposeConv { input, filter, bias, output, ref win } => {
                let (i, f) = (hwc(input)?, filter_dims(filter)?);
                if shape(filter)[3] != i.2 || hwc(output)?.2 != f.0 {
                    return Err(format!("filter depth {} for {} channels", shape(filter)[3], i.2));
                }
                let b = bias_of(Some(bias), f.0)?.unwrap_or_default();
                (output, ops::transpose_conv(get(input)?, i, get(filter)?, f, b, win, out_hw(output)?))
            }
            &Op::MaxPool { input, output, ref win, act } | &Op::AvgPool { input, output, ref win, act } => {
                if hwc(output)?.2 != hwc(input)?.2 {
                    return Err("pooling changes the channels".into());
                }
                let max = matches!(op, Op::MaxPool { .. });
                (output, ops::pool(get(input)?, hwc(input)?, win, act, out_hw(output)?, max))
            }
            &Op::Add { a, b, output, act } => (output, self.pairwise(a, b, output, get, |x, y| act.apply(x + y))?),
            &Op::Mul { a, b, output, act } => (output, self.pairwise(a, b, output, get, |x, y| act.apply(x * y))?),
            &Op::Prelu { input, alpha, output } => {
                (output, self.pairwise(input, alpha, output, get, |x, a| if x >= 0.0 { x } else { a * x })?)
            }
            &Op::Relu { input, output } => (output, get(input)?.iter().map(|v| v.max(0.0)).collect()),
            &Op::Logistic { input, output } => (output, get(input)?.iter().map(|v| 1.0 / (1.0 + (-v).exp())).collect()),
            &Op::HardSwish { input, output } => {
                (output, get(input)?.iter().map(|&v| v * (v + 3.0).clamp(0.0, 6.0) / 6.0).collect())
            }
            &Op::Dequantize { input, output } | &Op::Reshape { input, output } => (output, get(input)?.to_vec()),
            &Op::Pad { input, paddings, output } => {
                let p = g.tensors[paddings].ints.as_deref().ok_or("paddings are not constant")?;
                let (h, w, c) = hwc(input)?;
                let (oh, ow, oc) = hwc(output)?;
                if p.len() != 8 || p[0] != 0 || p[1] != 0 || p.iter().any(|&v| v < 0) {
                    return Err(format!("paddings {p:?}"));
                }
                let (top, left, front) = (p[2] as usize, p[4] as usize, p[6] as usize);
                if top + h > oh || left + w > ow || front + c > oc {
                    return Err(format!("paddings {p:?} do not fit {:?}", shape(output)));
                }
                let src = get(input)?;
                let mut out = vec![0f32; oh * ow * oc];
                for y in 0..h {
                    for x in 0..w {
                        let o = ((y + top) * ow + x + left) * oc + front;
                        out[o..o + c].copy_from_slice(&src[(y * w + x) * c..][..c]);
                    }
                }
                (output, out)
            }
            Op::Concat { inputs, axis, output, act } => {
                let out_shape = shape(*output);
                let rank = out_shape.len() as i32;
                let axis = if *axis < 0 { axis + rank } else { *axis };
                if !(0..rank).contains(&axis) {
                    return Err(format!("concatenation axis {axis} of rank {rank}"));
                }
                let axis = axis as usize;
                let outer: usize = out_shape[..axis].iter().product();
                let mut out = Vec::with_capacity(g.tensors[*output].len());
                for o in 0..outer {
                    for &t in inputs {
                        let inner: usize = shape(t)[axis..].iter().product();
                        out.extend(get(t)?.get(o * inner..(o + 1) * inner).ok_or("concatenation shapes differ")?);
                    }
                }
                out.iter_mut().for_each(|v| *v = act.apply(*v));
                (*output, out)
            }
            &Op::ResizeBilinear { input, output, align_corners, half_pixel } => {
                let i = hwc(input)?;
                if hwc(output)?.2 != i.2 {
                    return Err("resize changes the channels".into());
                }
                (output, ops::resize_bilinear(get(input)?, i, out_hw(output)?, align_corners, half_pixel))
            }
        })
    }

    /// An elementwise op of two tensors with broadcasting.
    fn pairwise<'v>(
        &self,
        a: usize,
        b: usize,
        output: usize,
        get: impl Fn(usize) -> std::result::Result<&'v [f32], String>,
        f: impl Fn(f32, f32) -> f32,
    ) -> std::result::Result<Vec<f32>, String> {
        let g = &self.graph;
        let (sa, sb, so) = (&g.tensors[a].shape, &g.tensors[b].shape, &g.tensors[output].shape);
        ops::broadcast(get(a)?, sa, get(b)?, sb, so, f)
            .ok_or_else(|| format!("shapes {sa:?} and {sb:?} do not broadcast to {so:?}"))
    }
}

/// Turns `DEQUANTIZE` ops of constants into constants (MediaPipe stores
/// its weights as float16 behind one): their output tensors take the
/// widened values once, and the ops are dropped.
fn fold_constants(g: &mut Graph) {
    let mut kept = Vec::with_capacity(g.ops.len());
    for op in std::mem::take(&mut g.ops) {
        if let Op::Dequantize { input, output } = op {
            if let Some(data) = g.tensors[input].data.clone() {
                if data.len() == g.tensors[output].len() {
                    g.tensors[output].data = Some(data);
                    continue;
                }
            }
        }
        kept.push(op);
    }
    g.ops = kept;
}

/// A convolution's constant filter [co][kh][kw][ci] laid out [kh][kw][ci][co].
fn pack(g: &Graph, op: &Op) -> Option<Vec<f32>> {
    let Op::Conv { filter, .. } = *op else { return None };
    let t = &g.tensors[filter];
    let data = t.data.as_ref()?;
    let [co, kh, kw, ci] = *t.shape.as_slice() else { return None };
    if data.len() != co * kh * kw * ci {
        return None;
    }
    let mut out = vec![0f32; data.len()];
    for c in 0..co {
        for k in 0..kh * kw {
            for i in 0..ci {
                out[(k * ci + i) * co + c] = data[(c * kh * kw + k) * ci + i];
            }
        }
    }
    Some(out)
}
