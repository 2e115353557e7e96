//! A TFLite model read into a graph of float operations.
//!
//! Only what vivify's packs use is read: the first subgraph, float32 and
//! float16 tensors (float16 constants are widened once, so the `DEQUANTIZE`
//! ops MediaPipe puts after them cost nothing at run time), int32
//! constants (shapes, paddings), and the options of the operators in
//! [`Op`]. Anything else is an error that names it.

use super::flatbuf::{Bad, Got, Table};

/// Tensor element types (TFLite's `TensorType`).
const FLOAT32: u8 = 0;
const FLOAT16: u8 = 1;
const INT32: u8 = 2;

/// Largest number of elements a tensor may have (the packs' largest holds
/// about 256×256×16); a file asking for more is refused.
pub const MAX_ELEMENTS: usize = 1 << 24;

/// Fused activation after an op (TFLite's `ActivationFunctionType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    None,
    Relu,
    ReluN1To1,
    Relu6,
}

impl Activation {
    fn from_code(code: u8) -> Got<Activation> {
        Ok(match code {
            0 => Activation::None,
            1 => Activation::Relu,
            2 => Activation::ReluN1To1,
            3 => Activation::Relu6,
            other => return Err(Bad(format!("fused activation {other} is not supported"))),
        })
    }

    #[inline]
    pub fn apply(self, v: f32) -> f32 {
        match self {
            Activation::None => v,
            Activation::Relu => v.max(0.0),
            Activation::ReluN1To1 => v.clamp(-1.0, 1.0),
            Activation::Relu6 => v.clamp(0.0, 6.0),
        }
    }
}

/// How a window meets the picture's border.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// Output size = ceil(input / stride), the window centred with zeros round.
    Same,
    /// Only windows wholly inside.
    Valid,
}

/// Window geometry of a convolution or pooling.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub padding: Padding,
    pub stride: (usize, usize),
    pub dilation: (usize, usize),
    /// Pool size (convolutions take theirs from the filter).
    pub size: (usize, usize),
}

/// One operation; tensors are indexes into [`Graph::tensors`].
#[derive(Clone, Debug)]
pub enum Op {
    Conv {
        input: usize,
        filter: usize,
        bias: Option<usize>,
        output: usize,
        win: Window,
        act: Activation,
    },
    Depthwise {
        input: usize,
        filter: usize,
        bias: Option<usize>,
        output: usize,
        win: Window,
        act: Activation,
    },
    /// Transposed convolution with bias (MediaPipe's custom
    /// `Convolution2DTransposeBias`).
    TransposeConv {
        input: usize,
        filter: usize,
        bias: usize,
        output: usize,
        win: Window,
    },
    MaxPool {
        input: usize,
        output: usize,
        win: Window,
        act: Activation,
    },
    AvgPool {
        input: usize,
        output: usize,
        win: Window,
        act: Activation,
    },
    Add {
        a: usize,
        b: usize,
        output: usize,
        act: Activation,
    },
    Mul {
        a: usize,
        b: usize,
        output: usize,
        act: Activation,
    },
    Relu {
        input: usize,
        output: usize,
    },
    Prelu {
        input: usize,
        alpha: usize,
        output: usize,
    },
    Logistic {
        input: usize,
        output: usize,
    },
    HardSwish {
        input: usize,
        output: usize,
    },
    Pad {
        input: usize,
        paddings: usize,
        output: usize,
    },
    Reshape {
        input: usize,
        output: usize,
    },
    Concat {
        inputs: Vec<usize>,
        axis: i32,
        output: usize,
        act: Activation,
    },
    ResizeBilinear {
        input: usize,
        output: usize,
        align_corners: bool,
        half_pixel: bool,
    },
    /// float16 → float32: the constant was widened at load, so a copy.
    Dequantize {
        input: usize,
        output: usize,
    },
}

/// A tensor: its shape, and its values when it is a constant.
#[derive(Clone, Debug)]
pub struct Tensor {
    pub name: String,
    pub shape: Vec<usize>,
    /// Constant float values (float16 widened), if the file holds any.
    pub data: Option<Vec<f32>>,
    /// Constant int32 values (shapes, paddings).
    pub ints: Option<Vec<i32>>,
}

