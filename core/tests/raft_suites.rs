//! Scenario tests in the shapes of the classic Raft lab suites (initial election, re-election,
//! agreement, failures, persistence, Figure 8 under an unreliable network, churn), run through
//! the same kernel the lab uses, with every invariant checked after every event.

use distlab_core::models::raft::{Node, Raft, Role, Word};
use distlab_core::{Action, LinkConfig, Rng, Sim, MS};

struct Cluster {
    sim: Sim<Raft>,
}

impl Cluster {
    fn new(cfg: Raft, seed: u64) -> Self {
        Cluster { sim: Sim::new(cfg, seed, Vec::new()) }
    }
    fn run(&mut self, ms: u64) {
        let t = self.sim.world().now() + ms * MS;
        self.sim.run_until(t, u64::MAX);
        assert!(self.sim.history().violations.is_empty(), "{:?}", self.sim.history().violations);
    }
    fn act(&mut self, a: Action) {
        self.sim.act(a).unwrap();
    }
    fn q(&self, name: &str) -> f64 {
        self.sim.world().query(name).unwrap()
    }
    fn leader(&self) -> Option<u32> {
        let l = self.q("leader");
        (l >= 0.0).then_some(l as u32)
    }
    fn node(&self, id: u32) -> Option<Node> {
        self.sim.world().nodes().up(id).cloned()
    }
    fn live(&self) -> Vec<(u32, Node)> {
        self.sim.world().nodes().live().map(|(i, n)| (i, n.clone())).collect()
    }
    fn request(&mut self, node: u32, arg: &str) {
        self.act(Action::Command { node, name: "request".into(), arg: arg.into() });
    }
    /// Live servers whose state machine holds key = value.
    fn holding(&self, key: &str, value: &str) -> usize {
        self.live().iter().filter(|(_, n)| n.kv.get(key).map(Word::as_str) == Some(value)).count()
    }
    fn elect(&mut self) -> u32 {
        for _ in 0..50 {
            self.run(100);
            if self.q("leaders") == 1.0 {
                return self.leader().unwrap();
            }
        }
        panic!("no leader elected");
    }
    /// A leader that the whole reachable majority follows (not a stale one).
    fn settled_leader(&mut self, among: &[u32]) -> u32 {
        for _ in 0..50 {
            self.run(100);
            let top = self.live().into_iter().filter(|(id, n)| among.contains(id) && n.role == Role::Leader).max_by_key(|(_, n)| n.term);
            if let Some((id, _)) = top {
                return id;
            }
        }
        panic!("no leader among {among:?}");
    }
}

fn five() -> Raft {
    Raft::default()
}

fn three() -> Raft {
    Raft { servers: 3, ..Raft::default() }
}

#[test]
fn initial_election() {
    for seed in 0..20 {
        let mut c = Cluster::new(three(), seed);
        let l = c.elect();
        let term = c.node(l).unwrap().term;
        c.run(300);
        assert!(c.live().iter().all(|(_, n)| n.term == term), "seed {seed}: everyone agrees on the term");
        // No failure, no new election.
        c.run(2_000);
        assert_eq!((c.leader(), c.q("max_term")), (Some(l), term as f64), "seed {seed}");
    }
}

#[test]
fn reelection_after_the_leader_is_cut_off_and_the_old_leader_rejoins() {
    for seed in 0..10 {
        let mut c = Cluster::new(three(), seed);
        let l1 = c.elect();
        c.act(Action::Isolate(l1));
        let others: Vec<u32> = (0..3).filter(|&i| i != l1).collect();
        let l2 = c.settled_leader(&others);
        assert!(c.node(l2).unwrap().term > c.node(l1).unwrap().term);
        // The old leader rejoins: it must not disturb the new one's leadership for long.
        c.act(Action::Heal);
        c.run(500);
        assert_eq!(c.q("leaders"), 1.0, "seed {seed}");
        assert_ne!(c.node(l1).unwrap().role, Role::Leader);
        // Without a quorum, no leader can be elected.
        let l3 = c.leader().unwrap();
        let other = (0..3).find(|&i| i != l3).unwrap();
        c.act(Action::Partition(vec![vec![l3], vec![other], (0..3).filter(|&i| i != l3 && i != other).collect()]));
        c.run(2_000);
        let fresh = c.live().into_iter().filter(|(id, n)| *id != l3 && n.role == Role::Leader).count();
        assert_eq!(fresh, 0, "seed {seed}: a leader without a quorum");
        c.act(Action::Heal);
        c.run(1_000);
        assert_eq!(c.q("leaders"), 1.0, "seed {seed}");
    }
}

