//! The trace: one record per thing that happened, feeding the event log, the space-time
//! diagram, the narration, and the determinism hash.

use crate::time::Time;
use crate::{MsgId, NodeId};
use alloc::string::String;
use core::fmt;

/// What kind of thing happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceKind {
    /// A message was delivered to `node` from `peer`.
    Deliver,
    /// A message from `peer` to `node` was lost (partition, cut, loss, dropped, node down).
    Lost,
    /// A timer fired at `node`.
    Timer,
    /// A user action or fault.
    Action,
    /// Something a node noted while handling an event (became leader, committed...).
    Note,
}

/// One line of the trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEntry {
    /// Index of the event this entry belongs to (several entries may share one).
    pub event: u64,
    /// Virtual time.
    pub time: Time,
    /// Kind.
    pub kind: TraceKind,
    /// Where it happened: the receiver, the timer's node, the action's node.
    pub node: Option<NodeId>,
    /// The sender of a message.
    pub peer: Option<NodeId>,
    /// For messages: when it was sent.
    pub sent_at: Time,
    /// For messages: its id.
    pub msg: Option<MsgId>,
    /// Short label, e.g. the message kind or "election timeout".
    pub label: &'static str,
    /// One-line human summary.
    pub text: Text,
    /// Worth announcing to a screen reader (elections, commits, crashes).
    pub important: bool,
}

/// A stable 64-bit hash of the trace for determinism checks: FNV-1a's offset basis, folding
/// eight little-endian bytes at a time (xor, multiply by an odd constant, rotate), so the same
/// trace hashes the same on every platform. A word at a time because the hash runs after every
/// event: byte-wise FNV was the largest single cost of a loaded run.
#[derive(Clone, Copy, Debug)]
pub struct TraceHash(pub u64);

impl Default for TraceHash {
    fn default() -> Self {
        TraceHash(0xcbf2_9ce4_8422_2325)
    }
}

impl TraceHash {
    #[inline]
    fn word(&mut self, w: u64) {
        self.0 = (self.0 ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.word(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        last[..rest.len()].copy_from_slice(rest);
        // The length goes in too, so "a" and "a\0" differ.
        self.word(u64::from_le_bytes(last) ^ ((bytes.len() as u64) << 56));
    }

    /// Folds one entry into the hash.
    pub fn add(&mut self, e: &TraceEntry) {
        self.word(e.event);
        self.word(e.time);
        let node = e.node.map_or(u64::from(u32::MAX), u64::from);
        let peer = e.peer.map_or(u64::from(u32::MAX), u64::from);
        self.word(node | peer << 32);
        self.word((e.kind as u64) | (e.important as u64) << 8);
        self.word(e.sent_at);
        self.word(e.msg.unwrap_or(u64::MAX));
        self.bytes(e.label.as_bytes());
        match &e.text {
            Text::Lazy { word, args, .. } => {
                self.bytes(word.as_bytes());
                for &a in args {
                    self.word(a);
                }
            }
            Text::Static(s) => self.bytes(s.as_bytes()),
            Text::Owned(s) => self.bytes(s.as_bytes()),
            Text::Inline(i) => self.bytes(&i.bytes[..i.len as usize]),
        }
    }
}

/// Appends `n` in decimal: what `format!("{n}")` writes, without the formatting machinery (a
/// tenth of its instructions; the model checker writes a command argument in every state).
pub fn push_decimal(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(d as char);
    }
}

/// Formats at once (as [`Text::format`]): what lets [`crate::Ctx::announce`] take
/// `format_args!(...)` and format it only if the line is kept.
impl From<fmt::Arguments<'_>> for Text {
    fn from(args: fmt::Arguments<'_>) -> Text {
        Text::format(args)
    }
}

/// Renders a lazy [`Text`] from its word and numbers.
pub type Render = fn(&'static str, &[u64; 4], &mut fmt::Formatter<'_>) -> fmt::Result;

