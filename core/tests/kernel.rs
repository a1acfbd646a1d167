//! Kernel tests with a tiny ping model: ordering, determinism, faults, time travel, branching.

mod support {
    pub mod ping;
}

use distlab_core::lab::SNAPSHOTS_MAX;
use distlab_core::trace::TraceKind;
use distlab_core::{Action, Lab, LinkConfig, NodeStatus, Sim, TimedAction, MS, SEC};
use support::ping::Ping;

fn sim(seed: u64, actions: Vec<TimedAction>) -> Sim<Ping> {
    Sim::new(Ping::default(), seed, actions)
}

fn at(t: u64, action: Action) -> TimedAction {
    TimedAction { at: t, action }
}

fn faults() -> Vec<TimedAction> {
    vec![
        at(200 * MS, Action::Crash(1)),
        at(400 * MS, Action::Partition(vec![vec![0], vec![1, 2]])),
        at(500 * MS, Action::Restart(1)),
        at(700 * MS, Action::Heal),
        at(800 * MS, Action::Net(LinkConfig { loss: 0.3, duplicate: 0.2, reorder: 0.3, ..LinkConfig::default() })),
        at(900 * MS, Action::Pause(2)),
        at(1_100 * MS, Action::Resume(2)),
        at(1_200 * MS, Action::Slow(0, 5)),
    ]
}

#[test]
fn same_seed_same_trace_different_seed_different_trace() {
    let mut a = sim(7, faults());
    let mut b = sim(7, faults());
    let mut c = sim(8, faults());
    a.run_until(2 * SEC, u64::MAX);
    b.run_until(2 * SEC, u64::MAX);
    c.run_until(2 * SEC, u64::MAX);
    assert!(a.world().events() > 500, "the workload should be busy");
    assert_eq!(a.world().trace_hash(), b.world().trace_hash());
    assert_ne!(a.world().trace_hash(), c.world().trace_hash());
}

/// The trace must not depend on how the run is driven: one event at a time, in big chunks,
/// or in uneven animation-frame-sized slices.
#[test]
fn stepping_and_chunked_runs_agree() {
    let mut stepped = sim(3, faults());
    while stepped.world().now() <= 2 * SEC && stepped.step() {}
    let stepped_events = stepped.world().events();

    let mut chunked = sim(3, faults());
    let mut t = 0;
    let mut frame = 1;
    while chunked.world().events() < stepped_events {
        t += frame * 997;
        frame = frame % 37 + 1;
        chunked.run_until(t, u64::MAX);
    }
    // Every trace entry of the stepped run appears identically in the chunked run.
    let upto = |s: &Sim<Ping>| s.history().trace.iter().filter(|e| e.event < stepped_events).cloned().collect::<Vec<_>>();
    let (a, b) = (upto(&stepped), upto(&chunked));
    assert!(a.len() > 1_000);
    assert_eq!(a, b);
}

#[test]
fn step_back_and_seek_restore_exact_states() {
    let mut s = sim(11, faults());
    let mut hashes = vec![s.world().trace_hash()];
    while s.world().events() < 3_000 && s.step() {
        hashes.push(s.world().trace_hash());
    }
    // Jump around: backwards, forwards, to the very start.
    for &k in &[2_999u64, 1, 1_500, 2_000, 0, 2_999, 513, 512, 511, 1_024] {
        s.seek_event(k);
        assert_eq!(s.world().events(), k);
        assert_eq!(s.world().trace_hash(), hashes[k as usize], "state after seeking to event {k}");
        let last = s.history().trace.back().map(|e| e.event);
        if k > 0 {
            assert_eq!(last, Some(k - 1), "trace ends with the last event after seeking to {k}");
        }
    }
    s.seek_event(2_000);
    s.step_back();
    assert_eq!(s.world().trace_hash(), hashes[1_999]);
}