#[test]
fn no_leader_without_a_quorum_of_live_servers() {
    let mut c = Cluster::new(five(), 3);
    let l = c.elect();
    let mut down = vec![l];
    down.extend((0..5).filter(|&i| i != l).take(2));
    for &d in &down {
        c.act(Action::Crash(d));
    }
    c.run(2_000);
    assert_eq!(c.q("leaders"), 0.0);
    c.act(Action::Restart(down[1]));
    c.run(1_500);
    assert_eq!(c.q("leaders"), 1.0);
}

#[test]
fn basic_agreement() {
    let mut c = Cluster::new(five(), 4);
    let l = c.elect();
    for (i, node) in [l, (l + 1) % 5, (l + 2) % 5].into_iter().enumerate() {
        c.request(node, &format!("k{i}=v{i}"));
        c.run(200);
        assert_eq!(c.holding(&format!("k{i}"), &format!("v{i}")), 5, "write {i} applied everywhere");
    }
    assert_eq!(c.q("acked"), 3.0);
}

#[test]
fn follower_failure() {
    let mut c = Cluster::new(five(), 5);
    let l = c.elect();
    let followers: Vec<u32> = (0..5).filter(|&i| i != l).collect();
    c.act(Action::Crash(followers[0]));
    c.request(l, "a=1");
    c.run(200);
    assert_eq!(c.q("acked"), 1.0, "four of five commit");
    c.act(Action::Crash(followers[1]));
    c.request(l, "b=2");
    c.run(200);
    assert_eq!(c.q("acked"), 2.0, "three of five commit");
    c.act(Action::Crash(followers[2]));
    c.request(l, "c=3");
    c.run(1_000);
    assert_eq!(c.q("acked"), 2.0, "two of five cannot");
}

#[test]
fn leader_failure() {
    let mut c = Cluster::new(five(), 6);
    let l1 = c.elect();
    c.request(l1, "a=1");
    c.run(200);
    c.act(Action::Crash(l1));
    let l2 = c.settled_leader(&(0..5).filter(|&i| i != l1).collect::<Vec<_>>());
    c.request((l2 + 1) % 5, "b=2");
    c.run(300);
    c.act(Action::Crash(l2));
    let l3 = c.settled_leader(&(0..5).filter(|&i| i != l1 && i != l2).collect::<Vec<_>>());
    c.request(l3, "c=3");
    c.run(300);
    assert_eq!(c.q("acked"), 3.0);
    assert_eq!(c.holding("a", "1"), 3);
}

#[test]
fn no_agreement_without_a_majority_then_recovery() {
    let mut c = Cluster::new(five(), 7);
    let l = c.elect();
    let followers: Vec<u32> = (0..5).filter(|&i| i != l).collect();
    c.act(Action::Partition(vec![vec![l, followers[0]], followers[1..].to_vec()]));
    c.request(l, "x=1");
    c.run(1_000);
    assert_eq!(c.q("acked"), 0.0);
    assert!(c.node(l).unwrap().commit < c.node(l).unwrap().last_index());
    // The majority side moves on; after healing, everyone agrees and x=1 is gone.
    let m = c.settled_leader(&followers[1..]);
    c.request(m, "x=2");
    c.run(300);
    c.act(Action::Heal);
    c.run(1_000);
    assert_eq!(c.holding("x", "2"), 5);
    assert!(c.q("overwritten_uncommitted") >= 1.0);
}

#[test]
fn concurrent_requests_all_commit_once() {
    let mut c = Cluster::new(five(), 8);
    let l = c.elect();
    for i in 0..30 {
        c.request((l + i) % 5, &format!("k{i}=v{i}"));
    }
    c.run(1_000);
    assert_eq!(c.q("acked"), 30.0);
    let n = c.node(l).unwrap();
    assert_eq!(n.kv.len(), 30);
    assert_eq!(n.last_index(), 31, "a no-op and exactly one entry per request");
}

#[test]
fn stale_leader_entries_are_overwritten_on_rejoin() {
    let mut c = Cluster::new(five(), 9);
    let l = c.elect();
    c.act(Action::Isolate(l));
    for i in 0..3 {
        c.request(l, &format!("old{i}=1"));
    }
    let others: Vec<u32> = (0..5).filter(|&i| i != l).collect();
    let m = c.settled_leader(&others);
    c.request(m, "new=1");
    c.run(300);
    c.act(Action::Heal);
    c.run(500);
    let a = c.node(l).unwrap();
    let b = c.node(m).unwrap();
    assert_eq!(a.log, b.log, "the old leader's log is the new leader's");
    assert!(a.kv.keys().all(|k| !k.starts_with("old")));
    assert!(c.q("overwritten_uncommitted") >= 3.0);
}

