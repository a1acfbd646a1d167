//! Requests, digests, quorum sizes and the messages of the three protocols (normal case,
//! checkpoints, view change) of Castro and Liskov, "Practical Byzantine Fault Tolerance"
//! (OSDI 1999, §4) and "Practical Byzantine Fault Tolerance and Proactive Recovery" (TOCS 2002,
//! §2–§4). The pure pieces (quorum sizes, the primary of a view, digests, the watermark test and
//! the new primary's choice of pre-prepares) are plain functions, tested against the papers.
//!
//! Authentication is modelled, not computed: the kernel stamps every message with its real
//! sender, so a replica cannot pass a message off as another's, while a Byzantine replica can
//! send anything in its own name. Certificates inside VIEW-CHANGE and NEW-VIEW messages stand
//! for signed messages: the Byzantine behaviours here may leave them out, never forge them.

use crate::NodeId;
use alloc::vec::Vec;

/// A view number; the primary of view `v` is replica `v mod n`.
pub type View = u32;
/// A sequence number; the first request gets 1.
pub type Seq = u64;
/// A message digest (here a 64-bit FNV-1a hash; collisions are out of scope, as in the paper).
pub type Digest = u64;

/// The digest of the null request a new primary puts in a gap ("a special null request which
/// goes through the protocol like other requests, but its execution is a no-op", OSDI §4.4).
pub const NULL: Digest = 0;
/// Keys of the replicated key-value store: `x`, `y`, `z`.
pub const KEYS: [&str; 3] = ["x", "y", "z"];
/// Most clients.
pub const CLIENTS_MAX: usize = 3;

/// A client request `<REQUEST, o, t, c>`: operation `o` (write `value` to key `key`),
/// timestamp `t` (the client's counter, for exactly-once execution), client `c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// The client node.
    pub client: NodeId,
    /// The client's timestamp.
    pub ts: u64,
    /// Index into [`KEYS`].
    pub key: u8,
    /// The value to write.
    pub value: u32,
}

impl Request {
    /// Short text, `x=3`.
    pub fn text(&self) -> alloc::string::String {
        alloc::format!("{}={}", KEYS[self.key as usize % KEYS.len()], self.value)
    }
}

fn fnv(words: &[u64]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for w in words {
        for b in w.to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The digest `D(m)` of a request; never [`NULL`].
pub fn digest(r: &Request) -> Digest {
    fnv(&[r.client as u64, r.ts, r.key as u64, r.value as u64]).max(1)
}

/// The digest of a replica's state (what CHECKPOINT messages carry).
pub fn state_digest(s: &Store) -> Digest {
    let mut w = [0u64; KEYS.len() + 2 * CLIENTS_MAX];
    for (i, v) in s.kv.iter().enumerate() {
        w[i] = *v as u64;
    }
    for (i, (ts, r)) in s.last.iter().enumerate() {
        w[KEYS.len() + 2 * i] = *ts;
        w[KEYS.len() + 2 * i + 1] = *r;
    }
    fnv(&w)
}

/// The replicated service: a key-value store, and the last reply sent to each client (OSDI
/// §4.1: replicas remember it to execute each request once and resend lost replies).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Store {
    /// Values of `x`, `y`, `z`.
    pub kv: [u32; KEYS.len()],
    /// Per client (index = client − n): timestamp and result of its last executed request.
    pub last: [(u64, u64); CLIENTS_MAX],
}

impl Store {
    /// Executes `r` for client slot `c`: writes the value, returns the old one as the result.
    pub fn apply(&mut self, c: usize, r: &Request) -> u64 {
        let k = r.key as usize % KEYS.len();
        let old = self.kv[k] as u64;
        self.kv[k] = r.value;
        self.last[c] = (r.ts, old);
        old
    }
}

/// The primary of view `v` among `n` replicas: `p = v mod |R|` (OSDI §4).
pub fn primary(v: View, n: u32) -> NodeId {
    v % n.max(1)
}

/// Matching COMMITs (and CHECKPOINTs, VIEW-CHANGEs) a replica needs: `n − f`, which is the
/// paper's 2f + 1 when n = 3f + 1. With n < 3f + 1 two such quorums can share only Byzantine
/// replicas: the lab's unsafe setting.
pub fn quorum(n: u32, f: u32) -> u32 {
    n.saturating_sub(f).max(1)
}

/// Matching PREPAREs from different backups that, with the PRE-PREPARE, make a request
/// *prepared*: `quorum − 1`, the paper's 2f (OSDI §4.2).
pub fn prepare_quorum(n: u32, f: u32) -> u32 {
    quorum(n, f) - 1
}

/// Matching replies a client waits for: f + 1, so at least one comes from a correct replica
/// (OSDI §4.1).
pub fn reply_quorum(f: u32) -> u32 {
    f + 1
}

/// Whether `seq` lies between the low watermark `h` (the last stable checkpoint) and the high
/// watermark `h + window` (OSDI §4.2, §4.3).
pub fn in_window(seq: Seq, low: Seq, window: u64) -> bool {
    seq > low && seq <= low + window
}

/// A prepared certificate as a VIEW-CHANGE carries it: the pre-prepare's view, sequence
/// number and request (with 2f matching prepares, which the model takes as signed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cert {
    /// Sequence number.
    pub seq: Seq,
    /// View in which it prepared.
    pub view: View,
    /// Digest of the request.
    pub digest: Digest,
    /// The request (`None` for the null request).
    pub req: Option<Request>,
}

