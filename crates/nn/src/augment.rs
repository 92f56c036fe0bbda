//! Data augmentation as pure, seeded functions: random affine (rotation, scale, shift) with
//! bilinear sampling, and Gaussian pixel noise; plus [`Augmenter`], which turns a dataset into
//! shuffled, augmented batches where sample `i` of epoch `e` depends only on `(seed, e, i)`.

use crate::data::{Batcher, Dataset};
use depthlab_core::Rng;
use serde::{Deserialize, Serialize};

use crate::data::{PIXELS, SIDE};

/// Largest augmentation strength (2 = twice the default ranges).
pub const STRENGTH_MAX: f32 = 2.0;
/// Largest standard deviation of the pixel noise.
pub const NOISE_MAX: f32 = 0.5;

/// Augmentation settings (JSON via serde).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AugmentConfig {
    /// Off: batches are the plain shuffled digits.
    pub enabled: bool,
    /// Scales every affine range below (0 = none, 1 = the defaults, up to 2).
    pub strength: f32,
    /// Maximum rotation in degrees at strength 1.
    pub max_rotation_deg: f32,
    /// Maximum relative zoom at strength 1 (0.1 = scale in 0.9–1.1).
    pub max_scale: f32,
    /// Maximum shift in pixels at strength 1.
    pub max_shift_px: f32,
    /// Standard deviation of Gaussian pixel noise (not scaled by strength; 0 = off).
    pub noise_std: f32,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        AugmentConfig {
            enabled: true,
            strength: 1.0,
            max_rotation_deg: 15.0,
            max_scale: 0.1,
            max_shift_px: 2.0,
            noise_std: 0.0,
        }
    }
}

impl AugmentConfig {
    /// Checks every field is finite and in range; the message names the field.
    pub fn validate(&self) -> Result<(), crate::error::ConfigError> {
        let fields = [
            ("strength", self.strength, 0.0, STRENGTH_MAX),
            ("max_rotation_deg", self.max_rotation_deg, 0.0, 90.0),
            ("max_scale", self.max_scale, 0.0, 0.5),
            ("max_shift_px", self.max_shift_px, 0.0, 8.0),
            ("noise_std", self.noise_std, 0.0, NOISE_MAX),
        ];
        for (name, v, lo, hi) in fields {
            if !(v.is_finite() && v >= lo && v <= hi) {
                return Err(crate::error::ConfigError::coded(
                    alloc::format!("augment.{name}"),
                    alloc::format!("{v} is outside {lo}..={hi}"),
                    "augment.range",
                    &[("field", &name), ("value", &v), ("min", &lo), ("max", &hi)],
                ));
            }
        }
        Ok(())
    }
}

/// One affine transform about the image centre.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine {
    /// Rotation in radians (counter-clockwise).
    pub angle: f32,
    /// Zoom factor (>1 enlarges the digit).
    pub scale: f32,
    /// Shift in pixels, x (right) and y (down).
    pub shift: (f32, f32),
}

impl Affine {
    /// Draws a transform within `cfg`'s ranges.
    pub fn random(rng: &mut Rng, cfg: &AugmentConfig) -> Self {
        let s = cfg.strength;
        let rot = cfg.max_rotation_deg.to_radians() * s;
        let zoom = cfg.max_scale * s;
        let shift = cfg.max_shift_px * s;
        Affine {
            angle: rng.uniform(-rot, rot),
            scale: 1.0 + rng.uniform(-zoom, zoom),
            shift: (rng.uniform(-shift, shift), rng.uniform(-shift, shift)),
        }
    }
}

/// Applies `t` to a `side×side` image by inverse mapping with bilinear sampling (zero outside).
pub fn affine(src: &[f32], dst: &mut [f32], side: usize, t: &Affine) {
    assert!(src.len() >= side * side && dst.len() >= side * side, "affine: image buffers too small");
    let c = (side as f32 - 1.0) * 0.5;
    let (sin, cos) = (libm::sinf(t.angle), libm::cosf(t.angle));
    let inv = 1.0 / t.scale;
    for y in 0..side {
        for x in 0..side {
            // Output pixel → source: undo shift, then rotation by −angle and 1/scale.
            let (dx, dy) = (x as f32 - c - t.shift.0, y as f32 - c - t.shift.1);
            let sx = (cos * dx + sin * dy) * inv + c;
            let sy = (-sin * dx + cos * dy) * inv + c;
            dst[y * side + x] = bilinear(src, side, sx, sy);
        }
    }
}

fn bilinear(img: &[f32], side: usize, x: f32, y: f32) -> f32 {
    let (x0, y0) = (libm::floorf(x), libm::floorf(y));
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as isize, y0 as isize);
    let px = |xi: isize, yi: isize| {
        if xi < 0 || yi < 0 || xi >= side as isize || yi >= side as isize {
            0.0
        } else {
            img[yi as usize * side + xi as usize]
        }
    };
    let top = px(x0, y0) * (1.0 - fx) + px(x0 + 1, y0) * fx;
    let bot = px(x0, y0 + 1) * (1.0 - fx) + px(x0 + 1, y0 + 1) * fx;
    top * (1.0 - fy) + bot * fy
}

/// Adds `N(0, std²)` noise to every pixel and clamps to `[0, 1]`.
pub fn add_noise(img: &mut [f32], rng: &mut Rng, std: f32) {
    for v in img {
        *v = (*v + rng.normal() * std).clamp(0.0, 1.0);
    }
}

