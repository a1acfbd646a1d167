//! Handler-level tests: build a node, deliver one message (or timer, or command) through
//! `Ctx::new`, then check its state and effects. Each names the rule it checks.

use distlab_core::model::Effect;
use distlab_core::models::paxos::{Accepted, Ballot, Command, Msg, Node, NodeCommand, Paxos, Phase, Timer, Value};
use distlab_core::{Ctx, Model, NodeId, Rng, MS};

fn fresh(cfg: &Paxos, id: NodeId) -> Node {
    let mut rng = Rng::stream(7, id as u64);
    let mut out = Vec::new();
    cfg.init(id, &mut Ctx::new(0, id, &mut rng, &mut out))
}

fn deliver(cfg: &Paxos, n: &mut Node, from: NodeId, msg: Msg) -> Vec<Effect<Paxos>> {
    let mut rng = Rng::stream(9, n.id as u64);
    let mut out = Vec::new();
    cfg.on_message(n, from, msg, &mut Ctx::new(1_000 * MS, n.id, &mut rng, &mut out));
    out
}

fn command(cfg: &Paxos, n: &mut Node, cmd: NodeCommand) -> Vec<Effect<Paxos>> {
    let mut rng = Rng::stream(9, n.id as u64);
    let mut out = Vec::new();
    cfg.on_command(n, cmd, &mut Ctx::new(1_000 * MS, n.id, &mut rng, &mut out));
    out
}

fn timer(cfg: &Paxos, n: &mut Node, t: Timer) -> Vec<Effect<Paxos>> {
    let mut rng = Rng::stream(9, n.id as u64);
    let mut out = Vec::new();
    cfg.on_timer(n, t, &mut Ctx::new(1_000 * MS, n.id, &mut rng, &mut out));
    out
}

fn sent(effects: &[Effect<Paxos>]) -> Vec<(NodeId, Msg)> {
    effects.iter().filter_map(|e| if let Effect::Send(to, m) = e { Some((*to, m.clone())) } else { None }).collect()
}

fn cmd(id: u64, kv: &str) -> Value {
    let (k, v) = kv.split_once('=').unwrap();
    Value::Cmd(Command { id, key: k.into(), value: v.into(), origin: 0, submitted_at: 0 })
}

fn single() -> Paxos {
    Paxos { multi: false, ..Paxos::default() }
}

fn b(round: u32, p: NodeId) -> Ballot {
    Ballot::new(round, p)
}

#[test]
fn ballots_order_by_round_then_proposer() {
    assert!(b(2, 0) > b(1, 4));
    assert!(b(1, 4) > b(1, 3));
    assert!(Ballot::ZERO < b(1, 0));
    assert_eq!(b(3, 1).text(), "3.1");
}

#[test]
fn an_acceptor_promises_a_higher_ballot_and_reports_what_it_accepted() {
    // P1a / phase 1b: the promise carries the highest-ballot accepted value.
    let cfg = single();
    let mut n = fresh(&cfg, 2);
    n.promised = b(1, 0);
    n.accepted.insert_mut(1, (b(1, 0), cmd(5, "x=1")));
    let out = deliver(&cfg, &mut n, 3, Msg::Prepare { ballot: b(2, 3), from: 1 });
    assert_eq!(n.promised, b(2, 3));
    assert_eq!(cfg.durable(&n).promised, b(2, 3), "the promise is on disk");
    assert_eq!(
        sent(&out),
        vec![(3, Msg::Promise { ballot: b(2, 3), accepted: vec![Accepted { slot: 1, ballot: b(1, 0), value: cmd(5, "x=1") }], truncated: false })]
    );
}

#[test]
fn an_acceptor_refuses_a_lower_ballot_and_names_its_promise() {
    let cfg = single();
    let mut n = fresh(&cfg, 2);
    n.promised = b(3, 1);
    let out = deliver(&cfg, &mut n, 0, Msg::Prepare { ballot: b(2, 0), from: 1 });
    assert_eq!(sent(&out), vec![(0, Msg::Reject { ballot: b(2, 0), higher: b(3, 1), phase: 1 })]);
    let out = deliver(&cfg, &mut n, 0, Msg::Accept { ballot: b(2, 0), slot: 1, value: cmd(5, "x=1") });
    assert_eq!(sent(&out), vec![(0, Msg::Reject { ballot: b(2, 0), higher: b(3, 1), phase: 2 })]);
    assert!(n.accepted.is_empty(), "nothing below the promise is accepted");
}

