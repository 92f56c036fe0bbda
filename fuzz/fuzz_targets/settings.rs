//! Settings as text, the way the URL and the command line give them (`key=value&key=value`):
//! never panics; every value `TrainConfig::set` accepts leaves a valid configuration that
//! reads back as text it accepts again; the result's model spec and memory check never panic.
#![no_main]

use depthlab_nn::TrainConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else { return };
    let mut config = TrainConfig::default();
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let before = config.clone();
        match config.set(key, value) {
            Ok(()) => {
                assert!(config.validate().is_ok(), "{key}={value:?} was accepted but leaves {config:?} invalid");
                let text = config.get(key).expect("an accepted key reads back");
                let mut again = config.clone();
                again.set(key, &text).expect("a setting's own text is accepted");
                assert_eq!(again, config, "{key}: {value:?} reads back as {text:?}, which sets something else");
            }
            Err(_) => assert_eq!(config, before, "a refused {key}={value:?} changed the configuration"),
        }
    }
    if let Ok(spec) = config.model_spec() {
        if let Ok(rows) = depthlab_nn::spec::cost_table(&spec) {
            let _ = depthlab_nn::memory::check(&rows, &spec.name, config.batch_size, config.optimizer, 1, 1 << 30);
        }
    }
});