/// A dataset turned into shuffled, augmented batches.
#[derive(Debug)]
pub struct Augmenter {
    data: Dataset,
    batcher: Batcher,
    config: AugmentConfig,
    seed: u64,
    scratch: [f32; PIXELS],
}

impl Augmenter {
    /// Batches of `batch_size` over `data` with seed `seed`.
    pub fn new(data: Dataset, batch_size: usize, seed: u64, config: AugmentConfig) -> Self {
        let batcher = Batcher::new(data.len(), batch_size.max(1), seed);
        Augmenter { data, batcher, config, seed, scratch: [0.0; PIXELS] }
    }

    /// The augmentation settings.
    pub fn config(&self) -> &AugmentConfig {
        &self.config
    }
    /// Changes the settings (takes effect from the next batch).
    pub fn set_config(&mut self, config: AugmentConfig) {
        self.config = config;
    }
    /// Batches per epoch.
    pub fn batches_per_epoch(&self) -> usize {
        self.batcher.batches_per_epoch()
    }
    /// Samples per batch.
    pub fn batch_size(&self) -> usize {
        self.batcher.batch_size()
    }

    /// Fills batch `batch` of epoch `epoch`: `images` (`n·784` values in `[0,1]`) and
    /// `labels` (`n`), returning `n` (0 past the end of the epoch). Buffers must hold a full
    /// batch.
    pub fn fill_batch(&mut self, epoch: u64, batch: usize, images: &mut [f32], labels: &mut [u8]) -> usize {
        let bs = self.batcher.batch_size();
        assert!(images.len() >= bs * PIXELS && labels.len() >= bs, "fill_batch: buffers smaller than a batch");
        let n_data = self.data.len() as u64;
        let idx = self.batcher.batch(epoch, batch);
        for (k, &i) in idx.iter().enumerate() {
            let i = i as usize;
            labels[k] = self.data.labels()[i];
            let out = &mut images[k * PIXELS..(k + 1) * PIXELS];
            if !self.config.enabled {
                self.data.image_f32(i, out);
                continue;
            }
            // One stream per (epoch, position): independent of batch size and timing.
            let pos = (batch * bs + k) as u64;
            let mut rng = Rng::with_stream(self.seed ^ 0xa5a5_5a5a, epoch * n_data + pos);
            self.data.image_f32(i, &mut self.scratch);
            affine(&self.scratch, out, SIDE, &Affine::random(&mut rng, &self.config));
            if self.config.noise_std > 0.0 {
                add_noise(out, &mut rng, self.config.noise_std);
            }
        }
        idx.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn square_digit() -> Vec<f32> {
        let mut img = vec![0.0; PIXELS];
        for y in 10..18 {
            for x in 10..18 {
                img[y * SIDE + x] = 1.0;
            }
        }
        img
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn identity_affine_is_exact_and_shift_moves_pixels() {
        let src = square_digit();
        let mut dst = vec![0.0; PIXELS];
        affine(&src, &mut dst, SIDE, &Affine { angle: 0.0, scale: 1.0, shift: (0.0, 0.0) });
        assert_eq!(src, dst);
        affine(&src, &mut dst, SIDE, &Affine { angle: 0.0, scale: 1.0, shift: (2.0, 0.0) });
        assert_eq!(dst[12 * SIDE + 11], 0.0); // left edge moved right by 2
        assert_eq!(dst[12 * SIDE + 19], 1.0);
        // A 90° rotation of a centred square keeps its mass.
        affine(&src, &mut dst, SIDE, &Affine { angle: core::f32::consts::FRAC_PI_2, scale: 1.0, shift: (0.0, 0.0) });
        let mass: f32 = dst.iter().sum();
        assert!((mass - 64.0).abs() < 1e-3, "{mass}");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn noise_stays_in_range_and_config_validates() {
        let mut img = square_digit();
        add_noise(&mut img, &mut Rng::new(1), 0.5);
        assert!(img.iter().all(|v| (0.0..=1.0).contains(v)));
        assert!(AugmentConfig::default().validate().is_ok());
        let bad = AugmentConfig { strength: f32::NAN, ..Default::default() };
        assert!(bad.validate().unwrap_err().path.contains("strength"));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn batches_are_deterministic_and_augmented() {
        let mut images = Vec::new();
        for k in 0..10u8 {
            images.extend(square_digit().iter().map(|v| (v * 200.0) as u8 + k));
        }
        let data = Dataset::from_raw(images, (0..10).collect()).unwrap();
        let mut a = Augmenter::new(data.clone(), 4, 5, AugmentConfig::default());
        let mut b = Augmenter::new(data.clone(), 4, 5, AugmentConfig::default());
        let (mut ia, mut la, mut ib, mut lb) = (vec![0.0; 4 * PIXELS], [0u8; 4], vec![0.0; 4 * PIXELS], [0u8; 4]);
        assert_eq!(a.fill_batch(2, 1, &mut ia, &mut la), 4);
        b.fill_batch(0, 0, &mut ib, &mut lb); // different history, same request below
        b.fill_batch(2, 1, &mut ib, &mut lb);
        assert_eq!((ia.clone(), la), (ib, lb));
        let mut plain = Augmenter::new(data, 4, 5, AugmentConfig { enabled: false, ..Default::default() });
        let (mut ip, mut lp) = (vec![0.0; 4 * PIXELS], [0u8; 4]);
        plain.fill_batch(2, 1, &mut ip, &mut lp);
        assert_eq!(la, lp);
        assert_ne!(ia, ip, "augmentation changed nothing");
        assert_eq!(plain.fill_batch(2, 3, &mut ip, &mut lp), 0);
    }
}
