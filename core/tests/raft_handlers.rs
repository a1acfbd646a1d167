//! Handler-level tests: build a server's state, deliver one message (or timer, or command)
//! through `Ctx::new`, then check the state and the effects. Each names the rule it checks.

use distlab_core::model::Effect;
use distlab_core::models::raft::{Command, Entry, Msg, Node, Op, Progress, Raft, Request, Role, Shared, Snapshot, Timer, Word};
use std::rc::Rc;
use distlab_core::{Ctx, Model, NodeId, Rng, Time, MS};

fn fresh(cfg: &Raft, id: NodeId) -> Node {
    let mut rng = Rng::stream(7, id as u64);
    let mut out = Vec::new();
    cfg.init(id, &mut Ctx::new(0, id, &mut rng, &mut out))
}

fn deliver(cfg: &Raft, n: &mut Node, from: NodeId, msg: Msg) -> Vec<Effect<Raft>> {
    deliver_at(cfg, n, from, msg, 1_000 * MS)
}

fn deliver_at(cfg: &Raft, n: &mut Node, from: NodeId, msg: Msg, now: Time) -> Vec<Effect<Raft>> {
    let mut rng = Rng::stream(9, n.id as u64);
    let mut out = Vec::new();
    cfg.on_message(n, from, msg, &mut Ctx::new(now, n.id, &mut rng, &mut out));
    out
}

fn command(cfg: &Raft, n: &mut Node, cmd: Command) -> Vec<Effect<Raft>> {
    let mut rng = Rng::stream(9, n.id as u64);
    let mut out = Vec::new();
    cfg.on_command(n, cmd, &mut Ctx::new(1_000 * MS, n.id, &mut rng, &mut out));
    out
}

fn timer(cfg: &Raft, n: &mut Node, t: Timer) -> Vec<Effect<Raft>> {
    let mut rng = Rng::stream(9, n.id as u64);
    let mut out = Vec::new();
    cfg.on_timer(n, t, &mut Ctx::new(1_000 * MS, n.id, &mut rng, &mut out));
    out
}

fn sent(effects: &[Effect<Raft>]) -> Vec<(NodeId, Msg)> {
    effects.iter().filter_map(|e| if let Effect::Send(to, m) = e { Some((*to, m.clone())) } else { None }).collect()
}

fn put(term: u64, key: &str) -> Shared {
    Rc::new(Entry { term, op: Op::Put(Request { id: term * 1000 + key.len() as u64 * 2, key: key.into(), value: "1".into(), submitted_at: 0, origin: 0 }) })
}

fn with_log(cfg: &Raft, id: NodeId, term: u64, terms: &[u64]) -> Node {
    let mut n = fresh(cfg, id);
    n.term = term;
    n.log = terms.iter().enumerate().map(|(i, &t)| put(t, &"k".repeat(i + 1))).collect();
    n
}

fn vote(term: u64, last_index: u64, last_term: u64) -> Msg {
    Msg::RequestVote { term, last_index, last_term, pre: false }
}

#[test]
fn a_vote_goes_to_an_up_to_date_candidate_and_adopts_its_term() {
    // §5.2, §5.4.1: a newer term makes us a follower; the vote is granted and remembered.
    let cfg = Raft::default();
    let mut n = with_log(&cfg, 1, 2, &[1, 2]);
    let out = deliver(&cfg, &mut n, 0, vote(3, 2, 2));
    assert_eq!((n.term, n.voted_for, n.role), (3, Some(0), Role::Follower));
    assert_eq!(sent(&out), vec![(0, Msg::Vote { term: 3, granted: true, pre: false })]);
    assert!(out.iter().any(|e| matches!(e, Effect::SetTimer(Timer::Election, _))), "granting a vote restarts the election timer");
    assert_eq!(cfg.durable(&n).voted_for, Some(0), "votedFor is persistent");
}

#[test]
fn a_vote_is_refused_to_a_candidate_with_an_older_log() {
    // §5.4.1: last term decides first, then length.
    let cfg = Raft::default();
    for (last_index, last_term) in [(5, 1), (1, 2)] {
        let mut n = with_log(&cfg, 1, 2, &[1, 2]);
        let out = deliver(&cfg, &mut n, 0, vote(3, last_index, last_term));
        assert_eq!(n.term, 3, "the term is adopted even when the vote is refused");
        assert_eq!(n.voted_for, None);
        assert_eq!(sent(&out), vec![(0, Msg::Vote { term: 3, granted: false, pre: false })]);
        assert!(!out.iter().any(|e| matches!(e, Effect::SetTimer(..))), "a refused vote does not restart the election timer (Figure 2)");
    }
    // The teaching mutation skips the check.
    let bad = Raft { vote_without_log_check: true, ..Raft::default() };
    let mut n = with_log(&bad, 1, 2, &[1, 2]);
    deliver(&bad, &mut n, 0, vote(3, 0, 0));
    assert_eq!(n.voted_for, Some(0));
}

