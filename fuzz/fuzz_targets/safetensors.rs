//! Loading a safetensors file into a small model (fuzz/tiny-model.json: convolution, batch norm
//! with its running statistics, linear; the same names and checks as any model, with files
//! small enough to mutate quickly): never panics, is all or nothing (a refused file changes no
//! parameter or buffer), and never holds more than a small multiple of the input.
#![no_main]

use depthlab_core::ParamStore;
use depthlab_fuzz::{peak_of, PeakAlloc, SLACK};
use depthlab_nn::checkpoint::load;
use depthlab_nn::{ModelConfig, TrainConfig, Trainer};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

#[global_allocator]
static GLOBAL: PeakAlloc = PeakAlloc;

fn store() -> &'static ParamStore {
    static STORE: OnceLock<ParamStore> = OnceLock::new();
    STORE.get_or_init(|| {
        let spec = serde_json::from_str(include_str!("../tiny-model.json")).expect("tiny-model.json is a model spec");
        let model = ModelConfig { spec: Some(spec), ..Default::default() };
        Trainer::new(TrainConfig { model, ..Default::default() }, 1).expect("the tiny model builds").params().clone()
    })
}

fuzz_target!(|data: &[u8]| {
    let store = store();
    let mut params = store.clone();
    let (result, peak) = peak_of(|| load(&mut params, data));
    let bound = 4 * data.len() + SLACK;
    assert!(peak <= bound, "{peak} bytes live for a {}-byte file (bound {bound})", data.len());
    if result.is_err() {
        assert!(
            params.values() == store.values() && params.buffers() == store.buffers(),
            "a refused file changed the model"
        );
    }
});
