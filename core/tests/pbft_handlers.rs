//! Handler-level tests of PBFT: build a replica, hand it one message, check its state and
//! what it sent; and the pure pieces against the papers' definitions.

use distlab_core::model::{Ctx, Effect};
use distlab_core::models::pbft::*;
use distlab_core::Rng;

fn cfg() -> Pbft {
    Pbft { think_ms: 0, ..Pbft::default() }
}

fn req(ts: u64) -> Request {
    Request { client: 4, ts, key: 0, value: ts as u32 }
}

/// Hands `msg` from `from` to `r`; returns what it sent.
fn deliver(r: &mut Replica, from: u32, msg: Msg) -> Vec<(u32, Msg)> {
    let mut rng = Rng::stream(1, r.id as u64);
    let mut out = Vec::new();
    let mut ctx = Ctx::new(0, r.id, &mut rng, &mut out);
    r.on_message(&cfg(), from, msg, &mut ctx);
    out.into_iter().filter_map(|e| if let Effect::Send(to, m) = e { Some((to, m)) } else { None }).collect()
}

fn kinds(sent: &[(u32, Msg)]) -> Vec<&'static str> {
    let mut k: Vec<&'static str> = sent.iter().map(|(_, m)| Pbft::default_describe(m)).collect();
    k.dedup();
    k
}

trait Describe {
    fn default_describe(m: &Msg) -> &'static str;
}
impl Describe for Pbft {
    fn default_describe(m: &Msg) -> &'static str {
        use distlab_core::Model;
        Pbft::default().describe(m).kind
    }
}

#[test]
fn quorum_sizes_follow_the_paper_for_f_1_to_3() {
    // OSDI §4: n = 3f + 1; prepared = pre-prepare + 2f prepares; committed-local = 2f + 1
    // commits; stable checkpoint and NEW-VIEW = 2f + 1 messages; a client needs f + 1 replies.
    for (f, n, prepares, commits, replies) in [(1, 4, 2, 3, 2), (2, 7, 4, 5, 3), (3, 10, 6, 7, 4)] {
        let c = Pbft { f, ..Pbft::default() };
        assert_eq!(c.n(), n);
        assert_eq!(prepare_quorum(n, f), prepares);
        assert_eq!(quorum(n, f), commits);
        assert_eq!(reply_quorum(f), replies);
        // Any two quorums share at least f + 1 replicas: one is correct.
        assert!(2 * quorum(n, f) - n > f);
    }
    // n = 3f: two quorums of n − f share only f replicas, which may all be Byzantine.
    assert_eq!(2 * quorum(3, 1) - 3, 1);
}

#[test]
fn primary_and_watermarks() {
    assert_eq!(primary(0, 4), 0);
    assert_eq!(primary(5, 4), 1);
    assert!(in_window(1, 0, 8) && in_window(8, 0, 8) && !in_window(9, 0, 8) && !in_window(4, 4, 8));
}

#[test]
fn digests_differ_and_are_never_null() {
    let a = digest(&req(1));
    assert_ne!(a, NULL);
    assert_ne!(a, digest(&req(2)));
    assert_eq!(a, digest(&req(1)));
    assert_ne!(state_digest(&Store::default()), state_digest(&Store { kv: [1, 0, 0], ..Store::default() }));
}

#[test]
fn backup_prepares_a_valid_pre_prepare_and_rejects_a_second_digest() {
    let mut r = Replica::new(1);
    let d = digest(&req(1));
    let sent = deliver(&mut r, 0, Msg::PrePrepare { view: 0, seq: 1, digest: d, req: Some(req(1)) });
    assert_eq!(kinds(&sent), ["Prepare"]);
    assert_eq!(sent.len(), 3, "to every other replica");
    // A second pre-prepare for (0, 1) with another digest is refused.
    let d2 = digest(&req(2));
    let sent = deliver(&mut r, 0, Msg::PrePrepare { view: 0, seq: 1, digest: d2, req: Some(req(2)) });
    assert!(sent.is_empty());
    assert_eq!(r.log.get(&1).unwrap().pp.unwrap().1, d);
}

#[test]
fn pre_prepares_from_a_backup_outside_the_window_or_with_a_bad_digest_are_ignored() {
    let mut r = Replica::new(1);
    let d = digest(&req(1));
    assert!(deliver(&mut r, 2, Msg::PrePrepare { view: 0, seq: 1, digest: d, req: Some(req(1)) }).is_empty());
    assert!(deliver(&mut r, 0, Msg::PrePrepare { view: 0, seq: 9, digest: d, req: Some(req(1)) }).is_empty());
    assert!(deliver(&mut r, 0, Msg::PrePrepare { view: 0, seq: 1, digest: d ^ 1, req: Some(req(1)) }).is_empty());
    assert!(r.log.get(&1).is_none_or(|e| e.pp.is_none()));
}

#[test]
fn two_f_prepares_make_prepared_and_two_f_plus_one_commits_execute() {
    let mut r = Replica::new(1);
    let d = digest(&req(1));
    deliver(&mut r, 0, Msg::PrePrepare { view: 0, seq: 1, digest: d, req: Some(req(1)) });
    // The primary's PREPARE does not count.
    assert!(deliver(&mut r, 0, Msg::Prepare { view: 0, seq: 1, digest: d }).is_empty());
    let sent = deliver(&mut r, 2, Msg::Prepare { view: 0, seq: 1, digest: d });
    assert_eq!(kinds(&sent), ["Commit"], "own prepare + R2's = 2f");
    assert!(r.log.get(&1).unwrap().prepared.is_some());
    assert!(deliver(&mut r, 0, Msg::Commit { view: 0, seq: 1, digest: d }).is_empty());
    let sent = deliver(&mut r, 3, Msg::Commit { view: 0, seq: 1, digest: d });
    assert_eq!(r.executed, 1);
    assert_eq!(sent, vec![(4, Msg::Reply { view: 0, ts: 1, result: 0 })]);
    assert_eq!(r.store.kv[0], 1);
}