#[test]
fn one_vote_per_term() {
    // §5.2: first come, first served.
    let cfg = Raft::default();
    let mut n = fresh(&cfg, 2);
    deliver(&cfg, &mut n, 0, vote(1, 0, 0));
    let out = deliver(&cfg, &mut n, 1, vote(1, 0, 0));
    assert_eq!(n.voted_for, Some(0));
    assert_eq!(sent(&out), vec![(1, Msg::Vote { term: 1, granted: false, pre: false })]);
    // The same candidate asking again (a duplicate) gets the same answer.
    let out = deliver(&cfg, &mut n, 0, vote(1, 0, 0));
    assert_eq!(sent(&out), vec![(0, Msg::Vote { term: 1, granted: true, pre: false })]);
}

#[test]
fn election_timeout_makes_a_candidate() {
    // §5.2: increment the term, vote for yourself, ask everyone else.
    let cfg = Raft::default();
    let mut n = fresh(&cfg, 0);
    let out = timer(&cfg, &mut n, Timer::Election);
    assert_eq!((n.role, n.term, n.voted_for), (Role::Candidate, 1, Some(0)));
    let to: Vec<NodeId> = sent(&out).iter().map(|(to, _)| *to).collect();
    assert_eq!(to, vec![1, 2, 3, 4]);
    assert!(sent(&out).iter().all(|(_, m)| *m == vote(1, 0, 0)));
}

#[test]
fn a_majority_of_votes_makes_a_leader_that_appends_a_noop() {
    let cfg = Raft::default();
    let mut n = fresh(&cfg, 0);
    timer(&cfg, &mut n, Timer::Election);
    deliver(&cfg, &mut n, 1, Msg::Vote { term: 1, granted: true, pre: false });
    assert_eq!(n.role, Role::Candidate, "2 of 5 is not a majority");
    let out = deliver(&cfg, &mut n, 2, Msg::Vote { term: 1, granted: true, pre: false });
    assert_eq!(n.role, Role::Leader);
    assert_eq!(n.log.to_vec(), vec![Rc::new(Entry { term: 1, op: Op::Noop })]);
    assert_eq!(n.progress.len(), 4);
    assert!(n.progress.values().all(|p| p.next == 2 && p.matched == 0), "nextIndex starts after the leader's last entry");
    let appends = sent(&out).into_iter().filter(|(_, m)| matches!(m, Msg::AppendEntries { .. })).count();
    assert_eq!(appends, 4);
    assert!(out.iter().any(|e| matches!(e, Effect::SetTimer(Timer::Heartbeat, _))));
}

#[test]
fn prevote_changes_no_term_and_respects_a_live_leader() {
    // Dissertation §9.6.
    let cfg = Raft { prevote: true, ..Raft::default() };
    let mut n = fresh(&cfg, 0);
    let out = timer(&cfg, &mut n, Timer::Election);
    assert_eq!((n.role, n.term, n.voted_for), (Role::PreCandidate, 0, None));
    assert!(sent(&out).iter().all(|(_, m)| *m == Msg::RequestVote { term: 1, last_index: 0, last_term: 0, pre: true }));

    // A follower that heard its leader 10 ms ago refuses; one that has not grants, keeping its term.
    let mut f = fresh(&cfg, 1);
    deliver_at(&cfg, &mut f, 2, Msg::AppendEntries { term: 0, prev_index: 0, prev_term: 0, entries: vec![], commit: 0 }, 990 * MS);
    let out = deliver(&cfg, &mut f, 0, Msg::RequestVote { term: 1, last_index: 0, last_term: 0, pre: true });
    assert_eq!(sent(&out), vec![(0, Msg::Vote { term: 0, granted: false, pre: true })]);
    let mut g = fresh(&cfg, 3);
    let out = deliver(&cfg, &mut g, 0, Msg::RequestVote { term: 1, last_index: 0, last_term: 0, pre: true });
    assert_eq!(sent(&out), vec![(0, Msg::Vote { term: 1, granted: true, pre: true })]);
    assert_eq!((g.term, g.voted_for), (0, None));

    // Enough pre-votes start the real election.
    deliver(&cfg, &mut n, 3, Msg::Vote { term: 1, granted: true, pre: true });
    deliver(&cfg, &mut n, 4, Msg::Vote { term: 1, granted: true, pre: true });
    assert_eq!((n.role, n.term), (Role::Candidate, 1));
}