#[test]
fn seek_time_then_resume_reaches_the_same_future() {
    let mut a = sim(5, faults());
    a.run_until(2 * SEC, u64::MAX);
    let end = a.world().trace_hash();
    let samples = a.history().samples.len();
    a.seek_time(300 * MS);
    assert_eq!(a.world().now(), 300 * MS);
    assert!(a.history().samples.iter().all(|(t, _)| *t <= 300 * MS));
    a.seek_time(2 * SEC);
    assert_eq!(a.world().trace_hash(), end);
    assert_eq!(a.history().samples.len(), samples);
}

#[test]
fn acting_in_the_past_branches() {
    let mut a = sim(9, faults());
    a.run_until(2 * SEC, u64::MAX);
    let original = a.world().trace_hash();
    a.seek_time(250 * MS);
    a.act(Action::Crash(0)).unwrap();
    // The old future after 250 ms is gone: only actions up to now remain, plus the new one.
    assert_eq!(a.actions().len(), 2, "crash(1) at 200 ms kept, later actions discarded, new crash added");
    assert_eq!(a.actions()[1], at(250 * MS, Action::Crash(0)));
    assert_eq!(a.horizon().1, 250 * MS);
    a.run_until(2 * SEC, u64::MAX);
    assert_ne!(a.world().trace_hash(), original);
    // Replaying the branch's script from scratch gives the same run.
    let mut replay = sim(9, a.actions().to_vec());
    replay.run_until(2 * SEC, u64::MAX);
    assert_eq!(replay.world().trace_hash(), a.world().trace_hash());
}

#[test]
fn partitions_stop_messages_between_groups() {
    let mut s = sim(2, vec![at(100 * MS, Action::Partition(vec![vec![0], vec![1, 2]])), at(600 * MS, Action::Heal)]);
    s.run_until(SEC, u64::MAX);
    let crossing = s.history().trace.iter().filter(|e| {
        e.kind == TraceKind::Deliver
            && e.sent_at >= 100 * MS
            && e.sent_at < 600 * MS
            && (e.peer == Some(0)) != (e.node == Some(0))
    });
    assert_eq!(crossing.count(), 0);
    let lost = s.history().trace.iter().filter(|e| e.kind == TraceKind::Lost && e.text.contains("partitioned")).count();
    assert!(lost > 0, "node 0 kept pinging into the partition");
    let healed = s.history().trace.iter().filter(|e| e.kind == TraceKind::Deliver && e.sent_at >= 600 * MS && (e.peer == Some(0) || e.node == Some(0)));
    assert!(healed.count() > 0, "traffic resumes after heal");
}

#[test]
fn one_way_cut_is_one_way() {
    let mut s = sim(4, vec![at(0, Action::Cut(0, 1))]);
    s.run_until(SEC, u64::MAX);
    let t = &s.history().trace;
    assert!(!t.iter().any(|e| e.kind == TraceKind::Deliver && e.peer == Some(0) && e.node == Some(1)));
    assert!(t.iter().any(|e| e.kind == TraceKind::Deliver && e.peer == Some(1) && e.node == Some(0)));
}

#[test]
fn crash_keeps_durable_state_and_silences_the_node() {
    let mut s = sim(6, vec![at(300 * MS, Action::Crash(1)), at(700 * MS, Action::Restart(1))]);
    s.run_until(299 * MS, u64::MAX);
    s.run_until(300 * MS, u64::MAX);
    let pongs_at_crash = s.world().nodes().slot(1).unwrap().durable.unwrap();
    assert_eq!(s.world().status(1), Some(NodeStatus::Crashed));
    s.run_until(699 * MS, u64::MAX);
    let t = &s.history().trace;
    let acted_while_down = t.iter().any(|e| e.time > 300 * MS && e.node == Some(1) && matches!(e.kind, TraceKind::Deliver | TraceKind::Timer));
    assert!(!acted_while_down, "a crashed node handles nothing");
    assert!(t.iter().any(|e| e.kind == TraceKind::Lost && e.node == Some(1) && e.text.contains("down")));
    s.run_until(700 * MS, u64::MAX);
    let node = s.world().nodes().up(1).unwrap();
    assert_eq!((node.pongs, node.pings_sent, node.restarts), (pongs_at_crash, 0, 1), "durable kept, volatile rebuilt");
}

