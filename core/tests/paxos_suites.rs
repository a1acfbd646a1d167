//! Scenario tests in the shapes of the classic Paxos lab suites (an acceptor that hears
//! nothing, a partition where only the majority decides, a late proposer from a minority,
//! concurrent proposers, the cost of an uncontended decision, duelling proposers, Multi-Paxos
//! leader change and gap filling, persistence, catching up), and the three teaching mutations
//! driven into caught violations. Everything runs through the kernel the lab uses, with every
//! invariant checked after every event and the full re-check after every chunk.

use distlab_core::models::paxos::{check_all, Ballot, Node, Paxos, Phase, Value as PValue};
use distlab_core::{Action, LinkConfig, Sim, MS};

struct Cluster {
    sim: Sim<Paxos>,
    cfg: Paxos,
}

impl Cluster {
    fn new(cfg: Paxos, seed: u64) -> Self {
        Cluster { sim: Sim::new(cfg.clone(), seed, Vec::new()), cfg }
    }
    fn single(seed: u64) -> Self {
        Cluster::new(Paxos { multi: false, ..Paxos::default() }, seed)
    }
    /// Runs `ms` more milliseconds; returns the violations seen so far.
    fn run_unchecked(&mut self, ms: u64) -> Vec<&'static str> {
        let t = self.sim.world().now() + ms * MS;
        self.sim.run_until(t, u64::MAX);
        self.sim.history().violations.iter().map(|v| v.invariant).collect()
    }
    fn run(&mut self, ms: u64) {
        let v = self.run_unchecked(ms);
        assert!(v.is_empty(), "{:?}", self.sim.history().violations);
        let bad = check_all(&self.cfg, &self.sim.world().nodes(), self.sim.world().ghost());
        assert!(bad.is_empty(), "full re-check: {bad:?}");
    }
    fn act(&mut self, a: Action) {
        self.sim.act(a).unwrap();
    }
    fn cmd(&mut self, node: u32, name: &str, arg: &str) {
        self.act(Action::Command { node, name: name.into(), arg: arg.into() });
    }
    fn q(&self, name: &str) -> f64 {
        self.sim.world().query(name).unwrap()
    }
    fn node(&self, id: u32) -> Node {
        self.sim.world().nodes().up(id).cloned().expect("node is up")
    }
    fn decision(&self, id: u32) -> Option<String> {
        self.sim.world().nodes().up(id).and_then(|n| n.learned.get(&1).map(PValue::text))
    }
    fn chosen(&self, slot: u64) -> Option<String> {
        self.sim.world().ghost().chosen.get(&slot).map(|c| c.value.text())
    }
    fn leader(&mut self) -> u32 {
        for _ in 0..50 {
            self.run(50);
            if self.q("leaders") == 1.0 {
                return self.q("leader") as u32;
            }
        }
        panic!("no leader emerged");
    }
}

#[test]
fn one_decree_without_faults() {
    let mut c = Cluster::single(1);
    c.cmd(0, "propose", "v=a");
    c.run(200);
    assert_eq!(c.chosen(1).as_deref(), Some("v=a"));
    for id in 0..5 {
        assert_eq!(c.decision(id).as_deref(), Some("v=a"), "N{id} learned the decision");
        assert_eq!(c.node(id).kv.get("v").map(String::as_str), Some("a"), "N{id} executed it");
    }
    assert_eq!(c.node(0).phase, Phase::Done);
}

#[test]
fn an_uncontended_decision_costs_a_fixed_number_of_messages() {
    // Single decree, n acceptors that are also the learners, one proposer among them:
    // (n-1) prepares + (n-1) promises + (n-1) accepts + n(n-1) accepted = (n+3)(n-1).
    for n in [1u32, 3, 5, 7, 9] {
        let mut c = Cluster::new(Paxos { multi: false, acceptors: n, proposers: 1, ..Paxos::default() }, 2);
        c.cmd(0, "propose", "v=a");
        c.run(300);
        assert_eq!(c.q("chosen"), 1.0);
        let expected = ((n + 3) * (n - 1)) as f64;
        assert_eq!(c.q("messages"), expected, "{n} acceptors");
    }
    // Multi-Paxos with a stable leader: phase 2 only, (n-1) accepts + n(n-1) accepted = 24 for
    // five nodes, plus the leader's heartbeats (n-1 per interval) while it waits.
    let mut c = Cluster::new(Paxos { heartbeat_ms: 5_000, ..Paxos::default() }, 3);
    let l = c.leader();
    c.run(100);
    let before = c.q("messages");
    c.cmd(l, "request", "x=1");
    c.run(50);
    assert_eq!(c.q("commands_chosen"), 1.0);
    assert_eq!(c.q("messages") - before, 24.0, "one command at a stable leader of five");
}