/// A VIEW-CHANGE `<VIEW-CHANGE, v+1, n, C, P, i>` (OSDI §4.4): the sender's last stable
/// checkpoint `n` with its state digest (`C`), and a certificate for every request prepared
/// above it (`P`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewChange {
    /// The view to move to.
    pub view: View,
    /// Sequence number of the sender's last stable checkpoint.
    pub stable: Seq,
    /// Its state digest.
    pub state: Digest,
    /// The replicas whose CHECKPOINT messages make it stable (a bit each; 0 for the initial
    /// state, or a state the sender holds no proof for).
    pub proof: u16,
    /// Prepared certificates above `stable`.
    pub prepared: Vec<Cert>,
}

/// What a new primary re-issues (OSDI §4.4): `min-s` is the latest stable checkpoint in the
/// VIEW-CHANGEs (with its digest), and for every sequence number from `min-s + 1` to the
/// highest one prepared anywhere (`max-s`) a pre-prepare for the request of the prepared
/// certificate with the highest view, or for the null request if there is none.
pub fn new_view_pps(vcs: &[(NodeId, ViewChange)]) -> (Seq, Digest, Vec<Cert>) {
    let (min_s, state) = vcs.iter().map(|(_, v)| (v.stable, v.state)).max().unwrap_or((0, NULL));
    let max_s = vcs.iter().flat_map(|(_, v)| v.prepared.iter().map(|c| c.seq)).max().unwrap_or(0);
    let mut out = Vec::new();
    for s in min_s + 1..=max_s {
        let best = vcs.iter().flat_map(|(_, v)| v.prepared.iter()).filter(|c| c.seq == s).max_by_key(|c| (c.view, c.digest));
        out.push(match best {
            Some(c) => Cert { seq: s, view: c.view, digest: c.digest, req: c.req },
            None => Cert { seq: s, view: 0, digest: NULL, req: None },
        });
    }
    (min_s, state, out)
}

/// Messages between clients and replicas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// A client's request (to the primary; to every replica when retransmitted; relayed to
    /// the primary by a backup).
    Request(Request),
    /// `<PRE-PREPARE, v, n, d>` with the request (`None`: the null request).
    PrePrepare {
        /// View.
        view: View,
        /// Sequence number.
        seq: Seq,
        /// Digest.
        digest: Digest,
        /// The request itself.
        req: Option<Request>,
    },
    /// `<PREPARE, v, n, d, i>`.
    Prepare {
        /// View.
        view: View,
        /// Sequence number.
        seq: Seq,
        /// Digest.
        digest: Digest,
    },
    /// `<COMMIT, v, n, D(m), i>`.
    Commit {
        /// View.
        view: View,
        /// Sequence number.
        seq: Seq,
        /// Digest.
        digest: Digest,
    },
    /// `<REPLY, v, t, c, i, r>`.
    Reply {
        /// The replica's view (tells the client who is primary).
        view: View,
        /// The request's timestamp.
        ts: u64,
        /// The result.
        result: u64,
    },
    /// `<CHECKPOINT, n, d, i>`.
    Checkpoint {
        /// Sequence number of the last request reflected in the state.
        seq: Seq,
        /// State digest.
        state: Digest,
    },
    /// `<VIEW-CHANGE, ...>`.
    ViewChange(ViewChange),
    /// `<NEW-VIEW, v+1, V, O>`: the view-changes it is based on and the re-issued
    /// pre-prepares (which every backup recomputes from `V` and checks).
    NewView {
        /// The new view.
        view: View,
        /// `V`: 2f + 1 view-changes, by sender.
        vcs: Vec<(NodeId, ViewChange)>,
        /// `O`: the re-issued pre-prepares.
        pps: Vec<Cert>,
    },
    /// State transfer: "send me the checkpoint state at `seq`".
    Fetch {
        /// Sequence number of the stable checkpoint wanted.
        seq: Seq,
    },
    /// State transfer: a stable checkpoint's state, with the 2f + 1 replicas whose CHECKPOINT
    /// messages prove it (a bit each, standing for their signatures).
    State {
        /// Sequence number.
        seq: Seq,
        /// The state.
        store: Store,
        /// Signers of the checkpoint certificate.
        proof: u16,
    },
}
