//! The IDX reader (raw or gzip) for both kinds, and a dataset from an image and a label file.
//! Never panics; never holds more than the input plus twice what a gzip trailer promises.
#![no_main]

use depthlab_fuzz::{gzip_promise, peak_of, PeakAlloc, SLACK};
use depthlab_nn::data::{parse_idx, Dataset, IdxKind};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static GLOBAL: PeakAlloc = PeakAlloc;

fuzz_target!(|data: &[u8]| {
    for kind in [IdxKind::Labels, IdxKind::Images] {
        let (parsed, peak) = peak_of(|| parse_idx(data, kind));
        let bound = 2 * data.len() + 2 * gzip_promise(data).min(1100 * data.len()) + SLACK;
        assert!(peak <= bound, "{kind:?}: {peak} bytes live for a {}-byte input (bound {bound})", data.len());
        if let Ok(f) = parsed {
            assert_eq!(f.data.len(), f.count * f.rows * f.cols);
        }
    }
    // Split into an image file and a label file at a point the input chooses.
    if let Some((&cut, rest)) = data.split_first() {
        let at = (cut as usize * rest.len()) / 255;
        let (images, labels) = rest.split_at(at.min(rest.len()));
        if let Ok(d) = Dataset::from_idx(images, labels) {
            assert_eq!(d.labels().len(), d.len());
            assert!(d.labels().iter().all(|&l| l < 10));
        }
    }
});