#[test]
fn an_acceptor_that_hears_nothing_does_not_learn() {
    let mut c = Cluster::single(4);
    for from in 0..5 {
        if from != 4 {
            c.act(Action::Cut(from, 4));
        }
    }
    c.cmd(0, "propose", "v=a");
    c.run(500);
    assert_eq!(c.chosen(1).as_deref(), Some("v=a"));
    assert_eq!(c.decision(4), None, "N4 heard nothing and learned nothing");
    assert!(c.node(4).accepted.is_empty() && c.node(4).promised.is_zero(), "nor promised or accepted");
    for id in 0..4 {
        assert_eq!(c.decision(id).as_deref(), Some("v=a"));
    }
}

#[test]
fn only_the_majority_side_of_a_partition_decides() {
    let mut c = Cluster::single(5);
    c.act(Action::Partition(vec![vec![0, 1], vec![2, 3, 4]]));
    c.cmd(0, "propose", "v=minority");
    c.run(1_000);
    assert_eq!(c.chosen(1), None, "two of five cannot choose");
    assert!(c.q("ballots") >= 2.0, "the minority proposer keeps retrying");
    c.cmd(2, "propose", "v=majority");
    c.run(1_000);
    assert_eq!(c.chosen(1).as_deref(), Some("v=majority"));
    assert_eq!(c.decision(0), None);
    assert_eq!(c.decision(1), None);
    // After healing, the minority proposer's next ballot finds the chosen value and adopts it.
    c.act(Action::Heal);
    c.run(2_000);
    for id in 0..5 {
        assert_eq!(c.decision(id).as_deref(), Some("v=majority"), "N{id}");
    }
}

#[test]
fn a_late_proposer_from_a_minority_cannot_change_a_chosen_value() {
    let mut c = Cluster::single(6);
    c.act(Action::Isolate(4));
    c.cmd(0, "propose", "v=first");
    c.run(300);
    assert_eq!(c.chosen(1).as_deref(), Some("v=first"));
    // N4 was cut off the whole time; it rejoins and proposes its own value with a higher ballot.
    c.act(Action::Heal);
    c.cmd(4, "propose", "v=late");
    c.run(500);
    assert_eq!(c.chosen(1).as_deref(), Some("v=first"));
    assert_eq!(c.decision(4).as_deref(), Some("v=first"), "the late proposer learns the old value");
    assert!(c.sim.world().ghost().votes.iter().any(|((_, b), _)| b.proposer == 4), "N4 did run phase 2, proposing v=first");
}

#[test]
fn concurrent_proposers_all_agree() {
    for seed in 0..40 {
        let mut c = Cluster::single(100 + seed);
        for p in 0..5 {
            c.cmd(p, "propose", &format!("v=p{p}"));
        }
        c.run(3_000);
        let chosen = c.chosen(1).expect("decided");
        for id in 0..5 {
            assert_eq!(c.decision(id).as_ref(), Some(&chosen), "seed {seed}: N{id}");
        }
    }
}

#[test]
fn without_backoff_two_proposers_duel_and_with_it_they_stop() {
    // Perfectly regular links: nothing but backoff can break the symmetry.
    let fixed = LinkConfig { latency_min: 5 * MS, latency_max: 5 * MS, ..LinkConfig::default() };
    let mut c = Cluster::new(Paxos { multi: false, backoff: false, ..Paxos::default() }, 7);
    c.act(Action::Net(fixed));
    c.cmd(0, "propose", "v=a");
    c.cmd(4, "propose", "v=b");
    c.run(500);
    assert_eq!(c.chosen(1), None, "no decision while they duel");
    assert!(c.q("duel_ballots") >= 10.0, "{} ballots", c.q("duel_ballots"));
    c.run(2_000);
    assert_eq!(c.chosen(1), None, "still none two seconds on: a livelock");
    c.act(Action::Set("backoff".into(), distlab_core::Value::Bool(true)));
    c.run(2_000);
    assert!(c.chosen(1).is_some(), "randomised backoff ends the duel");
}