impl Tensor {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The model's first subgraph, ready to run.
#[derive(Clone, Debug)]
pub struct Graph {
    pub tensors: Vec<Tensor>,
    pub ops: Vec<Op>,
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
}

/// Reads a TFLite flatbuffer.
pub fn parse(buf: &[u8]) -> Got<Graph> {
    if buf.len() < 8 || &buf[4..8] != b"TFL3" {
        return Err(Bad("not a TFLite model (no TFL3 identifier)".into()));
    }
    let model = Table::root(buf)?;
    let codes = model.vector(1)?.ok_or_else(|| Bad("no operator codes".into()))?;
    let mut opcodes = Vec::with_capacity(codes.len.min(1024));
    for i in 0..codes.len {
        let c = codes.table(i)?;
        let old = i32::from(c.u8(0, 0)? as i8);
        let code = c.i32(3, 0)?.max(old);
        let custom = c.string(1)?;
        opcodes.push((code, custom));
    }
    let buffers = model.vector(4)?.ok_or_else(|| Bad("no buffers".into()))?;
    let subgraphs = model.vector(2)?.ok_or_else(|| Bad("no subgraphs".into()))?;
    if subgraphs.len == 0 {
        return Err(Bad("no subgraphs".into()));
    }
    let sg = subgraphs.table(0)?;
    let tensor_tables = sg.vector(0)?.ok_or_else(|| Bad("no tensors".into()))?;
    let mut tensors = Vec::with_capacity(tensor_tables.len.min(65536));
    for i in 0..tensor_tables.len {
        let t = tensor_tables.table(i)?;
        let name = t.string(3)?.unwrap_or_default();
        let dims = t.vector(0)?.map(|v| v.i32s()).transpose()?.unwrap_or_default();
        if dims.iter().any(|&d| d < 0) {
            return Err(Bad(format!("tensor {name} has an unknown dimension {dims:?}")));
        }
        let shape: Vec<usize> = dims.iter().map(|&d| d as usize).collect();
        let elements = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).filter(|&n| n <= MAX_ELEMENTS);
        let Some(elements) = elements else {
            return Err(Bad(format!("tensor {name} of shape {shape:?} is too large")));
        };
        let kind = t.u8(1, FLOAT32)?;
        let buffer = t.u32(2, 0)? as usize;
        let raw = if buffer > 0 && buffer < buffers.len {
            buffers.table(buffer)?.vector(0)?.map(|v| v.bytes()).transpose()?.filter(|b| !b.is_empty())
        } else {
            None
        };
        let (mut data, mut ints) = (None, None);
        if let Some(raw) = raw {
            let width = match kind {
                FLOAT32 | INT32 => 4,
                FLOAT16 => 2,
                other => return Err(Bad(format!("tensor {name} has element type {other}, not float or int32"))),
            };
            if raw.len() != elements * width {
                return Err(Bad(format!("tensor {name}: {} bytes of data for {elements} elements", raw.len())));
            }
            match kind {
                FLOAT32 => {
                    data = Some(raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
                }
                FLOAT16 => {
                    data = Some(raw.chunks_exact(2).map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]]))).collect())
                }
                _ => ints = Some(raw.chunks_exact(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()),
            }
        } else if kind != FLOAT32 && kind != FLOAT16 && kind != INT32 {
            return Err(Bad(format!("tensor {name} has element type {kind}, not float or int32")));
        }
        tensors.push(Tensor { name, shape, data, ints });
    }
    let index = |v: i32, what: &str| -> Got<usize> {
        usize::try_from(v)
            .ok()
            .filter(|&i| i < tensors.len())
            .ok_or_else(|| Bad(format!("{what} names tensor {v}, which does not exist")))
    };
    let list = |t: &Table<'_>, id: usize, what: &str| -> Got<Vec<usize>> {
        t.vector(id)?.map(|v| v.i32s()).transpose()?.unwrap_or_default().into_iter().map(|v| index(v, what)).collect()
    };
    let inputs = list(&sg, 1, "the graph's input")?;
    let outputs = list(&sg, 2, "the graph's output")?;
    let op_tables = sg.vector(3)?.ok_or_else(|| Bad("no operators".into()))?;
    let mut ops = Vec::with_capacity(op_tables.len.min(65536));
    for i in 0..op_tables.len {
        let t = op_tables.table(i)?;
        let code = t.u32(0, 0)? as usize;
        let (builtin, custom) = opcodes.get(code).ok_or_else(|| Bad(format!("operator {i} has opcode {code}")))?;
        // Optional inputs are -1.
        let raw_inputs = t.vector(1)?.map(|v| v.i32s()).transpose()?.unwrap_or_default();
        let ins: Vec<Option<usize>> = raw_inputs
            .iter()
            .map(|&v| if v < 0 { Ok(None) } else { index(v, "an operator").map(Some) })
            .collect::<Got<_>>()?;
        let outs = list(&t, 2, "an operator")?;
        let opts = t.table(4)?;
        ops.push(operator(i, *builtin, custom.as_deref(), &ins, &outs, opts.as_ref(), &t)?);
    }
    Ok(Graph { tensors, ops, inputs, outputs })
}

