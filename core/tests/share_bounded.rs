//! Share links stay short: an uploaded trace (a long command argument) is left out of a link
//! that would otherwise be long, and the link says so; short runs keep everything.

use distlab_core::models::new_lab;
use distlab_core::scenario::Scenario;
use distlab_core::share::{self, ARG_INLINE_MAX, LINK_CHARS_TARGET};
use distlab_core::{Action, SEC};

fn trace(keys: u32) -> String {
    // Keys that compress poorly (a multiplicative hash), one per line.
    (0..keys).map(|i| (i.wrapping_mul(2_654_435_761) % 1_000_000).to_string()).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_short_run_keeps_its_whole_timeline() {
    let mut lab = new_lab("caching", &[], 3, Vec::new()).unwrap();
    lab.act(Action::Command { node: 1, name: "trace".into(), arg: trace(20) }).unwrap();
    lab.run_until(SEC, u64::MAX);
    let s = Scenario::of_lab(lab.as_ref());
    let link = share::encode_bounded(&s);
    assert!(link.omitted.is_empty(), "{:?}", link.omitted);
    assert_eq!(link.payload, share::encode(&s));
    assert_eq!(share::decode(&link.payload).unwrap(), s);
}

#[test]
fn an_uploaded_trace_is_left_out_of_the_link_and_named() {
    let mut lab = new_lab("caching", &[], 3, Vec::new()).unwrap();
    lab.run_until(SEC / 2, u64::MAX);
    let big = trace(50_000);
    assert!(big.len() > ARG_INLINE_MAX);
    lab.act(Action::Command { node: 1, name: "trace".into(), arg: big.clone() }).unwrap();
    lab.act(Action::Crash(2)).unwrap();
    lab.run_until(SEC, u64::MAX);
    let s = Scenario::of_lab(lab.as_ref());
    assert!(share::encode(&s).len() > LINK_CHARS_TARGET, "the whole trace makes a long link");
    let link = share::encode_bounded(&s);
    assert!(link.payload.len() <= LINK_CHARS_TARGET, "bounded: {} chars", link.payload.len());
    assert_eq!(link.omitted.len(), 1, "{:?}", link.omitted);
    assert!(link.omitted[0].contains("trace") && link.omitted[0].contains("node 1") && link.omitted[0].contains(&big.len().to_string()), "{}", link.omitted[0]);
    let back = share::decode(&link.payload).unwrap();
    assert_eq!(back.timeline.len(), s.timeline.len() - 1, "only the trace is left out; the crash stays");
    assert!(back.timeline.iter().all(|st| st.what != "trace"));
    back.build().expect("the link still opens");
}