#[test]
fn a_value_can_be_chosen_before_any_learner_knows() {
    let mut c = Cluster::single(8);
    // Accepted messages crawl; accepts and promises do not.
    c.cmd(0, "propose", "v=a");
    c.run(9);
    c.act(Action::Net(LinkConfig { latency_min: 400 * MS, latency_max: 400 * MS, ..LinkConfig::default() }));
    c.run(200);
    assert_eq!(c.chosen(1).as_deref(), Some("v=a"), "chosen by the acceptors");
    assert_eq!(c.q("unknown_chosen"), 1.0, "yet nobody knows");
    assert!((0..5).all(|id| c.decision(id).is_none()));
    c.run(600);
    assert_eq!(c.q("unknown_chosen"), 0.0);
    assert!(c.q("chosen_unknown_ms") >= 150.0);
}

#[test]
fn an_acceptor_keeps_its_promise_and_values_across_a_crash() {
    let mut c = Cluster::single(9);
    c.cmd(0, "propose", "v=a");
    c.run(200);
    let before = c.node(3);
    c.act(Action::Crash(3));
    c.run(10);
    c.act(Action::Restart(3));
    c.run(10);
    let after = c.node(3);
    assert_eq!(after.promised, before.promised);
    assert_eq!(after.accepted.get(&1), before.accepted.get(&1));
    assert!(after.learned.is_empty(), "what it learned is volatile");
    assert_eq!(after.max_round, before.max_round);
    // A proposer that crashes mid-ballot never reuses its ballot.
    c.act(Action::Crash(0));
    c.run(10);
    c.act(Action::Restart(0));
    c.cmd(0, "propose", "v=b");
    c.run(300);
    assert!(c.node(0).ballot > Ballot::new(1, 0));
    assert_eq!(c.decision(0).as_deref(), Some("v=a"));
}

#[test]
fn multi_paxos_stable_leader_then_leader_change_fills_a_gap_with_a_noop() {
    let mut c = Cluster::new(Paxos { leader_min_ms: 300, leader_max_ms: 600, ..Paxos::default() }, 10);
    let l = c.leader();
    c.cmd(l, "request", "x=1");
    c.run(50);
    // Slot 2 reaches only the leader's own acceptor: its links to everyone else are cut.
    for to in 0..5 {
        if to != l {
            c.act(Action::Cut(l, to));
        }
    }
    c.cmd(l, "request", "x=2");
    c.run(10);
    for to in 0..5 {
        if to != l {
            c.act(Action::Uncut(l, to));
        }
    }
    c.cmd(l, "request", "x=3");
    c.run(30);
    assert_eq!(c.chosen(1).as_deref(), Some("x=1"));
    assert_eq!(c.chosen(2), None, "slot 2 is a gap");
    assert_eq!(c.chosen(3).as_deref(), Some("x=3"));
    assert!((0..5).all(|id| c.node(id).executed == 1), "nobody executes past the gap");
    c.act(Action::Crash(l));
    c.run(1_500);
    let l2 = c.leader();
    assert_ne!(l2, l);
    assert_eq!(c.chosen(2).as_deref(), Some("no-op"), "the new leader filled the gap");
    assert_eq!(c.q("noops_chosen"), 1.0);
    for id in (0..5).filter(|&i| i != l) {
        assert_eq!(c.node(id).executed, 3, "N{id} executes through the gap");
        assert_eq!(c.node(id).kv.get("x").map(String::as_str), Some("3"));
    }
    // The old leader comes back and catches up from the new one.
    c.act(Action::Restart(l));
    c.run(500);
    assert_eq!(c.node(l).executed, 3);
    assert_eq!(c.q("leaders"), 1.0);
}

#[test]
fn a_lagging_replica_catches_up() {
    let mut c = Cluster::new(Paxos::default(), 11);
    let l = c.leader();
    let lag = (l + 1) % 5;
    c.act(Action::Isolate(lag));
    for k in 0..10 {
        c.cmd(l, "request", &format!("k{k}=1"));
        c.run(5);
    }
    c.run(100);
    assert_eq!(c.node(lag).executed, 0);
    c.act(Action::Heal);
    c.run(300);
    assert_eq!(c.node(lag).executed, 10);
    assert_eq!(c.q("executed_all"), 10.0);
}

#[test]
fn a_minority_leader_cannot_commit_and_the_majority_moves_on() {
    let mut c = Cluster::new(Paxos::default(), 12);
    let l = c.leader();
    let buddy = (l + 1) % 5;
    let rest: Vec<u32> = (0..5).filter(|&i| i != l && i != buddy).collect();
    c.act(Action::Partition(vec![vec![l, buddy], rest.clone()]));
    c.cmd(l, "request", "x=lost");
    c.run(1_000);
    assert_eq!(c.q("commands_chosen"), 0.0);
    let l2 = c.q("leader");
    c.cmd(rest[0], "request", "x=kept");
    c.run(300);
    assert_eq!(c.q("commands_chosen"), 1.0, "the majority side elected a leader ({l2}) and decides");
    c.act(Action::Heal);
    c.run(1_000);
    assert_eq!(c.q("leaders"), 1.0);
    assert_eq!(c.q("executed_all"), c.q("executed"));
}

