//! CLOCK (second chance; Corbató 1968): the frames form a ring with a hand. A hit only sets the
//! frame's reference bit. On a miss the hand sweeps: a frame with its bit set gets a second
//! chance (the bit is cleared and the hand moves on); the first frame with a clear bit is the
//! victim, the new key takes its place with its bit set (loading it is a use), and the hand
//! moves past it. Frames are filled in order while free. This is the convention of Stallings'
//! Operating Systems (Figure 8.15), whose fault counts the tests reproduce. Approximates LRU with one bit per frame and no list
//! to reorder on a hit, which is why operating systems use it.

use super::{item, Key, Map, Policy};
use crate::figure::NamedList;
use crate::rng::Rng;
use alloc::vec::Vec;

/// CLOCK with one reference bit per frame.
#[derive(Clone, Debug)]
pub struct Clock {
    frames: Vec<Option<(Key, bool)>>,
    cap: u32,
    hand: u32,
    slot: Map,
    last: Option<Key>,
}

impl Clock {
    /// An empty CLOCK cache with `cap` frames.
    pub fn new(cap: u32) -> Self {
        Clock { frames: Vec::new(), cap, hand: 0, slot: Map::new(), last: None }
    }

    /// Where the hand rests.
    pub fn hand(&self) -> u32 {
        self.hand
    }
}

impl Policy for Clock {
    fn capacity(&self) -> u32 {
        self.cap
    }
    fn len(&self) -> u32 {
        self.slot.len() as u32
    }
    fn contains(&self, k: Key) -> bool {
        self.slot.contains_key(&(k as u64))
    }
    fn touch(&mut self, k: Key) -> bool {
        self.last = Some(k);
        match self.slot.get(&(k as u64)) {
            Some(&i) => {
                if let Some(f) = self.frames[i as usize].as_mut() {
                    f.1 = true;
                }
                true
            }
            None => false,
        }
    }
    fn insert(&mut self, k: Key, _rng: &mut Rng) -> Option<Key> {
        if self.cap == 0 {
            return Some(k);
        }
        // A never-used frame first (frames fill in order).
        if (self.frames.len() as u32) < self.cap {
            self.slot.insert(k as u64, self.frames.len() as u64);
            self.frames.push(Some((k, true)));
            return None;
        }
        // A frame emptied by a removal, searched from the hand.
        if (self.slot.len() as u32) < self.cap {
            for step in 0..self.cap {
                let i = (self.hand + step) % self.cap;
                if self.frames[i as usize].is_none() {
                    self.frames[i as usize] = Some((k, true));
                    self.slot.insert(k as u64, i as u64);
                    return None;
                }
            }
        }
        // At most two sweeps: the first clears every bit it passes.
        for _ in 0..=2 * self.cap {
            let i = self.hand as usize;
            self.hand = (self.hand + 1) % self.cap;
            match self.frames[i] {
                Some((_, true)) => self.frames[i].as_mut().map_or((), |f| f.1 = false),
                Some((v, false)) => {
                    self.slot.remove(&(v as u64));
                    self.frames[i] = Some((k, true));
                    self.slot.insert(k as u64, i as u64);
                    return Some(v);
                }
                None => unreachable!("a full clock has no empty frame"),
            }
        }
        debug_assert!(false, "clock sweep did not find a victim");
        Some(k)
    }
    fn remove(&mut self, k: Key) -> bool {
        match self.slot.remove(&(k as u64)) {
            Some(i) => {
                self.frames[i as usize] = None;
                true
            }
            None => false,
        }
    }
    fn lists(&self, max: usize) -> Vec<NamedList> {
        // A ring is only readable whole: up to 32 frames (or `max`, if larger) are drawn, a
        // window starting a little before the hand when there are more.
        let shown = max.max(32).min(self.frames.len());
        let start = if shown < self.frames.len() { (self.hand as usize + self.frames.len() - shown / 4) % self.frames.len() } else { 0 };
        let items = (0..shown)
            .map(|i| match self.frames[(start + i) % self.frames.len()] {
                Some((k, r)) => item(k, Some(if r { "R=1".into() } else { "R=0".into() }), false, self.last == Some(k)),
                None => crate::figure::ListItem { text: "—".into(), ghost: true, ..Default::default() },
            })
            .collect();
        let hand = (self.hand as usize + self.frames.len() - start) % self.frames.len().max(1);
        let name = if shown < self.frames.len() {
            alloc::format!("{shown} of {} frames around the hand, in ring order", self.frames.len())
        } else {
            "frames in ring order; the hand marks the next to inspect".into()
        };
        alloc::vec![NamedList { name, items, hand: Some(hand as u32), capacity: Some(self.cap), total: Some(self.len()) }]
    }
}