#[test]
fn append_entries_from_an_old_term_is_refused() {
    let cfg = Raft::default();
    let mut n = with_log(&cfg, 1, 5, &[1]);
    let out = deliver(&cfg, &mut n, 0, Msg::AppendEntries { term: 4, prev_index: 1, prev_term: 1, entries: vec![put(4, "a")], commit: 1 });
    assert_eq!(n.log.len(), 1);
    assert!(matches!(sent(&out)[..], [(0, Msg::AppendReply { term: 5, success: false, .. })]));
}

#[test]
fn consistency_check_failure_carries_the_fast_backup_hint() {
    // §5.3: the follower names the conflicting term and the first index it holds for it.
    let cfg = Raft::default();
    let mut n = with_log(&cfg, 1, 3, &[1, 2, 2, 2]);
    let out = deliver(&cfg, &mut n, 0, Msg::AppendEntries { term: 3, prev_index: 4, prev_term: 3, entries: vec![], commit: 0 });
    assert_eq!(sent(&out), vec![(0, Msg::AppendReply { term: 3, success: false, match_index: 0, conflict_index: 2, conflict_term: Some(2) })]);
    assert_eq!(n.log.len(), 4, "a failed check changes nothing");
    assert_eq!(n.leader, Some(0));

    // A log that is too short says where it ends.
    let out = deliver(&cfg, &mut n, 0, Msg::AppendEntries { term: 3, prev_index: 9, prev_term: 3, entries: vec![], commit: 0 });
    assert_eq!(sent(&out), vec![(0, Msg::AppendReply { term: 3, success: false, match_index: 0, conflict_index: 5, conflict_term: None })]);
}

#[test]
fn the_leader_skips_a_whole_term_on_a_hint() {
    let cfg = Raft::default();
    let mut l = with_log(&cfg, 0, 3, &[1, 1, 1, 3, 3, 3]);
    l.role = Role::Leader;
    l.progress.insert(1, Progress { next: 7, matched: 0, heard_at: None });
    // Follower has term 2 at the probe where the leader has none: back to its first index of term 2.
    let out = deliver(&cfg, &mut l, 1, Msg::AppendReply { term: 3, success: false, match_index: 0, conflict_index: 4, conflict_term: Some(2) });
    assert!(matches!(&sent(&out)[..], [(1, Msg::AppendEntries { prev_index: 3, prev_term: 1, entries, .. })] if entries.len() == 3));
    assert_eq!(l.progress[&1].next, 7, "pipelined: next moves past what was sent");
    // Follower has term 1 where the leader also has it: resume just after the leader's last term-1 entry.
    let out = deliver(&cfg, &mut l, 1, Msg::AppendReply { term: 3, success: false, match_index: 0, conflict_index: 2, conflict_term: Some(1) });
    assert!(matches!(&sent(&out)[..], [(1, Msg::AppendEntries { prev_index: 3, .. })]));
}

#[test]
fn a_conflicting_suffix_is_replaced_and_a_stale_message_truncates_nothing() {
    // §5.3: delete the conflicting entry and all after it; never delete on a mere duplicate.
    let cfg = Raft::default();
    let mut n = with_log(&cfg, 1, 3, &[1, 2, 2]);
    let out = deliver(&cfg, &mut n, 0, Msg::AppendEntries { term: 3, prev_index: 1, prev_term: 1, entries: vec![put(3, "a"), put(3, "b")], commit: 0 });
    assert_eq!(n.log.iter().map(|e| e.term).collect::<Vec<_>>(), vec![1, 3, 3]);
    assert_eq!(n.ready.truncated, 2);
    assert_eq!(n.ready.written_from, Some(2));
    assert!(matches!(sent(&out)[..], [(0, Msg::AppendReply { success: true, match_index: 3, .. })]));
    // An older, shorter copy of the same message arrives late: nothing is cut.
    deliver(&cfg, &mut n, 0, Msg::AppendEntries { term: 3, prev_index: 1, prev_term: 1, entries: vec![put(3, "a")], commit: 0 });
    assert_eq!(n.log.len(), 3);
    assert_eq!(n.ready.truncated, 0);
}

