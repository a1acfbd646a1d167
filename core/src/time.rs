//! Virtual time. One tick is one microsecond; nothing in the core reads a real clock.

use alloc::string::String;
use core::fmt::Write;

/// A point in virtual time, in microseconds since the start of the run.
pub type Time = u64;
/// One microsecond.
pub const US: Time = 1;
/// One millisecond.
pub const MS: Time = 1_000;
/// One second.
pub const SEC: Time = 1_000_000;

/// Formats a time or duration for people: `0 µs`, `12.5 ms`, `3.204 s`.
pub fn fmt_time(t: Time) -> String {
    let mut s = String::new();
    if t < MS {
        let _ = write!(s, "{t} µs");
    } else if t < SEC {
        let _ = write!(s, "{}.{} ms", t / MS, (t % MS) / 100);
    } else {
        let _ = write!(s, "{}.{:03} s", t / SEC, (t % SEC) / MS);
    }
    s
}

/// Parses a duration written as `250ms`, `1.5s`, `300us`, `2m` or a bare number of microseconds.
pub fn parse_duration(text: &str) -> Option<Time> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (num, unit) = text.split_at(split);
    let unit_us: Time = match unit.trim() {
        "" | "us" | "µs" => US,
        "ms" => MS,
        "s" => SEC,
        "m" | "min" => 60 * SEC,
        _ => return None,
    };
    if num.is_empty() {
        return None;
    }
    // Parse the decimal by hand so `1.5s` is exact and no float is involved.
    let (int_part, frac_part) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    let int: Time = if int_part.is_empty() { 0 } else { int_part.parse().ok()? };
    let mut total = int.checked_mul(unit_us)?;
    let mut scale = unit_us;
    for digit in frac_part.chars() {
        scale /= 10;
        let d = digit.to_digit(10)? as Time;
        total = total.checked_add(d * scale)?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("250ms"), Some(250 * MS));
        assert_eq!(parse_duration("1.5s"), Some(1_500 * MS));
        assert_eq!(parse_duration("300us"), Some(300));
        assert_eq!(parse_duration("42"), Some(42));
        assert_eq!(parse_duration("2m"), Some(120 * SEC));
        assert_eq!(parse_duration("ms"), None);
        assert_eq!(parse_duration("5 parsecs"), None);
        assert_eq!(parse_duration("99999999999999999999s"), None);
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_time(12), "12 µs");
        assert_eq!(fmt_time(12_500), "12.5 ms");
        assert_eq!(fmt_time(3_204_000), "3.204 s");
    }
}
