//! Messages, timers and commands of the caching service.

use super::policy::Key;
use alloc::rc::Rc;
use alloc::vec::Vec;

/// A version stamp: `time_us × 16 + client` (later writes win; ties impossible).
pub type Stamp = u64;

/// Messages (fields: `key`; `req`, a client's request id; `stamp`, a version; `tag`, the
/// requester's id for the answer; `lease`, a lease token).
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Msg {
    /// Client → cache: read `key`.
    Get { key: Key, req: u64 },
    /// Cache → client: the value, from the cache (`hit`) or fetched from the database.
    Value { key: Key, req: u64, stamp: Stamp, hit: bool },
    /// Cache → client (cache-aside): not here. `lease` grants the right to fill it; `wait`
    /// says another client holds the lease: retry shortly.
    Miss { key: Key, req: u64, lease: Option<u64>, wait: bool },
    /// Cache → client: the cache could not answer (its database fetch failed).
    Fail { key: Key, req: u64 },
    /// Client → cache (cache-aside): store this value (with the lease, if one was granted).
    Set { key: Key, stamp: Stamp, lease: Option<u64> },
    /// Client → cache: invalidate `key` after a database write.
    Delete { key: Key, req: u64 },
    /// Cache → client: the invalidation is done.
    Deleted { key: Key, req: u64 },
    /// Client → cache (write-through, write-behind): write `key`.
    Put { key: Key, req: u64, stamp: Stamp },
    /// Cache → client: the write is acknowledged.
    PutAck { key: Key, req: u64, stamp: Stamp },
    /// → database: read `key`; `tag` comes back in the answer.
    DbRead { key: Key, tag: u64 },
    /// Database →: the stored stamp (0 = never written).
    DbValue { key: Key, tag: u64, stamp: Stamp },
    /// → database: write `key` (the database keeps the highest stamp).
    DbWrite { key: Key, tag: u64, stamp: Stamp },
    /// Database →: written.
    DbAck { key: Key, tag: u64, stamp: Stamp },
    /// Cache → database (write-behind): a batch of dirty entries; not acknowledged.
    Flush(Rc<Vec<(Key, Stamp)>>),
}

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// Client: the next request arrives.
    Arrive,
    /// Client: request `n` timed out.
    Timeout(u64),
    /// Client: retry request `n` (a lease holder is filling the key).
    Retry(u64),
    /// Cache: database fetch `n` timed out.
    Fill(u64),
    /// Cache: write-through database write `n` timed out.
    Write(u64),
    /// Cache: flush dirty entries (write-behind).
    Flush,
    /// Database: operation `n` is done.
    Done(u64),
}

/// Node commands.
#[derive(Clone, Debug, PartialEq)]
pub enum Cmd {
    /// Client: read a key now.
    Read(Key),
    /// Client: write a key now.
    Write(Key),
    /// Client: replay this trace instead of the workload.
    Trace(Rc<[Key]>),
    /// Cache: flush now (write-behind).
    Flush,
}
