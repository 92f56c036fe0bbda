//! An in-memory digit set: `count` images of 28×28 bytes and their labels.

use super::idx::{parse_idx, IdxKind};
use super::DataError;
use alloc::vec::Vec;

/// Side of the images every model takes.
pub const SIDE: usize = 28;
/// Pixels per image.
pub const PIXELS: usize = SIDE * SIDE;

/// Validated images (u8, row-major 28×28 each) and labels (0..=9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    images: Vec<u8>,
    labels: Vec<u8>,
}

impl Dataset {
    /// Reads an image file and a label file (each raw or gzip IDX) and checks they match.
    pub fn from_idx(image_bytes: &[u8], label_bytes: &[u8]) -> Result<Self, DataError> {
        let images = parse_idx(image_bytes, IdxKind::Images)?;
        let labels = parse_idx(label_bytes, IdxKind::Labels)?;
        if (images.rows, images.cols) != (SIDE, SIDE) {
            return Err(DataError::WrongImageSize { rows: images.rows, cols: images.cols });
        }
        Self::from_raw(images.data, labels.data)
    }

    /// Wraps already-decoded bytes, validating counts and labels.
    pub fn from_raw(images: Vec<u8>, labels: Vec<u8>) -> Result<Self, DataError> {
        if !images.len().is_multiple_of(PIXELS) || images.len() / PIXELS != labels.len() {
            return Err(DataError::CountMismatch { images: images.len() / PIXELS, labels: labels.len() });
        }
        if let Some((index, &value)) = labels.iter().enumerate().find(|(_, &l)| l > 9) {
            return Err(DataError::LabelOutOfRange { index, value });
        }
        Ok(Dataset { images, labels })
    }

    /// The same digits in an order fixed by `seed` (Fisher–Yates): a dropped single set is
    /// shuffled before a test split is held out, so the split is not whatever order the file
    /// happens to be sorted in (MNIST-like files are often sorted by writer or by digit).
    pub fn shuffled(&self, seed: u64) -> Dataset {
        let n = self.len();
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = depthlab_core::Rng::with_stream(seed, 0x5f1e);
        for i in (1..n).rev() {
            let j = ((rng.next_u32() as u64 * (i as u64 + 1)) >> 32) as usize;
            order.swap(i, j);
        }
        let mut images = Vec::with_capacity(self.images.len());
        let mut labels = Vec::with_capacity(n);
        for &k in &order {
            images.extend_from_slice(self.image(k));
            labels.push(self.labels[k]);
        }
        Dataset { images, labels }
    }

    /// Number of digits.
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    /// True when empty (never, for a dataset built by [`Dataset::from_idx`]).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    /// All labels.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }
    /// All image bytes, `len() · 784`.
    pub fn image_bytes(&self) -> &[u8] {
        &self.images
    }
    /// Bytes of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        &self.images[i * PIXELS..(i + 1) * PIXELS]
    }
    /// Image `i` scaled to `[0, 1]`, written into `out` (784 values).
    pub fn image_f32(&self, i: usize, out: &mut [f32]) {
        for (o, &b) in out.iter_mut().zip(self.image(i)) {
            *o = b as f32 * (1.0 / 255.0);
        }
    }
    /// Every image scaled to `[0, 1]`, `len() · 784` values.
    pub fn images_f32(&self) -> Vec<f32> {
        self.images.iter().map(|&b| b as f32 * (1.0 / 255.0)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn idx(magic: u8, dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, 8, magic];
        for d in dims {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v.extend_from_slice(data);
        v
    }

    /// A shuffle keeps every digit with its label, is fixed by the seed, and mixes a set
    /// sorted by label so that an 80/20 split holds out every digit.
    #[wasm_bindgen_test(unsupported = test)]
    fn shuffle_keeps_pairs_and_mixes_a_sorted_set() {
        let n = 500;
        let labels: Vec<u8> = (0..n).map(|i| (i * 10 / n) as u8).collect(); // sorted: 0…0 1…1 … 9…9
        let images: Vec<u8> = (0..n).flat_map(|i| core::iter::repeat_n((i % 256) as u8, PIXELS)).collect();
        let d = Dataset::from_raw(images, labels).unwrap();
        let a = d.shuffled(7);
        assert_eq!(a, d.shuffled(7));
        assert_ne!(a, d.shuffled(8));
        let key = |s: &Dataset, i: usize| (s.labels()[i], s.image(i)[0]);
        let mut before: Vec<_> = (0..n).map(|i| key(&d, i)).collect();
        let mut after: Vec<_> = (0..n).map(|i| key(&a, i)).collect();
        before.sort();
        after.sort();
        assert_eq!(before, after);
        let held: alloc::collections::BTreeSet<u8> = a.labels()[n * 4 / 5..].iter().copied().collect();
        assert_eq!(held.len(), 10, "the held-out fifth has only digits {held:?}");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn image_label_count_mismatch() {
        let imgs = idx(3, &[2, 28, 28], &[0; 2 * 784]);
        let lbls = idx(1, &[3], &[1, 2, 3]);
        assert_eq!(Dataset::from_idx(&imgs, &lbls), Err(DataError::CountMismatch { images: 2, labels: 3 }));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn label_out_of_range() {
        let imgs = idx(3, &[2, 28, 28], &[0; 2 * 784]);
        let lbls = idx(1, &[2], &[4, 12]);
        assert_eq!(Dataset::from_idx(&imgs, &lbls), Err(DataError::LabelOutOfRange { index: 1, value: 12 }));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn wrong_image_size() {
        let imgs = idx(3, &[1, 32, 32], &[0; 1024]);
        let lbls = idx(1, &[1], &[4]);
        assert_eq!(Dataset::from_idx(&imgs, &lbls), Err(DataError::WrongImageSize { rows: 32, cols: 32 }));
    }

    /// gzip round trip through miniz's encoder, and a flipped CRC byte is caught.
    #[wasm_bindgen_test(unsupported = test)]
    fn gzip_round_trip_and_crc_mismatch() {
        let raw = idx(1, &[3], &[7, 8, 9]);
        let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
        gz.extend(miniz_oxide::deflate::compress_to_vec(&raw, 6));
        gz.extend_from_slice(&crc32fast::hash(&raw).to_le_bytes());
        gz.extend_from_slice(&(raw.len() as u32).to_le_bytes());
        let parsed = super::super::parse_idx(&gz, super::super::IdxKind::Labels).unwrap();
        assert_eq!(parsed.data, vec![7, 8, 9]);
        let n = gz.len();
        gz[n - 8] ^= 0xff;
        assert_eq!(
            super::super::parse_idx(&gz, super::super::IdxKind::Labels),
            Err(DataError::Gzip("CRC-32 mismatch".into()))
        );
    }
}