#[test]
fn the_follower_commits_up_to_what_it_has_from_this_leader() {
    let cfg = Raft::default();
    let mut n = with_log(&cfg, 1, 2, &[1, 1, 1]);
    deliver(&cfg, &mut n, 0, Msg::AppendEntries { term: 2, prev_index: 1, prev_term: 1, entries: vec![], commit: 3 });
    assert_eq!(n.commit, 1, "only entries known to match the leader's log may be committed");
    deliver(&cfg, &mut n, 0, Msg::AppendEntries { term: 2, prev_index: 3, prev_term: 1, entries: vec![], commit: 3 });
    assert_eq!((n.commit, n.applied), (3, 3));
    assert_eq!(n.kv.len(), 3);
}

fn figure8_leader(cfg: &Raft) -> Node {
    // Leader of term 4 whose log ends with an entry of term 2, now on a majority.
    let mut l = with_log(cfg, 0, 4, &[1, 2]);
    l.commit = 1;
    l.applied = 1;
    l.role = Role::Leader;
    for p in 1..5 {
        l.progress.insert(p, Progress { next: 2, matched: 1, heard_at: None });
    }
    l
}

#[test]
fn entries_of_older_terms_are_not_committed_by_counting_replicas() {
    // §5.4.2, Figure 8.
    let cfg = Raft::default();
    let mut l = figure8_leader(&cfg);
    deliver(&cfg, &mut l, 1, Msg::AppendReply { term: 4, success: true, match_index: 2, conflict_index: 0, conflict_term: None });
    deliver(&cfg, &mut l, 2, Msg::AppendReply { term: 4, success: true, match_index: 2, conflict_index: 0, conflict_term: None });
    assert_eq!(l.commit, 1, "index 2 (term 2) is on 3 of 5 servers but must not commit");
    // Once an entry of its own term is on a majority, both commit.
    l.log.push(Rc::new(Entry { term: 4, op: Op::Noop }));
    deliver(&cfg, &mut l, 1, Msg::AppendReply { term: 4, success: true, match_index: 3, conflict_index: 0, conflict_term: None });
    deliver(&cfg, &mut l, 2, Msg::AppendReply { term: 4, success: true, match_index: 3, conflict_index: 0, conflict_term: None });
    assert_eq!(l.commit, 3);

    let bad = Raft { commit_old_terms: true, ..Raft::default() };
    let mut l = figure8_leader(&bad);
    deliver(&bad, &mut l, 1, Msg::AppendReply { term: 4, success: true, match_index: 2, conflict_index: 0, conflict_term: None });
    deliver(&bad, &mut l, 2, Msg::AppendReply { term: 4, success: true, match_index: 2, conflict_index: 0, conflict_term: None });
    assert_eq!(l.commit, 2, "the mutation commits the old entry");
}

#[test]
fn a_leader_steps_down_on_a_newer_term() {
    let cfg = Raft::default();
    let mut l = figure8_leader(&cfg);
    let out = deliver(&cfg, &mut l, 3, Msg::AppendReply { term: 6, success: false, match_index: 0, conflict_index: 0, conflict_term: None });
    assert_eq!((l.role, l.term, l.voted_for), (Role::Follower, 6, None));
    assert!(l.progress.is_empty());
    assert!(out.iter().any(|e| matches!(e, Effect::CancelTimer(Timer::Heartbeat))));
}

#[test]
fn install_snapshot_replaces_a_conflicting_log() {
    // §7: discard the log unless it already holds the snapshot's last entry.
    let cfg = Raft::default();
    let mut n = with_log(&cfg, 1, 3, &[1, 1, 2]);
    let mut kv = distlab_core::models::raft::Store::new();
    kv.insert("x".into(), "9".into());
    let snap = Snapshot { last_index: 5, last_term: 3, kv, config: vec![0, 1, 2, 3, 4].into() };
    let out = deliver(&cfg, &mut n, 0, Msg::InstallSnapshot { term: 3, snapshot: snap.clone() });
    assert!(n.log.is_empty());
    assert_eq!((n.commit, n.applied, n.last_index(), n.last_term()), (5, 5, 5, 3));
    assert_eq!(n.kv.get("x").map(Word::as_str), Some("9"));
    assert_eq!(sent(&out), vec![(0, Msg::SnapshotReply { term: 3, last_index: 5 })]);
    // A follower whose log holds the snapshot's last entry keeps what follows it.
    let mut m = with_log(&cfg, 2, 3, &[1, 1, 2, 2, 3, 3]);
    deliver(&cfg, &mut m, 0, Msg::InstallSnapshot { term: 3, snapshot: snap });
    assert_eq!((m.snapshot.last_index, m.log.len(), m.last_index()), (5, 1, 6));
}