#[test]
fn the_same_seed_gives_the_same_trace() {
    let run = || {
        let mut c = Cluster::new(Paxos::default(), 13);
        c.cmd(0, "request", "x=1");
        c.act(Action::Net(LinkConfig { loss: 0.2, reorder: 0.3, ..LinkConfig::default() }));
        c.run(500);
        c.cmd(1, "propose", "y=2");
        c.run(1_000);
        c.sim.world().trace_hash()
    };
    assert_eq!(run(), run());
}

// ----- teaching mutations -----

#[test]
fn ignoring_promised_values_breaks_agreement() {
    let script = |cfg: Paxos| {
        let mut c = Cluster::new(cfg, 20);
        // N4 hears nothing while v=first is chosen, so it has not learned it.
        for from in 0..4 {
            c.act(Action::Cut(from, 4));
        }
        c.cmd(0, "propose", "v=first");
        c.run_unchecked(300);
        c.act(Action::Heal);
        c.cmd(4, "propose", "v=second");
        let v = c.run_unchecked(500);
        (c.chosen(1), v)
    };
    let (chosen, v) = script(Paxos { multi: false, ..Paxos::default() });
    assert_eq!(chosen.as_deref(), Some("v=first"));
    assert!(v.is_empty());
    let (_, v) = script(Paxos { multi: false, ignore_promised_values: true, ..Paxos::default() });
    assert!(v.contains(&"Agreement"), "{v:?}");
}

#[test]
fn ignoring_promised_values_in_multi_paxos_overwrites_a_chosen_slot() {
    let mut c = Cluster::new(Paxos { ignore_promised_values: true, ..Paxos::default() }, 21);
    let l = c.leader();
    // A value chosen while the other acceptors' Accepted messages to N(l+1) are cut, so the
    // next leader has not learned it and must rely on phase 1.
    let next = (l + 1) % 5;
    for from in 0..5 {
        if from != next {
            c.act(Action::Cut(from, next));
        }
    }
    c.cmd(l, "request", "x=1");
    c.run_unchecked(50);
    c.act(Action::Heal);
    c.act(Action::Crash(l));
    c.cmd(next, "timeout", "");
    let v = c.run_unchecked(500);
    assert!(v.contains(&"Agreement"), "{v:?}");
}

#[test]
fn forgetting_the_promise_on_restart_is_caught() {
    // N4 sends prepares for ballot 1.4 and crashes; N2 and N3 promise it. N2 restarts. N0 then
    // proposes with ballot 1.0 (it has seen nothing higher): with the promise on disk, N2
    // refuses it and N0 retries higher; with the mutation, N2 has forgotten and accepts 1.0.
    let script = |forget: bool| {
        let cfg = Paxos { multi: false, forget_promise: forget, ..Paxos::default() };
        let mut c = Cluster::new(cfg, 22);
        c.act(Action::Cut(4, 0));
        c.act(Action::Cut(4, 1));
        c.cmd(4, "propose", "v=four");
        c.run_unchecked(1);
        c.act(Action::Crash(4));
        c.run_unchecked(20);
        c.act(Action::Crash(2));
        c.run_unchecked(5);
        c.act(Action::Restart(2));
        c.cmd(0, "propose", "v=zero");
        let v = c.run_unchecked(500);
        (c.chosen(1), v)
    };
    let (chosen, v) = script(false);
    assert!(v.is_empty(), "with the promise on disk nothing breaks: {v:?}");
    assert_eq!(chosen.as_deref(), Some("v=zero"));
    let (_, v) = script(true);
    assert!(v.contains(&"Promise Kept"), "{v:?}");
}

#[test]
fn non_intersecting_quorums_break_agreement() {
    let script = |q1: u32, q2: u32| {
        let mut c = Cluster::new(Paxos { multi: false, q1, q2, ..Paxos::default() }, 23);
        c.act(Action::Partition(vec![vec![0, 1], vec![2], vec![3, 4]]));
        c.cmd(0, "propose", "v=left");
        c.cmd(4, "propose", "v=right");
        c.run_unchecked(1_000)
    };
    assert!(script(3, 3).is_empty());
    assert!(script(4, 2).is_empty(), "4 + 2 > 5 still intersects");
    let v = script(2, 2);
    assert!(v.contains(&"Agreement"), "{v:?}");
}