#[test]
fn fast_backup_across_repeated_partitions() {
    let mut c = Cluster::new(five(), 10);
    let l1 = c.elect();
    let f: Vec<u32> = (0..5).filter(|&i| i != l1).collect();
    // The leader and one follower get 50 entries that will never commit.
    c.act(Action::Partition(vec![vec![l1, f[0]], f[1..].to_vec()]));
    for i in 0..50 {
        c.request(l1, &format!("a{i}=1"));
    }
    // The other three elect a leader and commit 50 entries.
    let l2 = c.settled_leader(&f[1..]);
    for i in 0..50 {
        c.request(l2, &format!("b{i}=1"));
    }
    c.run(500);
    // That leader and one follower are cut off with 50 more doomed entries.
    let other = *f[1..].iter().find(|&&i| i != l2).unwrap();
    let rest: Vec<u32> = (0..5).filter(|&i| i != l2 && i != other).collect();
    c.act(Action::Partition(vec![vec![l2, other], rest.clone()]));
    for i in 0..50 {
        c.request(l2, &format!("c{i}=1"));
    }
    // The first three (two with stale entries) elect a leader that commits 50 more.
    let l3 = c.settled_leader(&rest);
    for i in 0..50 {
        c.request(l3, &format!("d{i}=1"));
    }
    c.run(500);
    assert_eq!(c.q("acked"), 100.0);
    c.act(Action::Heal);
    // Fast backup: everyone converges within a few heartbeats despite ~100 divergent entries.
    c.run(400);
    let leader = c.node(c.leader().unwrap()).unwrap();
    for (id, n) in c.live() {
        assert_eq!(n.log, leader.log, "S{id} converged");
        assert_eq!(n.commit, leader.commit, "S{id} committed");
    }
}

#[test]
fn persistence_across_crashes_of_every_server() {
    let mut c = Cluster::new(five(), 11);
    let l = c.elect();
    for i in 0..5 {
        c.request(l, &format!("k{i}=v{i}"));
    }
    c.run(300);
    let term = c.q("max_term");
    for round in 0..3 {
        for id in 0..5 {
            c.act(Action::Crash(id));
        }
        c.run(100);
        for id in 0..5 {
            c.act(Action::Restart(id));
        }
        let l = c.elect();
        c.request(l, &format!("r{round}=1"));
        c.run(500);
        assert!(c.q("max_term") > term);
        for i in 0..5 {
            assert_eq!(c.holding(&format!("k{i}"), &format!("v{i}")), 5, "round {round}: k{i} survived");
        }
    }
    assert_eq!(c.q("acked"), 8.0);
    // One at a time, including the leader each round.
    for _ in 0..5 {
        let l = c.elect();
        c.act(Action::Crash(l));
        c.run(400);
        c.act(Action::Restart(l));
    }
    c.run(1_000);
    assert_eq!(c.holding("r2", "1"), 5);
}

/// Every acknowledged write is committed with its value on every live member.
fn assert_acked_survive(c: &Cluster, written: &[(String, String)]) {
    let leader = c.node(c.leader().expect("a leader")).unwrap();
    assert_eq!(c.q("acked_lost"), 0.0);
    for (index, term) in c.sim.world().ghost().acked_entries() {
        for (s, n) in c.live().iter().filter(|(s, _)| leader.config.contains(s)) {
            assert!(n.commit >= index, "acked entry {index}@{term} not committed on S{s}");
            assert!(index <= n.snapshot.last_index || n.term_at(index) == Some(term), "acked entry {index}@{term} replaced on S{s}");
        }
    }
    let _ = written;
}

fn recover(c: &mut Cluster, n: u32) {
    c.act(Action::Heal);
    c.act(Action::Net(LinkConfig::default()));
    for id in 0..n {
        c.act(Action::Restart(id));
    }
    c.run(3_000);
    assert_eq!(c.q("leaders"), 1.0);
}

#[test]
fn figure8_under_an_unreliable_network() {
    for seed in 0..10 {
        let cfg = Raft { snapshot_threshold: if seed % 2 == 0 { 0 } else { 8 }, ..five() };
        let mut c = Cluster::new(cfg, 100 + seed);
        let mut rng = Rng::stream(seed, 77);
        c.act(Action::Net(LinkConfig { latency_min: MS, latency_max: 25 * MS, loss: 0.1, duplicate: 0.05, reorder: 0.3, reorder_delay: 300 * MS }));
        let mut written = Vec::new();
        for i in 0..60 {
            let node = rng.below(5);
            c.request(node, &format!("k{i}=v{i}"));
            written.push((format!("k{i}"), format!("v{i}")));
            if rng.chance(0.15) {
                if let Some(l) = c.leader() {
                    c.act(Action::Crash(l));
                }
            }
            if c.live().len() < 3 || rng.chance(0.2) {
                let down: Vec<u32> = (0..5).filter(|&i| c.node(i).is_none()).collect();
                if !down.is_empty() {
                    c.act(Action::Restart(down[rng.below(down.len() as u32) as usize]));
                }
            }
            c.run(rng.range(10, 120));
        }
        recover(&mut c, 5);
        assert!(c.q("acked") > 0.0, "seed {seed}: something committed");
        assert_acked_survive(&c, &written);
    }
}

