//! The database: the source of truth, slow and with a fixed number of workers, so a stampede
//! shows up as a queue and as latency for everyone.

use super::msg::{Msg, Stamp, Timer};
use super::policy::Key;
use super::CachingModel;
use crate::model::Ctx;
use crate::persist::PMap;
use crate::time::Time;
use crate::NodeId;
use crate::small::SmallMap;
use alloc::rc::Rc;
use alloc::vec::Vec;

/// Most operations the database holds (queued or in service); beyond, it refuses (the caller
/// times out).
pub const DB_QUEUE_MAX: usize = 5_000;

/// One operation.
#[derive(Clone, Debug, PartialEq)]
pub enum DbOp {
    /// A read for `from`.
    Read(NodeId, Key, u64),
    /// A write for `from`.
    Write(NodeId, Key, u64, Stamp),
    /// A write-behind batch.
    Flush(Rc<Vec<(Key, Stamp)>>),
}

/// The database node.
#[derive(Clone, Debug)]
pub struct Db {
    /// The data: key → newest stamp (durable).
    pub data: PMap<Key, Stamp>,
    /// Operations in progress.
    pub ops: SmallMap<u64, DbOp>,
    /// When each worker is next free.
    pub free_at: Vec<Time>,
    /// Next operation number.
    pub next_op: u64,
    /// Reads in progress per key.
    pub key_reads: super::policy::Map,
    /// Reads of the same key in progress after the last read arrived.
    pub last_key_load: u32,
    /// Reads arrived, writes arrived, flushed entries applied, refused operations.
    pub reads: u64,
    #[allow(missing_docs)]
    pub writes: u64,
    #[allow(missing_docs)]
    pub flushed: u64,
    #[allow(missing_docs)]
    pub refused: u64,
}

impl Db {
    /// A database with the given data (empty at start, kept across crashes).
    pub fn start(model: &CachingModel, data: PMap<Key, Stamp>) -> Db {
        Db {
            data,
            ops: SmallMap::new(),
            free_at: alloc::vec![0; model.db_workers as usize],
            next_op: 0,
            key_reads: super::policy::Map::new(),
            last_key_load: 0,
            reads: 0,
            writes: 0,
            flushed: 0,
            refused: 0,
        }
    }

    /// The stored stamp of a key (0 = never written).
    pub fn get(&self, k: Key) -> Stamp {
        self.data.get(&k).copied().unwrap_or(0)
    }

    fn write(&mut self, k: Key, s: Stamp) -> Stamp {
        let cur = self.get(k);
        if s > cur {
            self.data.insert_mut(k, s);
            s
        } else {
            cur
        }
    }

    /// Handles a message.
    pub fn on_message(&mut self, model: &CachingModel, from: NodeId, msg: Msg, ctx: &mut Ctx<CachingModel>) {
        self.last_key_load = 0;
        let op = match msg {
            Msg::DbRead { key, tag } => DbOp::Read(from, key, tag),
            Msg::DbWrite { key, tag, stamp } => DbOp::Write(from, key, tag, stamp),
            Msg::Flush(batch) => DbOp::Flush(batch),
            _ => return,
        };
        if self.ops.len() >= DB_QUEUE_MAX {
            self.refused += 1;
            return;
        }
        match &op {
            DbOp::Read(_, key, _) => {
                self.reads += 1;
                let n = self.key_reads.get(&(*key as u64)).copied().unwrap_or(0) + 1;
                self.key_reads.insert(*key as u64, n);
                self.last_key_load = n as u32;
            }
            _ => self.writes += 1,
        }
        if self.free_at.len() != model.db_workers as usize {
            self.free_at.resize(model.db_workers as usize, 0);
        }
        let now = ctx.now();
        let (w, free) = self.free_at.iter().copied().enumerate().min_by_key(|(i, t)| (*t, *i)).unwrap_or((0, 0));
        let done = free.max(now) + model.db_service();
        if let Some(slot) = self.free_at.get_mut(w) {
            *slot = done;
        }
        let n = self.next_op;
        self.next_op += 1;
        self.ops.insert(n, op);
        ctx.set_timer(Timer::Done(n), done - now);
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, _model: &CachingModel, timer: Timer, ctx: &mut Ctx<CachingModel>) {
        self.last_key_load = 0;
        let Timer::Done(n) = timer else { return };
        let Some(op) = self.ops.remove(&n) else { return };
        match op {
            DbOp::Read(from, key, tag) => {
                if let Some(c) = self.key_reads.get_mut(&(key as u64)) {
                    *c -= 1;
                    if *c == 0 {
                        self.key_reads.remove(&(key as u64));
                    }
                }
                ctx.send(from, Msg::DbValue { key, tag, stamp: self.get(key) });
            }
            DbOp::Write(from, key, tag, stamp) => {
                let s = self.write(key, stamp);
                ctx.send(from, Msg::DbAck { key, tag, stamp: s });
            }
            DbOp::Flush(batch) => {
                for (k, s) in batch.iter() {
                    self.write(*k, *s);
                }
                self.flushed += batch.len() as u64;
            }
        }
    }
}