#[test]
fn an_acceptor_accepts_at_its_promise_and_tells_every_learner() {
    let cfg = single();
    let mut n = fresh(&cfg, 2);
    n.promised = b(2, 0);
    let out = deliver(&cfg, &mut n, 0, Msg::Accept { ballot: b(2, 0), slot: 1, value: cmd(5, "x=1") });
    assert_eq!(n.accepted.get(&1), Some(&(b(2, 0), cmd(5, "x=1"))));
    let to: Vec<NodeId> = sent(&out).iter().map(|(t, _)| *t).collect();
    assert_eq!(to, vec![0, 1, 3, 4], "Accepted to every other learner (itself locally)");
    assert!(sent(&out).iter().all(|(_, m)| matches!(m, Msg::Accepted { slot: 1, .. })));
}

#[test]
fn a_proposer_adopts_the_highest_ballot_value_from_its_promises() {
    // P2c: with two different values reported, the one from the higher ballot wins.
    let cfg = single();
    let mut n = fresh(&cfg, 0);
    command(&cfg, &mut n, NodeCommand::Propose { key: "v".into(), value: "mine".into() });
    assert_eq!(n.phase, Phase::Preparing);
    let ballot = n.ballot;
    let p = |bb: Ballot, v: Value| Msg::Promise { ballot, accepted: vec![Accepted { slot: 1, ballot: bb, value: v }], truncated: false };
    deliver(&cfg, &mut n, 1, p(b(1, 3), cmd(7, "v=old")));
    let out = deliver(&cfg, &mut n, 2, p(b(1, 4), cmd(8, "v=newer")));
    assert_eq!(n.phase, Phase::Accepting, "own promise + 2 = a majority of 5");
    let accepts: Vec<_> = sent(&out).into_iter().filter(|(_, m)| matches!(m, Msg::Accept { .. })).collect();
    assert_eq!(accepts.len(), 4);
    assert!(accepts.iter().all(|(_, m)| matches!(m, Msg::Accept { value, .. } if *value == cmd(8, "v=newer"))));
}

#[test]
fn with_the_mutation_a_proposer_ignores_reported_values() {
    let cfg = Paxos { ignore_promised_values: true, ..single() };
    let mut n = fresh(&cfg, 0);
    command(&cfg, &mut n, NodeCommand::Propose { key: "v".into(), value: "mine".into() });
    let ballot = n.ballot;
    let p = Msg::Promise { ballot, accepted: vec![Accepted { slot: 1, ballot: b(1, 3), value: cmd(7, "v=old") }], truncated: false };
    deliver(&cfg, &mut n, 1, p.clone());
    let out = deliver(&cfg, &mut n, 2, p);
    assert!(sent(&out).iter().any(|(_, m)| matches!(m, Msg::Accept { value: Value::Cmd(c), .. } if c.value == "mine")));
}

#[test]
fn a_refused_proposer_backs_off_then_retries_higher() {
    let cfg = single();
    let mut n = fresh(&cfg, 0);
    command(&cfg, &mut n, NodeCommand::Propose { key: "v".into(), value: "a".into() });
    let ballot = n.ballot;
    let out = deliver(&cfg, &mut n, 1, Msg::Reject { ballot, higher: b(7, 3), phase: 1 });
    assert_eq!(n.phase, Phase::Backoff);
    assert!(out.iter().any(|e| matches!(e, Effect::SetTimer(Timer::Retry, _))));
    assert!(sent(&out).is_empty(), "waits before retrying");
    let out = timer(&cfg, &mut n, Timer::Retry);
    assert_eq!(n.phase, Phase::Preparing);
    assert_eq!(n.ballot, b(8, 0), "above the ballot that refused it");
    assert_eq!(sent(&out).len(), 4);
    // Without backoff it retries at once.
    let cfg = Paxos { backoff: false, ..single() };
    let mut n = fresh(&cfg, 0);
    command(&cfg, &mut n, NodeCommand::Propose { key: "v".into(), value: "a".into() });
    let ballot = n.ballot;
    let out = deliver(&cfg, &mut n, 1, Msg::Reject { ballot, higher: b(7, 3), phase: 2 });
    assert_eq!((n.phase, n.ballot), (Phase::Preparing, b(8, 0)));
    assert!(sent(&out).iter().all(|(_, m)| matches!(m, Msg::Prepare { .. })));
}

