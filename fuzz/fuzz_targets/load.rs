//! Any bytes, as a model file: loading and checking must never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = ensure_model::check_str("fuzz.yaml", &text);
});