#[test]
fn churn_every_acknowledged_value_survives() {
    for seed in 0..10 {
        let cfg = Raft { prevote: seed % 2 == 1, ..five() };
        let mut c = Cluster::new(cfg, 200 + seed);
        let mut rng = Rng::stream(seed, 78);
        let mut written = Vec::new();
        for i in 0..80 {
            let node = rng.below(5);
            match rng.below(10) {
                0 => c.act(Action::Crash(node)),
                1 | 2 => c.act(Action::Restart(node)),
                3 => {
                    let mut groups = vec![vec![], vec![]];
                    for id in 0..5 {
                        groups[rng.below(2) as usize].push(id);
                    }
                    c.act(Action::Partition(groups));
                }
                4 => c.act(Action::Heal),
                _ => {
                    c.request(node, &format!("k{i}=v{i}"));
                    written.push((format!("k{i}"), format!("v{i}")));
                }
            }
            c.run(rng.range(20, 200));
        }
        recover(&mut c, 5);
        assert!(c.q("acked") > 0.0, "seed {seed}");
        assert_acked_survive(&c, &written);
        // Every acknowledged value is readable on every server.
        assert!(c.sim.world().ghost().acked_entries().next().is_some());
        let leader = c.node(c.leader().unwrap()).unwrap();
        for (_, n) in c.live() {
            assert_eq!(n.kv, leader.kv, "seed {seed}: state machines agree");
        }
    }
}

#[test]
fn same_seed_and_actions_give_the_same_trace() {
    let run = |seed: u64| {
        let actions = vec![
            distlab_core::TimedAction { at: 500 * MS, action: Action::Command { node: 1, name: "request".into(), arg: "x=1".into() } },
            distlab_core::TimedAction { at: 900 * MS, action: Action::Isolate(2) },
            distlab_core::TimedAction { at: 1_500 * MS, action: Action::Heal },
        ];
        let mut lab = distlab_core::models::new_lab("raft", &[], seed, actions).unwrap();
        lab.run_until(3_000 * MS, u64::MAX);
        (lab.events(), lab.trace_hash())
    };
    let a = run(42);
    assert_eq!(a, run(42));
    assert_ne!(a.1, run(43).1);
}

#[test]
fn a_removed_leader_steps_down_once_its_removal_commits() {
    let mut c = Cluster::new(five(), 12);
    let l = c.elect();
    c.request(l, "x=1");
    c.run(200);
    c.act(Action::Command { node: l, name: "remove_server".into(), arg: format!("{l}") });
    c.run(100);
    let old = c.node(l).unwrap();
    assert_ne!(old.role, Role::Leader);
    assert!(!old.is_member());
    let others: Vec<u32> = (0..5).filter(|&i| i != l).collect();
    let m = c.settled_leader(&others);
    assert_eq!(c.node(m).unwrap().config.len(), 4);
    c.request(m, "y=2");
    c.run(300);
    assert_eq!(c.q("acked"), 2.0);
    // The removed server stays quiet: no election it starts disturbs the cluster.
    let term = c.q("max_term");
    c.run(2_000);
    assert_eq!(c.q("max_term"), term);
}

#[test]
fn a_spare_joins_catches_up_by_snapshot_and_can_lead() {
    let cfg = Raft { servers: 3, snapshot_threshold: 4, ..Raft::default() };
    let mut c = Cluster::new(cfg, 13);
    let l = c.elect();
    for i in 0..10 {
        c.request(l, &format!("k{i}=v{i}"));
    }
    c.run(300);
    c.act(Action::AddNode);
    c.run(500);
    c.act(Action::Command { node: l, name: "add_server".into(), arg: "3".into() });
    c.run(300);
    let s = c.node(3).unwrap();
    assert!(s.is_member());
    assert_eq!(s.kv.len(), 10, "the spare got the store by snapshot");
    assert!(c.q("snapshots_installed") >= 1.0);
    // With four members, losing the old leader still leaves a majority of 3 of 4.
    c.act(Action::Crash(l));
    let m = c.settled_leader(&[0, 1, 2, 3]);
    c.request(m, "z=1");
    c.run(400);
    assert_eq!(c.q("acked"), 11.0);
}
