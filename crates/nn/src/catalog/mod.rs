//! The catalogue: the one place that names every preset and every setting, with defaults,
//! ranges and when each applies. The CLI builds its flags from it, the wasm layer exports it
//! as JSON ([`catalog`]) and the page builds its controls, defaults and URL checks from that.
//! The lessons (runs and sweeps that reproduce the seed article's claims) are declared here too.

mod lessons;
mod names;
mod presets;
mod settings;

pub use lessons::{lesson, LessonInfo, LessonSweep, Measure, LESSONS};
pub(crate) use names::named_enum;
pub use names::{Named, UnknownName};
pub use presets::{preset_info, DepthRule, PresetInfo, PRESETS};
pub use settings::{setting, Group, Kind, Setting, When, SETTINGS};

use serde::Serialize;

/// Everything the page needs to build its controls (serialised to JSON by the wasm layer).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Catalog {
    /// Every preset.
    pub presets: &'static [PresetInfo],
    /// Every setting.
    pub settings: &'static [Setting],
    /// The lessons, in order.
    pub lessons: &'static [LessonInfo],
}

/// The catalogue.
pub fn catalog() -> Catalog {
    Catalog { presets: PRESETS, settings: SETTINGS, lessons: LESSONS }
}

#[cfg(test)]
mod tests;
