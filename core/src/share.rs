//! Share links: a run's scenario (model, settings, seed, action script) in the URL fragment,
//! as compact JSON, compressed, in URL-safe base64. Opening the link rebuilds the run exactly.
//!
//! Two versions, told apart by their prefix:
//! - `2.` (written now): a zlib stream (RFC 1950), that is deflate plus an Adler-32 checksum of
//!   the JSON, so a link damaged in transit (a character changed, dropped or added) is refused
//!   with a reason rather than opening a slightly different run;
//! - `1.` (read only, links made before): raw deflate, no checksum.
//!
//! Untrusted input: the text is bounded before decoding, inflation is bounded, and every
//! failure says what is wrong with the link, never panics.

use crate::scenario::{Scenario, ScenarioError, SCENARIO_BYTES_MAX};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use base64::Engine as _;
use miniz_oxide::inflate::TINFLStatus;

/// Longest share-link payload accepted, in characters.
pub const LINK_CHARS_MAX: usize = 200_000;
/// Version prefix of the payload written now: zlib, with a checksum.
const PREFIX: &str = "2.";
/// Version prefix of the first format: raw deflate, still read.
const PREFIX_V1: &str = "1.";

/// Encodes a scenario for a URL fragment.
pub fn encode(scenario: &Scenario) -> String {
    let mut s = scenario.clone();
    s.expect.clear();
    let json = serde_json::to_vec(&s).unwrap_or_default();
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(&json, 9);
    format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed))
}

/// Payload length past which [`encode_bounded`] leaves long command arguments out.
pub const LINK_CHARS_TARGET: usize = 16_000;
/// A command argument longer than this (an uploaded trace, say) may be left out of a link.
pub const ARG_INLINE_MAX: usize = 256;

/// A share link's payload, and what it leaves out to stay short.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// The payload for the URL fragment.
    pub payload: String,
    /// Each timeline entry left out, described (empty when the link holds the whole run).
    pub omitted: Vec<String>,
}

/// Encodes a scenario for a URL fragment, keeping the link short: when the payload would be
/// longer than [`LINK_CHARS_TARGET`] characters, timeline entries whose argument is longer
/// than [`ARG_INLINE_MAX`] bytes (an uploaded trace of keys, say) are left out, the longest
/// first, until it fits or none is left; [`Link::omitted`] names each one so the page can say
/// that the link does not hold it (an exported scenario file still does).
pub fn encode_bounded(scenario: &Scenario) -> Link {
    let mut payload = encode(scenario);
    let mut omitted = Vec::new();
    if payload.len() <= LINK_CHARS_TARGET {
        return Link { payload, omitted };
    }
    let mut long: Vec<(usize, usize)> = scenario.timeline.iter().enumerate().filter_map(|(i, st)| st.arg.as_ref().map(|a| (a.len(), i))).filter(|&(n, _)| n > ARG_INLINE_MAX).collect();
    long.sort_unstable_by(|a, b| b.cmp(a));
    let mut drop = Vec::new();
    for (n, i) in long {
        let st = &scenario.timeline[i];
        omitted.push(format!(
            "`{}`{} at {} ({} bytes)",
            st.what,
            st.node.map(|n| format!(" to node {n}")).unwrap_or_default(),
            crate::time::fmt_time(st.at.0),
            n
        ));
        drop.push(i);
        let mut t = scenario.clone();
        t.timeline = scenario.timeline.iter().enumerate().filter(|(j, _)| !drop.contains(j)).map(|(_, st)| st.clone()).collect();
        payload = encode(&t);
        if payload.len() <= LINK_CHARS_TARGET {
            break;
        }
    }
    Link { payload, omitted }
}

/// Decodes a share-link payload. The error says how the link is damaged.
pub fn decode(payload: &str) -> Result<Scenario, ScenarioError> {
    let bad = |why: String| {
        let stop = if why.ends_with('.') { "" } else { "." };
        ScenarioError(format!("This share link is damaged: {why}{stop}"))
    };
    if payload.len() > LINK_CHARS_MAX {
        return Err(bad(format!("it is {} characters long; the limit is {LINK_CHARS_MAX}", payload.len())));
    }
    let (body, checked) = match (payload.strip_prefix(PREFIX), payload.strip_prefix(PREFIX_V1)) {
        (Some(body), _) => (body, true),
        (None, Some(body)) => (body, false),
        _ => return Err(bad(format!("it does not start with a known version (\"{PREFIX}\" or \"{PREFIX_V1}\")"))),
    };
    let packed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body.trim_end_matches('='))
        .map_err(|e| bad(format!("it is not valid base64 ({e})")))?;
    let inflated = if checked {
        miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&packed, SCENARIO_BYTES_MAX)
    } else {
        miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, SCENARIO_BYTES_MAX)
    };
    let json: Vec<u8> = inflated.map_err(|e| {
        bad(match e.status {
            TINFLStatus::Adler32Mismatch => "its checksum does not match its content: a character was changed, lost or added".into(),
            TINFLStatus::HasMoreOutput => format!("it unpacks to more than {SCENARIO_BYTES_MAX} bytes"),
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => "it is cut short".into(),
            _ => "its compressed data is corrupted".into(),
        })
    })?;
    let text = core::str::from_utf8(&json).map_err(|_| bad("its content is not text".into()))?;
    let scenario = Scenario::parse(text).map_err(|e| bad(e.0))?;
    Ok(scenario)
}
