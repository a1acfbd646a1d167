//! What Raft servers say to each other, and what their logs hold.
//!
//! The RPCs are those of the paper's Figure 2 (RequestVote, AppendEntries) and Figure 13
//! (InstallSnapshot, sent whole rather than in chunks), plus the pre-vote round of the
//! dissertation §9.6, a client request forwarded by a follower to the leader it knows, and a
//! `Join` a freshly added spare server sends so the cluster learns it exists.

use crate::time::Time;
use crate::NodeId;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// A term number (Figure 2: "latest term server has seen").
pub type Term = u64;
/// A log index; the first entry has index 1, index 0 is the empty prefix.
pub type Index = u64;

/// A short string kept inline (at most [`Word::MAX`] bytes), so a request in a log costs no
/// allocation of its own: a loaded hour of Raft holds hundreds of thousands of them.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Word {
    len: u8,
    bytes: [u8; Word::MAX],
}

impl Word {
    /// Longest word, in bytes.
    pub const MAX: usize = 16;

    /// The text.
    pub fn as_str(&self) -> &str {
        // Built only from `&str` cut at a character boundary.
        core::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
    }

    /// Formats into a word, keeping what fits (no allocation): `Word::format(format_args!(..))`.
    pub fn format(args: fmt::Arguments<'_>) -> Word {
        let mut word = Word::default();
        let _ = fmt::write(&mut word, args);
        word
    }
}

/// Appends what fits, cut at a character boundary.
impl fmt::Write for Word {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let at = self.len as usize;
        let mut end = s.len().min(Word::MAX - at);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.bytes[at..at + end].copy_from_slice(&s.as_bytes()[..end]);
        self.len += end as u8;
        Ok(())
    }
}

impl From<&str> for Word {
    /// Keeps the longest prefix of at most [`Word::MAX`] bytes that ends on a character.
    fn from(s: &str) -> Word {
        let mut word = Word::default();
        let _ = fmt::Write::write_str(&mut word, s);
        word
    }
}

// Ordered as the text is (strings compare byte by byte), so that a map keyed by words can be
// searched with a `&str`.
impl Ord for Word {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.bytes[..self.len as usize].cmp(&other.bytes[..other.len as usize])
    }
}

impl PartialOrd for Word {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl core::borrow::Borrow<str> for Word {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

/// The replicated key-value store: words, so that a snapshot copies no strings, in one sorted
/// vector (a few keys in a checker's run, 16 under the lab's steady load, one per key a
/// learner types), which a server's copy clones in one piece.
pub type Store = crate::small::SmallMap<Word, Word>;

impl core::ops::Deref for Word {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A client request as it travels and as it sits in the log.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Request {
    /// Unique id, drawn from the receiving server's random stream.
    pub id: u64,
    /// Key to write.
    pub key: Word,
    /// Value to write.
    pub value: Word,
    /// When the client submitted it (for commit latency).
    pub submitted_at: Time,
    /// The server the client talked to.
    pub origin: NodeId,
}

/// What a log entry asks the state machine (or the cluster) to do.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// Nothing: the entry a new leader appends to commit its predecessors' entries (§8).
    Noop,
    /// `key = value` in the replicated key-value store.
    Put(Request),
    /// A new cluster membership (dissertation §4.1): takes effect as soon as it is appended.
    Config(Vec<NodeId>),
}

/// One log entry. Logs and messages hold it behind an `Rc` ([`Shared`]): the leader creates
/// it once and every copy on every server, in every message and in every snapshot is the same
/// allocation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The term of the leader that created it.
    pub term: Term,
    /// What it does.
    pub op: Op,
}

/// A log entry as logs and messages hold it.
pub type Shared = Rc<Entry>;

impl Entry {
    /// A number that tells different entries apart (used by the invariant checker).
    pub fn ident(&self) -> u64 {
        match &self.op {
            Op::Noop => 0,
            Op::Put(r) => r.id | 1,
            Op::Config(m) => (1 << 62) | m.iter().fold(0u64, |acc, &n| acc | (1 << (n & 31))),
        }
    }

