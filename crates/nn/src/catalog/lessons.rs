//! The seed article's claims as lessons: each is a set of runs (or a depth sweep) with the
//! settings that differ, a common budget chosen so the lesson finishes within about 5 minutes
//! on a 2-core machine, the views to open, and what to measure for the sentence that says what
//! happened. The words (titles, what the paper claimed, what to look at, what to try next) are
//! in the page's language catalogues (`www/i18n/`), keyed by `id`; a test checks every setting
//! here against the settings catalogue.

use serde::Serialize;

/// Settings as `(key, value)` pairs, as a URL or the CLI would give them.
pub type Pairs = &'static [(&'static str, &'static str)];

/// What a lesson's result sentence reports for each run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Final training loss (mean of the last 10% of steps) and test accuracy.
    FinalLoss,
    /// First-layer over last-layer weight-gradient norm at the last probed step.
    GradientRatio,
    /// Parameters, multiply-accumulates per digit and test accuracy.
    Cost,
}

/// A depth sweep: two (or more) families at several depths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LessonSweep {
    /// Presets with a depth rule.
    pub families: &'static [&'static str],
    /// Depths every family offers.
    pub depths: &'static [usize],
}

/// One lesson.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LessonInfo {
    /// Stable id, used in URLs (`?lesson=degradation`) and as the key of its words.
    pub id: &'static str,
    /// Settings every run of the lesson shares (the budget: steps, batch size, schedule, seed).
    pub base: Pairs,
    /// The runs, each by the settings that differ (empty for a sweep).
    pub runs: &'static [Pairs],
    /// Or a depth sweep.
    pub sweep: Option<LessonSweep>,
    /// Page views to open: `inside` (gradient flow), `arch`, `cost`, `test`, `features`, `sweep`.
    pub views: &'static [&'static str],
    /// What the result sentence reports.
    pub measure: Measure,
}

/// The budget of the sweeps (the lab's default sweep: 6 runs within 5 minutes on 2 cores — at
/// 120 steps the residual-fix lesson took 274–308 s here, too close; at 100, natively, plain-32
/// still ends above plain-20, 1.758 vs 1.136, and ResNets keep falling, 1.501/0.568/0.336). The
/// lab's sweep form starts from it too (its seed is the form's).
pub const SWEEP_BUDGET: Pairs = &[("steps", "100"), ("batch_size", "32"), ("schedule", "cosine"), ("seed", "42")];
/// The lab's default sweep, which the residual-fix lesson runs: plain nets and ResNets.
pub const LAB_SWEEP: LessonSweep = LessonSweep { families: &["plain", "resnet"], depths: &[8, 20, 32] };
/// The budget of the short comparisons.
const SHORT: Pairs = &[("steps", "150"), ("batch_size", "32"), ("schedule", "cosine"), ("seed", "42")];

/// The lessons, in the order to follow them. ResNeXt-11's 1×16, 4×6 and 16×2 have 128.8 k,
/// 124.0 k and 125.2 k parameters (within 4%; `depthlab inspect`).
pub const LESSONS: &[LessonInfo] = &[
    LessonInfo {
        id: "deeper-wider",
        base: &[("steps", "200"), ("batch_size", "32"), ("schedule", "cosine"), ("seed", "42")],
        runs: &[&[("model", "lenet5")], &[("model", "alexnet_mini")], &[("model", "vgg_mini")]],
        sweep: None,
        views: &["cost", "arch"],
        measure: Measure::Cost,
    },
    LessonInfo {
        id: "degradation",
        base: SWEEP_BUDGET,
        runs: &[],
        sweep: Some(LessonSweep { families: &["plain"], depths: &[8, 20, 32] }),
        views: &["sweep"],
        measure: Measure::FinalLoss,
    },
    LessonInfo {
        id: "residual-fix",
        base: SWEEP_BUDGET,
        runs: &[],
        sweep: Some(LAB_SWEEP),
        views: &["sweep"],
        measure: Measure::FinalLoss,
    },
    LessonInfo {
        id: "vanishing-gradients",
        base: &[("steps", "60"), ("batch_size", "32"), ("seed", "7"), ("depth", "20"), ("batch_norm", "false")],
        runs: &[
            &[("model", "plain"), ("activation", "sigmoid")],
            &[("model", "plain"), ("activation", "relu")],
            &[("model", "resnet_v2"), ("activation", "sigmoid")],
        ],
        sweep: None,
        views: &["inside"],
        measure: Measure::GradientRatio,
    },
    LessonInfo {
        id: "shortcut-options",
        base: SHORT,
        runs: &[
            &[("model", "resnet"), ("depth", "20"), ("shortcut", "A")],
            &[("model", "resnet"), ("depth", "20"), ("shortcut", "B")],
            &[("model", "resnet"), ("depth", "20"), ("shortcut", "C")],
        ],
        sweep: None,
        views: &["arch"],
        measure: Measure::FinalLoss,
    },
    LessonInfo {
        id: "pre-activation",
        // With batch norm and ReLU, ResNet-32 v1 and v2 both train at this scale (150 steps:
        // final loss 0.240 v1, 0.437 v2 — v2's edge needs hundreds of layers). What v2 changes
        // is the shortcut path: without batch norm and with sigmoids, v1's activation after
        // every addition shrinks the gradient on its way down, v2's identity path does not.
        base: &[
            ("steps", "60"),
            ("batch_size", "32"),
            ("seed", "7"),
            ("depth", "20"),
            ("batch_norm", "false"),
            ("activation", "sigmoid"),
        ],
        runs: &[&[("model", "resnet")], &[("model", "resnet_v2"), ("unit", "e")]],
        sweep: None,
        views: &["arch", "inside"],
        measure: Measure::GradientRatio,
    },
    LessonInfo {
        id: "bottleneck",
        // 309 M multiply-accumulates per digit without the reductions: a short run, to see the
        // speed each buys (the cost table has the point), within the 5 minutes.
        base: &[("steps", "10"), ("batch_size", "8"), ("seed", "42")],
        runs: &[
            &[("model", "inception_3a"), ("reductions", "true")],
            &[("model", "inception_3a"), ("reductions", "false")],
        ],
        sweep: None,
        views: &["cost", "arch"],
        measure: Measure::Cost,
    },
    LessonInfo {
        id: "cardinality",
        base: SHORT,
        runs: &[
            &[("model", "resnext"), ("depth", "11"), ("cardinality", "1"), ("width", "16")],
            &[("model", "resnext"), ("depth", "11"), ("cardinality", "4"), ("width", "6")],
            &[("model", "resnext"), ("depth", "11"), ("cardinality", "16"), ("width", "2")],
        ],
        sweep: None,
        views: &["cost", "arch"],
        measure: Measure::Cost,
    },
    LessonInfo {
        id: "shortcut-ablation",
        base: SHORT,
        runs: &[
            &[("model", "resnet"), ("depth", "20")],
            &[("model", "resnet"), ("depth", "20"), ("remove_shortcuts", "true")],
        ],
        sweep: None,
        views: &["inside"],
        measure: Measure::FinalLoss,
    },
];

/// The lesson with this id.
pub fn lesson(id: &str) -> Option<&'static LessonInfo> {
    LESSONS.iter().find(|l| l.id == id)
}
