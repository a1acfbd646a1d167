//! The picture in two parts, as the lab page builds it while a run plays fast: the view
//! without the model's figures plus the figures alone is the whole view, for every model.

use distlab_core::models::{catalog, new_lab};
use distlab_core::{View, MS};

#[test]
fn view_without_figures_plus_figures_is_the_view() {
    for info in catalog() {
        let mut lab = new_lab(info.name, &[], 1, Vec::new()).expect("builds with defaults");
        for t in [0, 50 * MS, 700 * MS] {
            lab.run_until(t, u64::MAX);
            let lite = lab.view_without_figures();
            assert!(lite.figures.is_empty(), "{}: no figures in the lite view", info.name);
            let whole = View { figures: lab.figures(), ..lite };
            assert!(whole == lab.view(), "{} at {t} µs: the parts make the whole view", info.name);
        }
    }
}