#[test]
fn a_learner_learns_from_a_quorum_of_one_ballot_only() {
    let cfg = single();
    let mut n = fresh(&cfg, 4);
    let acc = |bb: Ballot, v: Value| Msg::Accepted { ballot: bb, slot: 1, value: v };
    deliver(&cfg, &mut n, 0, acc(b(1, 0), cmd(5, "v=a")));
    deliver(&cfg, &mut n, 1, acc(b(2, 1), cmd(5, "v=a")));
    deliver(&cfg, &mut n, 2, acc(b(1, 0), cmd(5, "v=a")));
    assert!(n.learned.is_empty(), "three Accepted, but across two ballots");
    deliver(&cfg, &mut n, 2, acc(b(2, 1), cmd(5, "v=a")));
    deliver(&cfg, &mut n, 2, acc(b(2, 1), cmd(5, "v=a")));
    assert!(n.learned.is_empty(), "a duplicate does not count twice");
    deliver(&cfg, &mut n, 3, acc(b(2, 1), cmd(5, "v=a")));
    assert_eq!(n.learned.get(&1), Some(&cmd(5, "v=a")));
    assert_eq!(n.executed, 1);
    assert_eq!(n.kv.get("v").map(String::as_str), Some("a"));
    // A node that is not an acceptor cannot vote.
    let cfg = Paxos { acceptors: 3, proposers: 5, ..single() };
    let mut n = fresh(&cfg, 4);
    for from in [3, 4, 0] {
        deliver(&cfg, &mut n, from, acc(b(1, 0), cmd(5, "v=a")));
    }
    assert!(n.learned.is_empty(), "N3 and N4 are not acceptors when there are three");
}

#[test]
fn a_replica_executes_in_slot_order_across_a_gap() {
    let cfg = Paxos::default();
    let mut n = fresh(&cfg, 4);
    deliver(&cfg, &mut n, 0, Msg::Decided { entries: vec![(2, cmd(2, "x=2")), (3, Value::Noop)] });
    assert_eq!((n.learned.size(), n.executed), (2, 0), "slot 1 is missing: nothing executes");
    deliver(&cfg, &mut n, 0, Msg::Decided { entries: vec![(1, cmd(1, "x=1"))] });
    assert_eq!(n.executed, 3);
    assert_eq!(n.kv.get("x").map(String::as_str), Some("2"));
}

#[test]
fn a_new_leader_re_proposes_reported_values_and_fills_gaps_with_noops() {
    let cfg = Paxos::default();
    let mut n = fresh(&cfg, 0);
    timer(&cfg, &mut n, Timer::Leader);
    assert_eq!(n.phase, Phase::Preparing);
    let ballot = n.ballot;
    let p = Msg::Promise { ballot, accepted: vec![Accepted { slot: 1, ballot: b(1, 3), value: cmd(1, "x=1") }, Accepted { slot: 3, ballot: b(1, 3), value: cmd(3, "x=3") }], truncated: false };
    deliver(&cfg, &mut n, 1, p);
    let out = deliver(&cfg, &mut n, 2, Msg::Promise { ballot, accepted: vec![], truncated: false });
    assert!(n.is_leader());
    let mut proposed: Vec<(u64, String)> = sent(&out).into_iter().filter_map(|(to, m)| match m {
        Msg::Accept { slot, value, .. } if to == 1 => Some((slot, value.text())),
        _ => None,
    }).collect();
    proposed.sort();
    assert_eq!(proposed, vec![(1, "x=1".into()), (2, "no-op".into()), (3, "x=3".into())]);
    assert_eq!(n.next_slot, 4);
    assert!(out.iter().any(|e| matches!(e, Effect::SetTimer(Timer::Heartbeat, _))));
}

