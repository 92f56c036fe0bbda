//! The catalogue: the one place that names every preset and every setting, with defaults,
//! ranges and when each applies. The CLI builds its flags from it, the wasm layer exports it
//! as JSON ([`catalog`]) and the page builds its controls, defaults and URL checks from that.
//! The lessons (runs and sweeps that reproduce the seed article's claims) are declared here too.

mod lessons;
mod names;
mod presets;
mod settings;

pub use lessons::{lesson, LessonInfo, LessonSweep, Measure, Pairs, LAB_SWEEP, LESSONS, SWEEP_BUDGET};
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
    /// The lab's default depth sweep and its budget.
    pub sweep: LabSweepInfo,
}

/// The lab's default depth sweep: its families and depths, and the budget of every run.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct LabSweepInfo {
    /// Presets with a depth rule.
    pub families: &'static [&'static str],
    /// Depths every family offers.
    pub depths: &'static [usize],
    /// Settings every run of a sweep shares (`seed` only for lessons: the lab uses the form's).
    pub budget: Pairs,
}

/// The catalogue.
pub fn catalog() -> Catalog {
    Catalog {
        presets: PRESETS,
        settings: SETTINGS,
        lessons: LESSONS,
        sweep: LabSweepInfo { families: LAB_SWEEP.families, depths: LAB_SWEEP.depths, budget: SWEEP_BUDGET },
    }
}

#[cfg(test)]
mod tests;