#[test]
fn paused_node_handles_its_backlog_on_resume() {
    let mut s = sim(8, vec![at(200 * MS, Action::Pause(2)), at(500 * MS, Action::Resume(2))]);
    s.run_until(SEC, u64::MAX);
    let t = &s.history().trace;
    assert!(!t.iter().any(|e| e.time > 200 * MS && e.time < 500 * MS && e.node == Some(2) && e.kind == TraceKind::Deliver));
    let at_resume = t.iter().filter(|e| e.time == 500 * MS && e.node == Some(2) && e.kind == TraceKind::Deliver).count();
    assert!(at_resume > 0, "messages that waited are delivered at resume");
}

#[test]
fn slow_node_ticks_slower() {
    let ticks = |actions| {
        let mut s = sim(1, actions);
        s.run_until(2 * SEC, u64::MAX);
        s.history().trace.iter().filter(|e| e.kind == TraceKind::Timer && e.node == Some(0) && e.time > SEC).count()
    };
    let normal = ticks(vec![]);
    let slow = ticks(vec![at(0, Action::Slow(0, 4))]);
    assert!(slow * 3 < normal, "4x slower node ticked {slow} times vs {normal}");
}

#[test]
fn dropping_a_message_in_flight() {
    let mut s = sim(12, vec![]);
    s.run_until(100 * MS, u64::MAX);
    let view = s.view();
    let msg = view.messages.first().expect("something is in flight").id;
    s.act(Action::Drop(msg)).unwrap();
    assert!(!s.view().messages.iter().any(|m| m.id == msg));
    s.run_until(SEC, u64::MAX);
    assert!(!s.history().trace.iter().any(|e| e.kind == TraceKind::Deliver && e.msg == Some(msg)));
    assert!(s.history().trace.iter().any(|e| e.kind == TraceKind::Lost && e.msg == Some(msg) && e.text.contains("dropped")));
}

#[test]
fn bad_actions_are_refused_with_reasons() {
    let mut s = sim(1, vec![]);
    let cases = [
        (Action::Crash(9), "node 9 does not exist"),
        (Action::Partition(vec![vec![0, 1], vec![1]]), "node 1 is in two partition groups"),
        (Action::Slow(0, 0), "slow factor"),
        (Action::Net(LinkConfig { loss: 1.5, ..LinkConfig::default() }), "loss"),
        (Action::Net(LinkConfig { latency_min: 10, latency_max: 5, ..LinkConfig::default() }), "latency_min"),
        (Action::Set("nodes".into(), distlab_core::Value::Num(4.0)), "only be changed at reset"),
        (Action::Set("bogus".into(), distlab_core::Value::Num(4.0)), "unknown setting"),
        (Action::Set("tick_ms".into(), distlab_core::Value::Num(0.0)), "between 1 and 1000"),
        (Action::Command { node: 0, name: "burst".into(), arg: "many".into() }, "must be a count"),
        (Action::Command { node: 0, name: "explode".into(), arg: String::new() }, "unknown command"),
    ];
    for (action, want) in cases {
        let err = s.act(action.clone()).expect_err(&format!("{action:?} should be refused"));
        assert!(err.contains(want), "{action:?}: {err}");
    }
    assert!(s.actions().is_empty(), "refused actions leave no trace in the script");
    s.act(Action::AddNode).unwrap();
    s.act(Action::AddNode).unwrap();
    assert!(s.act(Action::AddNode).unwrap_err().contains("at most 5"));
}

#[test]
fn snapshots_stay_bounded_on_long_runs() {
    let mut s = sim(1, vec![]);
    s.run_until(120 * SEC, u64::MAX);
    assert!(s.world().events() > 100_000);
    // Seek far back and forth; the snapshot count is bounded by construction.
    s.seek_time(7 * SEC);
    assert_eq!(s.world().now(), 7 * SEC);
    s.seek_time(119 * SEC);
    assert_eq!(s.world().now(), 119 * SEC);
    let _ = SNAPSHOTS_MAX;
}