#[test]
fn a_leader_steps_down_on_refusal_and_a_follower_forwards_to_the_leader() {
    let cfg = Paxos::default();
    let mut n = fresh(&cfg, 0);
    timer(&cfg, &mut n, Timer::Leader);
    let ballot = n.ballot;
    for from in [1, 2] {
        deliver(&cfg, &mut n, from, Msg::Promise { ballot, accepted: vec![], truncated: false });
    }
    assert!(n.is_leader());
    deliver(&cfg, &mut n, 3, Msg::Reject { ballot, higher: b(5, 3), phase: 2 });
    assert_eq!(n.phase, Phase::Idle);
    assert_eq!(n.leader.map(|l| l.0), Some(3));
    let out = command(&cfg, &mut n, NodeCommand::Request { key: "x".into(), value: "1".into() });
    assert!(matches!(sent(&out).as_slice(), [(3, Msg::Forward { .. })]));
}

#[test]
fn a_heartbeat_from_ahead_triggers_catch_up_and_the_leader_answers() {
    let cfg = Paxos::default();
    let mut f = fresh(&cfg, 4);
    let out = deliver(&cfg, &mut f, 1, Msg::Heartbeat { ballot: b(2, 1), executed: 5 });
    assert_eq!(sent(&out), vec![(1, Msg::CatchUp { from: 1 })]);
    assert!(out.iter().any(|e| matches!(e, Effect::SetTimer(Timer::Leader, _))) || !f.is_proposer);
    let mut l = fresh(&cfg, 1);
    for s in 1..=5 {
        l.learned.insert_mut(s, cmd(s, "x=1"));
    }
    let out = deliver(&cfg, &mut l, 4, Msg::CatchUp { from: 3 });
    assert!(matches!(sent(&out).as_slice(), [(4, Msg::Decided { entries })] if entries.len() == 3));
}

#[test]
fn a_restart_keeps_promise_and_accepted_values_unless_the_mutation_forgets() {
    let cfg = single();
    let mut n = fresh(&cfg, 2);
    n.promised = b(4, 1);
    n.accepted.insert_mut(1, (b(3, 1), cmd(5, "x=1")));
    n.max_round = 2;
    let d = cfg.durable(&n);
    let mut rng = Rng::stream(1, 2);
    let mut out = Vec::new();
    let r = cfg.restart(2, d.clone(), &mut Ctx::new(0, 2, &mut rng, &mut out));
    assert_eq!((r.promised, r.max_round), (b(4, 1), 2));
    assert_eq!(r.accepted.get(&1), n.accepted.get(&1));
    let bad = Paxos { forget_promise: true, ..single() };
    let r = bad.restart(2, d, &mut Ctx::new(0, 2, &mut rng, &mut out));
    assert!(r.promised.is_zero(), "the mutation forgets the promise");
    assert_eq!(r.accepted.get(&1), n.accepted.get(&1), "but keeps what it accepted");
}

#[test]
fn bad_commands_and_settings_are_refused_with_a_reason() {
    let mut cfg = Paxos::default();
    assert!(cfg.parse_command("request", "x").unwrap_err().contains("key=value"));
    assert!(cfg.parse_command("propose", "x=a b").is_err());
    assert!(cfg.parse_command("dance", "").unwrap_err().contains("unknown command"));
    assert!(cfg.set_param("acceptors", &distlab_core::Value::Num(10.0)).unwrap_err().contains("acceptors"));
    assert!(cfg.set_param("proposers", &distlab_core::Value::Num(0.0)).is_err());
    assert!(cfg.set_param("nope", &distlab_core::Value::Num(1.0)).unwrap_err().contains("nope"));
    cfg.set_param("q1", &distlab_core::Value::Num(2.0)).unwrap();
    cfg.set_param("q2", &distlab_core::Value::Num(3.0)).unwrap();
    assert!(!cfg.quorums_intersect());
    assert_eq!((cfg.q1(), cfg.q2()), (2, 3));
}
