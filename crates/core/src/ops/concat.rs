//! Channel concatenation of `[N, Cᵢ, H, W]` tensors (the Inception module's merge).

use crate::autograd::{Node, Tape, Var};

/// Most inputs one concatenation takes (an Inception module has four).
pub const MAX_PARTS: usize = 8;

/// Saved state: the inputs and their channel counts (inline: no allocation per step).
#[derive(Debug)]
pub(crate) struct ConcatNode {
    parts: [(Var, usize); MAX_PARTS],
    len: usize,
    n: usize,
    hw: usize,
}

impl Tape {
    /// `[N, ΣCᵢ, H, W]`, inputs in order along the channels.
    ///
    /// # Panics
    /// If `parts` is empty or longer than [`MAX_PARTS`], or the inputs differ in N, H or W.
    #[track_caller]
    pub fn concat_channels(&mut self, parts: &[Var]) -> Var {
        assert!(!parts.is_empty() && parts.len() <= MAX_PARTS, "concat_channels: takes 1 to {MAX_PARTS} inputs");
        let [n, _, h, w] = self.value(parts[0]).nchw("concat_channels");
        let mut total = 0;
        let mut meta = [(Var::default(), 0); MAX_PARTS];
        for (slot, &p) in meta.iter_mut().zip(parts) {
            let [pn, pc, ph, pw] = self.value(p).nchw("concat_channels");
            assert!((pn, ph, pw) == (n, h, w), "concat_channels: [{pn},{pc},{ph},{pw}] does not match N={n}, {h}x{w}");
            *slot = (p, pc);
            total += pc;
        }
        let meta_len = parts.len();
        let hw = h * w;
        let mut y = self.tensor_for_overwrite(&[n, total, h, w]);
        for i in 0..n {
            let mut off = i * total * hw;
            for &(p, pc) in &meta[..meta_len] {
                let src = &self.values[p.0].data()[i * pc * hw..(i + 1) * pc * hw];
                y.data_mut()[off..off + pc * hw].copy_from_slice(src);
                off += pc * hw;
            }
        }
        let rg = parts.iter().any(|&p| self.needs_grad(p));
        self.push(y, Node::Concat(ConcatNode { parts: meta, len: meta_len, n, hw }), rg)
    }
}

impl ConcatNode {
    /// Each input gets its slice of `dy` back.
    pub(crate) fn backward(&self, tape: &mut Tape, dy: &[f32]) {
        let parts = &self.parts[..self.len];
        let total: usize = parts.iter().map(|p| p.1).sum();
        let mut c0 = 0;
        for &(p, pc) in parts {
            if tape.needs_grad(p) {
                let g = tape.grad_mut(p);
                for i in 0..self.n {
                    let src = &dy[(i * total + c0) * self.hw..(i * total + c0 + pc) * self.hw];
                    for (a, b) in g[i * pc * self.hw..(i + 1) * pc * self.hw].iter_mut().zip(src) {
                        *a += b;
                    }
                }
            }
            c0 += pc;
        }
    }
}