#[test]
fn a_liar_replies_with_a_wrong_result() {
    let mut r = Replica::new(1);
    r.mode = Mode::Lie;
    let d = digest(&req(1));
    deliver(&mut r, 0, Msg::PrePrepare { view: 0, seq: 1, digest: d, req: Some(req(1)) });
    deliver(&mut r, 2, Msg::Prepare { view: 0, seq: 1, digest: d });
    deliver(&mut r, 0, Msg::Commit { view: 0, seq: 1, digest: d });
    let sent = deliver(&mut r, 3, Msg::Commit { view: 0, seq: 1, digest: d });
    assert_eq!(sent, vec![(4, Msg::Reply { view: 0, ts: 1, result: 1_000 })]);
}

#[test]
fn a_silent_replica_sends_nothing() {
    let mut r = Replica::new(1);
    r.mode = Mode::Silent;
    let d = digest(&req(1));
    assert!(deliver(&mut r, 0, Msg::PrePrepare { view: 0, seq: 1, digest: d, req: Some(req(1)) }).is_empty());
}

#[test]
fn the_new_primary_reissues_the_highest_view_certificate_and_fills_gaps_with_null() {
    let a = req(1);
    let b = req(2);
    let vc = |stable, certs: Vec<Cert>| ViewChange { view: 1, stable, state: 7, proof: 0, prepared: certs };
    let vcs = vec![
        (0, vc(0, vec![Cert { seq: 1, view: 0, digest: digest(&a), req: Some(a) }, Cert { seq: 3, view: 0, digest: digest(&a), req: Some(a) }])),
        (2, vc(0, vec![Cert { seq: 3, view: 2, digest: digest(&b), req: Some(b) }])),
        (3, vc(0, vec![])),
    ];
    let (min_s, _, pps) = new_view_pps(&vcs);
    assert_eq!(min_s, 0);
    assert_eq!(pps.len(), 3);
    assert_eq!(pps[0].digest, digest(&a));
    assert_eq!(pps[1].digest, NULL, "a gap becomes the null request");
    assert_eq!(pps[2].digest, digest(&b), "the certificate from the highest view wins");
    // Above the latest stable checkpoint only.
    let vcs = vec![(0, vc(2, vec![Cert { seq: 3, view: 0, digest: digest(&a), req: Some(a) }])), (1, vc(0, vec![]))];
    let (min_s, _, pps) = new_view_pps(&vcs);
    assert_eq!((min_s, pps.len()), (2, 1));
}

#[test]
fn a_new_view_that_does_not_follow_from_its_view_changes_is_rejected() {
    let mut r = Replica::new(2);
    let vc = ViewChange { view: 1, stable: 0, state: state_digest(&Store::default()), proof: 0, prepared: vec![] };
    let vcs = vec![(0, vc.clone()), (1, vc.clone()), (3, vc)];
    // O should be empty; a Byzantine new primary slips a request in.
    let bad = vec![Cert { seq: 1, view: 1, digest: digest(&req(1)), req: Some(req(1)) }];
    deliver(&mut r, 1, Msg::NewView { view: 1, vcs: vcs.clone(), pps: bad });
    assert_eq!(r.view, 0);
    deliver(&mut r, 1, Msg::NewView { view: 1, vcs, pps: vec![] });
    assert_eq!((r.view, r.changing), (1, false));
}

#[test]
fn f_plus_one_view_changes_for_higher_views_make_a_replica_join() {
    let mut r = Replica::new(3);
    let vc = |v| ViewChange { view: v, stable: 0, state: 0, proof: 0, prepared: vec![] };
    assert!(deliver(&mut r, 1, Msg::ViewChange(vc(2))).is_empty());
    let sent = deliver(&mut r, 2, Msg::ViewChange(vc(3)));
    assert_eq!(kinds(&sent), ["ViewChange"]);
    assert_eq!((r.view, r.changing), (2, true), "the smallest of the higher views");
}

#[test]
fn stable_checkpoints_move_the_low_watermark_and_discard_the_log() {
    let mut r = Replica::new(1);
    let c = cfg();
    for ts in 1..=4 {
        let d = digest(&req(ts));
        deliver(&mut r, 0, Msg::PrePrepare { view: 0, seq: ts, digest: d, req: Some(req(ts)) });
        deliver(&mut r, 2, Msg::Prepare { view: 0, seq: ts, digest: d });
        deliver(&mut r, 0, Msg::Commit { view: 0, seq: ts, digest: d });
        deliver(&mut r, 3, Msg::Commit { view: 0, seq: ts, digest: d });
    }
    assert_eq!(r.executed, 4);
    assert_eq!(r.low, 0, "own checkpoint only");
    let state = state_digest(&r.store);
    deliver(&mut r, 0, Msg::Checkpoint { seq: c.checkpoint, state });
    assert_eq!(r.low, 0);
    deliver(&mut r, 2, Msg::Checkpoint { seq: c.checkpoint, state });
    assert_eq!(r.low, 4, "2f + 1 matching checkpoints");
    assert_eq!(r.log.size(), 0);
}
