//! Fused, numerically stable softmax + cross-entropy over `[B, K]` logits.

/// Forward: writes `probs = softmax(logits)` row by row (max subtracted first) and returns
/// the mean negative log-likelihood of `labels`. `log p` is computed as `z − max − ln Σe`
/// so a confident wrong answer gives a large finite loss, never `inf`.
///
/// # Panics
/// If sizes disagree or a label is `>= k` (callers validate user labels before this).
pub fn softmax_ce_forward(logits: &[f32], labels: &[u32], k: usize, probs: &mut [f32]) -> f32 {
    let b = labels.len();
    assert!(logits.len() == b * k && probs.len() == b * k, "softmax_ce: sizes disagree");
    let mut loss = 0.0f64;
    for (i, &label) in labels.iter().enumerate() {
        assert!((label as usize) < k, "softmax_ce: label {label} out of range 0..{k}");
        let z = &logits[i * k..(i + 1) * k];
        let p = &mut probs[i * k..(i + 1) * k];
        let m = z.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
        let mut sum = 0.0f32;
        for (pj, &zj) in p.iter_mut().zip(z) {
            *pj = libm::expf(zj - m);
            sum += *pj;
        }
        let inv = 1.0 / sum;
        for pj in p.iter_mut() {
            *pj *= inv;
        }
        loss -= (z[label as usize] - m - libm::logf(sum)) as f64;
    }
    (loss / b.max(1) as f64) as f32
}

/// Backward: `dlogits += (probs − onehot(labels)) · dloss / B`.
pub fn softmax_ce_backward(probs: &[f32], labels: &[u32], k: usize, dloss: f32, dlogits: &mut [f32]) {
    let b = labels.len();
    let scale = dloss / b.max(1) as f32;
    for (i, &label) in labels.iter().enumerate() {
        for j in 0..k {
            let t = if j == label as usize { 1.0 } else { 0.0 };
            dlogits[i * k + j] += (probs[i * k + j] - t) * scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn uniform_logits_give_ln_k_and_huge_logits_stay_finite() {
        let mut p = [0.0; 4];
        // Equal logits: p = 1/4 each, loss = ln 4.
        let l = softmax_ce_forward(&[3.0; 4], &[2], 4, &mut p);
        assert!((l - 4f32.ln()).abs() < 1e-6);
        // A confidently wrong row: loss ≈ 1000, not inf or NaN.
        let l = softmax_ce_forward(&[1000.0, 0.0], &[1], 2, &mut p[..2]);
        assert!(l.is_finite() && (l - 1000.0).abs() < 1e-3, "{l}");
    }
}
