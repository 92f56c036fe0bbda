//! The gzip reader alone: never panics, returns exactly the trailer's size, and never holds
//! more than that size (within the cap) plus the input.
#![no_main]

use depthlab_fuzz::{gzip_promise, peak_of, PeakAlloc, SLACK};
use depthlab_nn::data::{gunzip, MAX_DECOMPRESSED};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static GLOBAL: PeakAlloc = PeakAlloc;

fuzz_target!(|data: &[u8]| {
    let (out, peak) = peak_of(|| gunzip(data));
    let promise = gzip_promise(data);
    // Within the cap, and within what deflate can expand the input to (about 1032:1).
    let bound = promise.min(MAX_DECOMPRESSED).min(1100 * data.len()) + data.len() + SLACK;
    assert!(peak <= bound, "{peak} bytes live for a {}-byte input promising {promise} (bound {bound})", data.len());
    if let Ok(v) = out {
        assert_eq!(v.len(), promise, "the output differs from the trailer's size");
    }
});
