//! A small seeded PRNG (PCG-XSH-RR 64/32) with uniform and normal draws.
//!
//! Hand-written on purpose: every platform (native, wasm in any browser) must produce the same
//! stream bit for bit for runs to be reproducible, and the whole generator is a dozen lines.

/// PCG32 generator (O'Neill 2014), seeded with a 64-bit value.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
    inc: u64,
}

const MUL: u64 = 6364136223846793005;

impl Rng {
    /// A generator for `seed`; different seeds give independent-looking streams.
    pub fn new(seed: u64) -> Self {
        Self::with_stream(seed, 0xda3e_39cb_94b9_5bdb)
    }

    /// A generator for `seed` on stream `stream` (e.g. one stream per epoch or per sample).
    pub fn with_stream(seed: u64, stream: u64) -> Self {
        let mut r = Rng { state: 0, inc: (stream << 1) | 1 };
        r.next_u32();
        r.state = r.state.wrapping_add(seed);
        r.next_u32();
        r
    }

    /// The generator's whole state (to save a run and continue it later).
    pub fn state(&self) -> [u64; 2] {
        [self.state, self.inc]
    }

    /// A generator continuing from a [`Rng::state`]; `None` if `inc` is not odd (not a state).
    pub fn from_state([state, inc]: [u64; 2]) -> Option<Self> {
        (inc & 1 == 1).then_some(Rng { state, inc })
    }

    /// Next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(MUL).wrapping_add(self.inc);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        let rot = (old >> 59) as u32;
        xorshifted.rotate_right(rot)
    }

    /// Uniform in `[0, 1)` with 24 bits of precision.
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.next_f32()
    }

    /// Uniform integer in `[0, n)` (Lemire's multiply-shift, bias below 2^-32 per draw).
    ///
    /// # Panics
    /// If `n == 0`.
    pub fn below(&mut self, n: u32) -> u32 {
        assert!(n > 0, "Rng::below: n must be positive");
        ((self.next_u32() as u64 * n as u64) >> 32) as u32
    }

    /// Standard normal draw (Box–Muller, one value per call).
    pub fn normal(&mut self) -> f32 {
        let u1 = 1.0 - self.next_f32(); // (0, 1]: ln is finite
        let u2 = self.next_f32();
        crate::simd::sqrtf(-2.0 * libm::logf(u1)) * libm::cosf(core::f32::consts::TAU * u2)
    }

    /// Shuffles `xs` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i as u32 + 1) as usize;
            xs.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn same_seed_same_stream_and_sane_moments() {
        let (mut a, mut b) = (Rng::new(3), Rng::new(3));
        for _ in 0..100 {
            assert_eq!(a.next_u32(), b.next_u32());
        }
        assert_ne!(Rng::new(3).next_u32(), Rng::new(4).next_u32());
        let n = 20_000;
        let mut r = Rng::new(1);
        let (mut s, mut s2) = (0.0f64, 0.0f64);
        for _ in 0..n {
            let x = r.normal() as f64;
            s += x;
            s2 += x * x;
        }
        let mean = s / n as f64;
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((s2 / n as f64 - 1.0).abs() < 0.05);
        let mut xs = [0, 1, 2, 3, 4, 5, 6, 7];
        r.shuffle(&mut xs);
        let mut sorted = xs;
        sorted.sort();
        assert_eq!(sorted, [0, 1, 2, 3, 4, 5, 6, 7]);
    }
}
