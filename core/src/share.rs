//! Share links: a run's scenario (model, settings, seed, action script) in the URL fragment,
//! as compact JSON, deflated, in URL-safe base64. Opening the link rebuilds the run exactly.
//!
//! Untrusted input: the text is bounded before decoding, inflation is bounded, and every
//! failure says what is wrong with the link, never panics.

use crate::scenario::{Scenario, ScenarioError, SCENARIO_BYTES_MAX};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use base64::Engine as _;

/// Longest share-link payload accepted, in characters.
pub const LINK_CHARS_MAX: usize = 200_000;
/// Version prefix of the payload, so a future format can be told apart.
const PREFIX: &str = "1.";

/// Encodes a scenario for a URL fragment.
pub fn encode(scenario: &Scenario) -> String {
    let mut s = scenario.clone();
    s.expect.clear();
    let json = serde_json::to_vec(&s).unwrap_or_default();
    let packed = miniz_oxide::deflate::compress_to_vec(&json, 9);
    format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed))
}

/// Decodes a share-link payload. The error says how the link is damaged.
pub fn decode(payload: &str) -> Result<Scenario, ScenarioError> {
    let bad = |why: String| ScenarioError(format!("This share link is damaged: {why}"));
    if payload.len() > LINK_CHARS_MAX {
        return Err(bad(format!("it is {} characters long; the limit is {LINK_CHARS_MAX}", payload.len())));
    }
    let body = payload.strip_prefix(PREFIX).ok_or_else(|| bad("it does not start with a known version (\"1.\")".into()))?;
    let packed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body.trim_end_matches('='))
        .map_err(|e| bad(format!("it is not valid base64 ({e})")))?;
    let json: Vec<u8> = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, SCENARIO_BYTES_MAX)
        .map_err(|e| bad(format!("it is truncated or corrupted (inflate: {:?})", e.status)))?;
    let text = core::str::from_utf8(&json).map_err(|_| bad("its content is not text".into()))?;
    let scenario = Scenario::parse(text).map_err(|e| bad(e.0))?;
    Ok(scenario)
}