    /// Short text for a log cell, e.g. `x=3`, `no-op`, `{0,1,2}`.
    pub fn text(&self) -> String {
        match &self.op {
            Op::Noop => "no-op".into(),
            Op::Put(r) => alloc::format!("{}={}", r.key, r.value),
            Op::Config(m) => members_text(m),
        }
    }
}

/// `{0,1,2}`.
pub fn members_text(members: &[NodeId]) -> String {
    let inner: Vec<String> = members.iter().map(|m| alloc::format!("{m}")).collect();
    alloc::format!("{{{}}}", inner.join(","))
}

/// A snapshot of the state machine covering the log up to `last_index` (§7, Figure 12).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Snapshot {
    /// Index of the last entry it replaces.
    pub last_index: Index,
    /// Term of that entry.
    pub last_term: Term,
    /// The key-value store after applying everything up to `last_index`.
    pub kv: Store,
    /// The membership in effect at `last_index`.
    pub config: Rc<Vec<NodeId>>,
}

/// A message between servers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Msg {
    /// Asks for a vote (§5.2). With `pre`, a pre-vote (dissertation §9.6): "would you vote for
    /// me in `term`?", which changes nobody's term or vote.
    RequestVote {
        /// Candidate's term (for a pre-vote: the term it would campaign in).
        term: Term,
        /// Index of the candidate's last log entry.
        last_index: Index,
        /// Term of the candidate's last log entry.
        last_term: Term,
        /// Whether this is a pre-vote.
        pre: bool,
    },
    /// Answer to [`Msg::RequestVote`].
    Vote {
        /// The voter's term (for a granted pre-vote, the term asked about).
        term: Term,
        /// Whether the vote is granted.
        granted: bool,
        /// Whether this answers a pre-vote.
        pre: bool,
    },
    /// Replicates entries and doubles as the heartbeat (§5.3).
    AppendEntries {
        /// Leader's term.
        term: Term,
        /// Index of the entry just before the new ones.
        prev_index: Index,
        /// Term of that entry.
        prev_term: Term,
        /// Entries to store (empty for a heartbeat).
        entries: Vec<Shared>,
        /// Leader's commit index.
        commit: Index,
    },
    /// Answer to [`Msg::AppendEntries`], with the fast-backup hint of §5.3 on failure.
    AppendReply {
        /// Follower's term.
        term: Term,
        /// Whether the consistency check passed.
        success: bool,
        /// On success: the last index known to match the leader's log.
        match_index: Index,
        /// On failure: where the leader should look next.
        conflict_index: Index,
        /// On failure: the term of the follower's entry at `prev_index`, if it has one.
        conflict_term: Option<Term>,
    },
    /// Sends a whole snapshot to a follower whose next entry was compacted away (§7).
    InstallSnapshot {
        /// Leader's term.
        term: Term,
        /// The snapshot.
        snapshot: Snapshot,
    },
    /// Answer to [`Msg::InstallSnapshot`].
    SnapshotReply {
        /// Follower's term.
        term: Term,
        /// The snapshot's last index, now matched by the follower.
        last_index: Index,
    },
    /// A client request a follower passes on to the leader it knows (§8).
    Forward {
        /// The request.
        request: Request,
        /// How many servers have passed it on (bounded so it cannot circle).
        hops: u8,
    },
    /// A spare server announcing itself so the leader may add it.
    Join,
}

#[cfg(test)]
mod tests {
    use super::Word;

    #[test]
    fn words_keep_what_fits_on_a_character_boundary() {
        assert_eq!(Word::from("k12").as_str(), "k12");
        assert_eq!(Word::from("abcdefghijklmnopqrst").as_str(), "abcdefghijklmnop");
        // 15 ASCII bytes then a two-byte character: the character does not fit whole.
        assert_eq!(Word::from("abcdefghijklmnoé").as_str(), "abcdefghijklmno");
        assert_eq!(Word::format(format_args!("k{}", 7)), Word::from("k7"));
        assert_eq!(Word::format(format_args!("{}{}", "abcdefghij", 1234567890)).as_str(), "abcdefghij123456");
        assert!(Word::from("a") < Word::from("ab") && Word::from("ab") < Word::from("b"));
    }
}