#[test]
fn a_restart_keeps_term_vote_and_log_and_rebuilds_the_rest() {
    let cfg = Raft::default();
    let mut n = with_log(&cfg, 1, 4, &[1, 2, 4]);
    n.voted_for = Some(3);
    n.commit = 3;
    n.applied = 3;
    n.role = Role::Candidate;
    let d = cfg.durable(&n);
    let mut rng = Rng::stream(1, 1);
    let mut out = Vec::new();
    let r = cfg.restart(1, d, &mut Ctx::new(5 * MS, 1, &mut rng, &mut out));
    assert_eq!((r.term, r.voted_for, r.log.len()), (4, Some(3), 3));
    assert_eq!((r.role, r.commit, r.applied, r.kv.len(), r.leader), (Role::Follower, 0, 0, 0, None));
    assert!(out.iter().any(|e| matches!(e, Effect::SetTimer(Timer::Election, _))));
}

#[test]
fn a_follower_forwards_requests_to_the_leader_it_knows() {
    let cfg = Raft::default();
    let mut n = fresh(&cfg, 1);
    let out = command(&cfg, &mut n, Command::Request { key: "x".into(), value: "1".into() });
    assert!(sent(&out).is_empty(), "no leader known: refused");
    n.leader = Some(3);
    let out = command(&cfg, &mut n, Command::Request { key: "x".into(), value: "1".into() });
    assert!(matches!(&sent(&out)[..], [(3, Msg::Forward { request, hops: 1 })] if request.key.as_str() == "x" && request.origin == 1));
}

#[test]
fn a_leader_appends_replicates_and_acknowledges_a_request_once_committed() {
    let cfg = Raft { servers: 3, ..Raft::default() };
    let mut l = with_log(&cfg, 0, 1, &[1]);
    l.commit = 1;
    l.applied = 1;
    l.role = Role::Leader;
    for p in 1..3 {
        l.progress.insert(p, Progress { next: 2, matched: 1, heard_at: None });
    }
    let out = command(&cfg, &mut l, Command::Request { key: "x".into(), value: "7".into() });
    assert_eq!(l.last_index(), 2);
    assert_eq!(sent(&out).len(), 2);
    assert!(l.ready.replies.is_empty());
    deliver(&cfg, &mut l, 2, Msg::AppendReply { term: 1, success: true, match_index: 2, conflict_index: 0, conflict_term: None });
    assert_eq!(l.commit, 2);
    assert_eq!(l.ready.replies.len(), 1);
    assert_eq!(l.ready.replies[0].index, 2);
    assert_eq!(l.kv.get("x").map(Word::as_str), Some("7"));
}

#[test]
fn membership_changes_one_server_at_a_time_after_a_current_term_commit() {
    // Dissertation §4.1 (and its bug fix): no change until an entry of this term is committed,
    // and no second change while one is uncommitted.
    let cfg = Raft { servers: 3, ..Raft::default() };
    let mut l = with_log(&cfg, 0, 2, &[1]);
    l.commit = 1;
    l.applied = 1;
    l.role = Role::Leader;
    for p in 1..3 {
        l.progress.insert(p, Progress { next: 2, matched: 1, heard_at: None });
    }
    command(&cfg, &mut l, Command::RemoveServer(2));
    assert_eq!(*l.config, vec![0, 1, 2], "refused: nothing of term 2 is committed yet");
    l.log.push(Rc::new(Entry { term: 2, op: Op::Noop }));
    l.commit = 2;
    l.applied = 2;
    command(&cfg, &mut l, Command::RemoveServer(2));
    assert_eq!(*l.config, vec![0, 1], "takes effect when appended");
    assert!(l.targets().contains(&2), "the removed server still hears about its removal");
    command(&cfg, &mut l, Command::AddServer(2));
    assert_eq!(*l.config, vec![0, 1], "refused: the previous change is not committed");
    // The new configuration's majority (2 of 2) is what counts.
    deliver(&cfg, &mut l, 1, Msg::AppendReply { term: 2, success: true, match_index: 3, conflict_index: 0, conflict_term: None });
    assert_eq!(l.commit, 3);
    assert!(!l.targets().contains(&2));
}

#[test]
fn votes_from_outside_the_configuration_are_refused_without_adopting_the_term() {
    let cfg = Raft { servers: 3, ..Raft::default() };
    let mut n = fresh(&cfg, 0);
    n.config = vec![0, 1].into();
    let out = deliver(&cfg, &mut n, 2, vote(9, 100, 9));
    assert_eq!((n.term, n.voted_for), (0, None));
    assert_eq!(sent(&out), vec![(2, Msg::Vote { term: 0, granted: false, pre: false })]);
}