#[test]
fn metrics_are_sampled_on_virtual_time() {
    let mut s = sim(1, vec![]);
    s.run_until(SEC, u64::MAX);
    let times: Vec<u64> = s.history().samples.iter().map(|(t, _)| *t).collect();
    assert_eq!(times, (0..=10).map(|i| i * 100 * MS).collect::<Vec<_>>());
    let values: Vec<f64> = s.history().samples.iter().map(|(_, v)| v[0]).collect();
    assert!(values.windows(2).all(|w| w[0] <= w[1]), "pong count never decreases: {values:?}");
}

#[test]
fn crashing_a_paused_node_loses_its_waiting_messages() {
    let mut s = sim(8, vec![at(200 * MS, Action::Pause(2)), at(400 * MS, Action::Crash(2))]);
    s.run_until(399 * MS, u64::MAX);
    let waiting = s.view().messages.iter().filter(|m| m.to == 2 && m.arrives_at <= 399 * MS).count();
    assert!(waiting > 0, "messages queue up for the paused node");
    s.run_until(SEC, u64::MAX);
    assert!(!s.view().messages.iter().any(|m| m.to == 2 && m.arrives_at <= 400 * MS), "none stay in flight forever");
    let lost = s.history().trace.iter().filter(|e| e.kind == TraceKind::Lost && e.node == Some(2) && e.time == 400 * MS).count();
    assert_eq!(lost, waiting);
}

/// Seeking back and then forward again (by jumps, by steps, by running) shows exactly the
/// history of a straight run: nothing lost, nothing doubled.
#[test]
fn history_survives_back_and_forth() {
    let mut straight = sim(21, faults());
    straight.run_until(2 * SEC, u64::MAX);
    let want_trace: Vec<_> = straight.history().trace.iter().cloned().collect();
    let want_samples: Vec<_> = straight.history().samples.iter().cloned().collect();

    let mut s = sim(21, faults());
    s.run_until(2 * SEC, u64::MAX);
    s.seek_time(100 * MS);
    s.seek_time(1_500 * MS);
    s.seek_event(10);
    for _ in 0..100 {
        s.step();
    }
    s.seek_time(700 * MS);
    s.run_until(2 * SEC, u64::MAX);
    assert_eq!(s.history().trace.iter().cloned().collect::<Vec<_>>(), want_trace);
    assert_eq!(s.history().samples.iter().cloned().collect::<Vec<_>>(), want_samples);
    assert_eq!(s.world().trace_hash(), straight.world().trace_hash());
}

/// A copy made into another world's buffers (`clone_from`, which the model checker uses to
/// reuse the worlds of successors it throws away) is the same world as a fresh copy: the same
/// run follows, entry for entry, whatever the target held before.
#[test]
fn clone_from_is_a_copy() {
    use distlab_core::world::{NullSink, World};
    let script = faults();
    let run = |w: &mut World<Ping>, until: u64| {
        while w.now() < until && w.step(&script, &mut NullSink) {}
    };
    let mut source = World::new(Ping::default(), 7);
    run(&mut source, 1_000 * MS);
    // Targets in other states: fresh, further along, another seed.
    let mut ahead = World::new(Ping::default(), 7);
    run(&mut ahead, 1_800 * MS);
    for mut target in [World::new(Ping::default(), 9), ahead] {
        target.clone_from(&source);
        let mut fresh = source.clone();
        assert_eq!((target.now(), target.events(), target.trace_hash()), (fresh.now(), fresh.events(), fresh.trace_hash()));
        run(&mut target, 2 * SEC);
        run(&mut fresh, 2 * SEC);
        assert_eq!((target.events(), target.trace_hash()), (fresh.events(), fresh.trace_hash()), "the runs after the copy differ");
    }
}