/// The text of a trace line, built as cheaply as the line allows.
///
/// A loaded run writes thousands of trace lines per virtual second and the page shows a few
/// dozen of them, so the common lines are kept as a renderer and its numbers ([`Text::lazy`])
/// and formatted only when someone reads them. Other lines are formatted at once, into an
/// inline buffer when they fit ([`Text::format`]) and on the heap when they do not. Read a text
/// through `Display` (`to_string()`, `{}`), or [`Text::contains`].
#[derive(Clone)]
pub enum Text {
    /// Fixed text.
    Static(&'static str),
    /// Text on the heap.
    Owned(String),
    /// Short text kept inline.
    Inline(Inline),
    /// Text to be rendered on demand: `render(word, args)`.
    Lazy {
        /// The renderer.
        render: Render,
        /// A word the renderer may use (a timer's name, a message kind).
        word: &'static str,
        /// Numbers the renderer may use.
        args: [u64; 4],
    },
}

impl Text {
    /// A text rendered only when it is read.
    pub const fn lazy(render: Render, word: &'static str, args: [u64; 4]) -> Text {
        Text::Lazy { render, word, args }
    }

    /// Formats now: inline if the text fits in [`Inline::MAX`] bytes, else on the heap.
    pub fn format(args: fmt::Arguments<'_>) -> Text {
        let mut inline = Inline { len: 0, bytes: [0; Inline::MAX], overflow: false };
        if fmt::write(&mut inline, args).is_ok() && !inline.overflow {
            Text::Inline(inline)
        } else {
            Text::Owned(alloc::fmt::format(args))
        }
    }

    /// The text, when it is already a string (not lazy).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Text::Static(s) => Some(s),
            Text::Owned(s) => Some(s),
            Text::Inline(i) => Some(i.as_str()),
            Text::Lazy { .. } => None,
        }
    }

    /// Whether the rendered text contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        match self.as_str() {
            Some(s) => s.contains(needle),
            None => alloc::string::ToString::to_string(self).contains(needle),
        }
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Text::Lazy { render, word, args } => render(word, args, f),
            text => f.write_str(text.as_str().unwrap_or_default()),
        }
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&alloc::string::ToString::to_string(self), f)
    }
}

/// Texts are equal when they read the same.
impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        match (self.as_str(), other.as_str()) {
            (Some(a), Some(b)) => a == b,
            _ => alloc::string::ToString::to_string(self) == alloc::string::ToString::to_string(other),
        }
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::Static("")
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::Owned(s)
    }
}

impl From<&'static str> for Text {
    fn from(s: &'static str) -> Text {
        Text::Static(s)
    }
}

/// A short string stored in place (see [`Text::format`]).
#[derive(Clone, Copy)]
pub struct Inline {
    len: u8,
    bytes: [u8; Inline::MAX],
    overflow: bool,
}

impl Inline {
    /// Longest inline text, in bytes.
    pub const MAX: usize = 54;

    /// The text.
    pub fn as_str(&self) -> &str {
        // Filled only with whole `&str`s.
        core::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
    }
}

impl fmt::Write for Inline {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let at = self.len as usize;
        if at + s.len() > Inline::MAX {
            self.overflow = true;
            return Err(fmt::Error);
        }
        self.bytes[at..at + s.len()].copy_from_slice(s.as_bytes());
        self.len += s.len() as u8;
        Ok(())
    }
}

/// Formats a [`Text`] like `format!`: inline when short, on the heap when not.
#[macro_export]
macro_rules! text {
    ($($arg:tt)*) => {
        $crate::trace::Text::format(::core::format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::push_decimal;
    use alloc::string::{String, ToString};

    #[test]
    fn push_decimal_writes_what_format_does() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, u32::MAX as u64, u64::MAX - 1, u64::MAX] {
            let mut s = String::from("x=");
            push_decimal(&mut s, n);
            assert_eq!(s, alloc::format!("x={n}"));
            assert_eq!(&s[2..], n.to_string());
        }
    }
}