fn need(ins: &[Option<usize>], k: usize, i: usize) -> Got<usize> {
    ins.get(k).copied().flatten().ok_or_else(|| Bad(format!("operator {i} lacks input {k}")))
}

fn first(outs: &[usize], i: usize) -> Got<usize> {
    outs.first().copied().ok_or_else(|| Bad(format!("operator {i} has no output")))
}

fn padding(code: u8) -> Got<Padding> {
    match code {
        0 => Ok(Padding::Same),
        1 => Ok(Padding::Valid),
        other => Err(Bad(format!("padding {other}"))),
    }
}

fn stride(v: i32) -> Got<usize> {
    // A global pool's stride is the picture's size.
    usize::try_from(v).ok().filter(|&s| (1..=4096).contains(&s)).ok_or_else(|| Bad(format!("stride or dilation {v}")))
}

fn extent(v: i32) -> Got<usize> {
    usize::try_from(v).ok().filter(|&s| (1..=4096).contains(&s)).ok_or_else(|| Bad(format!("window size {v}")))
}

fn operator(
    i: usize,
    code: i32,
    custom: Option<&str>,
    ins: &[Option<usize>],
    outs: &[usize],
    opts: Option<&Table<'_>>,
    op: &Table<'_>,
) -> Got<Op> {
    let output = first(outs, i)?;
    let act_at = |id: usize| -> Got<Activation> { Activation::from_code(opts.map_or(Ok(0), |o| o.u8(id, 0))?) };
    let no_opts = || Bad(format!("operator {i} (code {code}) has no options"));
    Ok(match code {
        0 => Op::Add { a: need(ins, 0, i)?, b: need(ins, 1, i)?, output, act: act_at(0)? },
        18 => Op::Mul { a: need(ins, 0, i)?, b: need(ins, 1, i)?, output, act: act_at(0)? },
        1 | 17 => {
            let o = opts.ok_or_else(no_opts)?;
            let win = Window {
                padding: padding(o.u8(0, 0)?)?,
                stride: (stride(o.i32(1, 1)?)?, stride(o.i32(2, 1)?)?),
                dilation: (1, 1),
                size: (extent(o.i32(3, 1)?)?, extent(o.i32(4, 1)?)?),
            };
            let (input, act) = (need(ins, 0, i)?, act_at(5)?);
            if code == 1 {
                Op::AvgPool { input, output, win, act }
            } else {
                Op::MaxPool { input, output, win, act }
            }
        }
        2 => Op::Concat {
            inputs: ins
                .iter()
                .map(|v| v.ok_or_else(|| Bad(format!("operator {i} has an empty input"))))
                .collect::<Got<_>>()?,
            axis: opts.map_or(Ok(0), |o| o.i32(0, 0))?,
            output,
            act: act_at(1)?,
        },
        // Conv2DOptions and DepthwiseConv2DOptions share padding and
        // strides; the depthwise one has its depth multiplier before the
        // activation, so that and the dilations sit one field later.
        3 | 4 => {
            let o = opts.ok_or_else(no_opts)?;
            let later = usize::from(code == 4);
            let win = Window {
                padding: padding(o.u8(0, 0)?)?,
                stride: (stride(o.i32(1, 1)?)?, stride(o.i32(2, 1)?)?),
                dilation: (stride(o.i32(4 + later, 1)?)?, stride(o.i32(5 + later, 1)?)?),
                size: (0, 0),
            };
            let (input, filter, bias, act) =
                (need(ins, 0, i)?, need(ins, 1, i)?, ins.get(2).copied().flatten(), act_at(3 + later)?);
            if code == 3 {
                Op::Conv { input, filter, bias, output, win, act }
            } else {
                Op::Depthwise { input, filter, bias, output, win, act }
            }
        }
        6 => Op::Dequantize { input: need(ins, 0, i)?, output },
        14 => Op::Logistic { input: need(ins, 0, i)?, output },
        19 => Op::Relu { input: need(ins, 0, i)?, output },
        22 => Op::Reshape { input: need(ins, 0, i)?, output },
        23 => {
            let (align, half) = match opts {
                Some(o) => (o.u8(2, 0)? != 0, o.u8(3, 0)? != 0),
                None => (false, false),
            };
            Op::ResizeBilinear { input: need(ins, 0, i)?, output, align_corners: align, half_pixel: half }
        }
        34 => Op::Pad { input: need(ins, 0, i)?, paddings: need(ins, 1, i)?, output },
        54 => Op::Prelu { input: need(ins, 0, i)?, alpha: need(ins, 1, i)?, output },
        117 => Op::HardSwish { input: need(ins, 0, i)?, output },
        32 if custom == Some("Convolution2DTransposeBias") => {
            // Its options are a plain struct: padding (1 same, 2 valid),
            // stride width, stride height, as little-endian int32.
            let raw = op.vector(5)?.ok_or_else(|| Bad(format!("operator {i} has no custom options")))?.bytes()?;
            if raw.len() < 12 {
                return Err(Bad(format!("operator {i}: {} bytes of transpose options", raw.len())));
            }
            let word = |k: usize| i32::from_le_bytes([raw[4 * k], raw[4 * k + 1], raw[4 * k + 2], raw[4 * k + 3]]);
            let padding = match word(0) {
                1 => Padding::Same,
                2 => Padding::Valid,
                other => return Err(Bad(format!("operator {i}: transpose padding {other}"))),
            };
            let win = Window { padding, stride: (stride(word(1))?, stride(word(2))?), dilation: (1, 1), size: (0, 0) };
            Op::TransposeConv { input: need(ins, 0, i)?, filter: need(ins, 1, i)?, bias: need(ins, 2, i)?, output, win }
        }
        _ => {
            let name = custom.map_or_else(|| format!("builtin {code}"), |c| format!("custom {c}"));
            return Err(Bad(format!("operator {i} ({name}) is not supported")));
        }
    })
}

/// IEEE half → single precision.
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let frac = u32::from(h & 0x3ff);
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, f) => {
            // Subnormal: normalise.
            let shift = f.leading_zeros() - 21;
            sign | ((113 - shift) << 23) | (((f << shift) & 0x3ff) << 13)
        }
        (31, 0) => sign | 0x7f80_0000,
        (31, f) => sign | 0x7f80_0000 | (f << 13),
        (e, f) => sign | ((e + 112) << 23) | (f << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_widen_exactly() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 5.960_464_5e-8, "smallest subnormal");
        assert_eq!(f16_to_f32(0x03ff), 6.097_555e-5, "largest subnormal");
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert!(f16_to_f32(0x7c00).is_infinite() && f16_to_f32(0x7e00).is_nan());
    }

    #[test]
    fn what_is_not_a_model_is_refused() {
        assert!(parse(b"").is_err());
        assert!(parse(b"\x10\0\0\0TFL3").is_err());
        assert!(parse(&[0u8; 64]).is_err());
    }
}
