//! Small browser helpers and formatting shared by the components.

use distlab_core::Time;
use wasm_bindgen::JsCast;

/// Okabe–Ito: eight colours told apart by people with any common colour-vision deficiency.
/// Index 0 (black) is left out of the cycle so shapes stay visible on the dark theme.
pub const PALETTE: [&str; 8] = ["#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#F0E442", "#999999"];

/// The class that gives an element palette colour `index` (see `.k0`… in style.css).
pub fn tint(index: u32) -> &'static str {
    const CLASSES: [&str; PALETTE.len()] = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"];
    CLASSES[index as usize % PALETTE.len()]
}

/// The palette colour for an index (term, kind, group...).
pub fn color(index: u32) -> &'static str {
    PALETTE[(index as usize) % PALETTE.len()]
}

/// Palette indices used for message kinds: all but yellow, which is too faint for thin lines
/// and small dots on a light background.
const KIND_COLORS: [u32; 7] = [0, 1, 2, 3, 4, 5, 7];

/// Colour of a load gauge: green, amber from 70 %, vermilion from 90 % (Okabe–Ito).
pub fn load_color(l: f64) -> &'static str {
    if l >= 0.9 {
        "#D55E00"
    } else if l >= 0.7 {
        "#E69F00"
    } else {
        "#009E73"
    }
}

/// A stable palette index for a name (message kinds).
pub fn name_color(name: &str) -> u32 {
    // FNV-1a: stable across runs and targets.
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    KIND_COLORS[(h % KIND_COLORS.len() as u32) as usize]
}

/// A "nice" step (1, 2 or 5 × 10^k) for about `ticks` divisions of `span`.
pub fn nice_step(span: f64, ticks: f64) -> f64 {
    let raw = (span / ticks.max(1.0)).max(1e-12);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    mag * if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    }
}

/// `1.234 s`, `12.5 ms`.
pub fn fmt_time(t: Time) -> String {
    distlab_core::time::fmt_time(t)
}

/// A size in bytes: `340 KB`, `12 MB`, `2.00 GB` (units of 1024).
pub fn fmt_bytes(b: f64) -> String {
    const KB: f64 = 1024.0;
    if b >= KB * KB * KB {
        format!("{:.2} GB", b / (KB * KB * KB))
    } else if b >= KB * KB {
        format!("{:.0} MB", b / (KB * KB))
    } else {
        format!("{:.0} KB", (b / KB).ceil())
    }
}

/// Milliseconds from the page's high-resolution clock (for frame budgets only; never fed to
/// the simulation, which has no clock).
pub fn perf_now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Whether the user asked for reduced motion.
pub fn reduced_motion() -> bool {
    media_matches("(prefers-reduced-motion: reduce)")
}

fn media_matches(query: &str) -> bool {
    web_sys::window().and_then(|w| w.match_media(query).ok().flatten()).is_some_and(|m| m.matches())
}

/// The current location hash.
pub fn location_hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// Replaces the URL hash without navigating (no `hashchange`).
pub fn replace_hash(hash: &str) {
    if let Some(w) = web_sys::window() {
        if let Ok(h) = w.history() {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(hash));
        }
    }
}

/// Navigates to a hash route.
pub fn go(hash: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(hash);
    }
}

/// The page URL without its hash.
pub fn base_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// Offers `text` as a file download.
pub fn download(file_name: &str, mime: &str, text: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Ok(a) = doc.create_element("a") {
        if let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() {
            a.set_href(&url);
            a.set_download(file_name);
            a.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Copies text to the clipboard when the browser allows it (best effort).
pub fn copy_text(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Sets focus on the element with this id, if present.
pub fn focus_id(id: &str) {
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) {
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
}

/// The element that has focus now, if any.
pub fn active_element() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.active_element()
}

/// Gives focus to an HTML or SVG element (best effort).
pub fn focus_element(el: &web_sys::Element) {
    if let Some(h) = el.dyn_ref::<web_sys::HtmlElement>() {
        let _ = h.focus();
    } else if let Some(s) = el.dyn_ref::<web_sys::SvgElement>() {
        let _ = s.focus();
    }
}

/// Appends `value` to the array `window[key]`, keeping the last 600, for benchmarks to read
/// (frame intervals, canvas time, the pacer's budget and measurements).
pub fn record(key: &str, value: f64) {
    let Some(w) = web_sys::window() else { return };
    let key = wasm_bindgen::JsValue::from_str(key);
    let arr = match js_sys::Reflect::get(&w, &key).ok().and_then(|v| v.dyn_into::<js_sys::Array>().ok()) {
        Some(a) => a,
        None => {
            let a = js_sys::Array::new();
            let _ = js_sys::Reflect::set(&w, &key, &a);
            a
        }
    };
    arr.push(&wasm_bindgen::JsValue::from_f64(value));
    if arr.length() > 600 {
        arr.shift();
    }
}

/// Records a frame interval in `window.__distlabFrames`.
pub fn record_frame(ms: f64) {
    record("__distlabFrames", ms);
}
