//! Durations as users write them (`30s`, `500ms`, `2min`, `1h 30min`), parsed in one place.
//!
//! `[execute] timeout` in `book.toml` and the `timeout=` snippet attribute both become a
//! [`Duration`] here, once, when the book is loaded; later stages never see the text. Every
//! duration pgbook reads is a PostgreSQL timeout, so the rules are PostgreSQL's: longer than
//! zero (zero would mean "no timeout", which a book must not ask for by accident) and at most
//! `INT_MAX` milliseconds, the largest value `statement_timeout` accepts. Anything else is a
//! located error rather than a panic or a silent default.
//!
//! The unit syntax is `humantime`'s (fractions like `1.5s` included); a bare number is read as
//! seconds, as earlier versions of pgbook did.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// The longest timeout PostgreSQL accepts: `statement_timeout` is an `int` of milliseconds.
pub const MAX_TIMEOUT: Duration = Duration::from_millis(i32::MAX as u64);

/// Why a text is not a usable duration. The message quotes the text; the caller adds where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("'{text}' is not a duration like 30s, 500ms or 2min: {reason}")]
    Syntax { text: String, reason: String },
    #[error("'{text}' is zero: a timeout must be longer than that")]
    Zero { text: String },
    #[error("'{text}' is too long: PostgreSQL accepts at most {max_ms}ms (about 24 days)")]
    TooLong { text: String, max_ms: u128 },
}

/// Parses a timeout: a positive duration of at most [`MAX_TIMEOUT`].
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let trimmed = text.trim();
    let parsed = if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        humantime::parse_duration(&format!("{trimmed}s"))
    } else {
        humantime::parse_duration(trimmed)
    };
    let duration = parsed.map_err(|e| match e {
        // humantime's overflow message says nothing about the limit that matters here.
        humantime::DurationError::NumberOverflow => DurationError::TooLong {
            text: text.to_string(),
            max_ms: MAX_TIMEOUT.as_millis(),
        },
        other => DurationError::Syntax {
            text: text.to_string(),
            reason: other.to_string(),
        },
    })?;
    if duration.is_zero() {
        return Err(DurationError::Zero {
            text: text.to_string(),
        });
    }
    if duration > MAX_TIMEOUT {
        return Err(DurationError::TooLong {
            text: text.to_string(),
            max_ms: MAX_TIMEOUT.as_millis(),
        });
    }
    Ok(duration)
}

/// `serde` adapter for a [`parse_duration`] field; the deserializer locates the error (for
/// `book.toml`, `toml` adds the value's line and column).
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_duration(&text).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted() {
        let cases = [
            ("30s", Duration::from_secs(30)),
            ("500ms", Duration::from_millis(500)),
            ("2min", Duration::from_secs(120)),
            ("2m", Duration::from_secs(120)),
            ("1h", Duration::from_secs(3600)),
            ("1h 30min", Duration::from_secs(5400)),
            ("1s 500ms", Duration::from_millis(1500)),
            (" 5s ", Duration::from_secs(5)),
            ("30", Duration::from_secs(30)),
            ("1.5s", Duration::from_millis(1500)),
            ("0.25", Duration::from_millis(250)),
            ("1ms", Duration::from_millis(1)),
            ("2147483647ms", MAX_TIMEOUT),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn rejected() {
        let syntax = |text: &str| matches!(parse_duration(text), Err(DurationError::Syntax { .. }));
        for text in ["", "soon", "1 fortnight", "-5s", "5 s s", "s", "."] {
            assert!(syntax(text), "{text}: {:?}", parse_duration(text));
        }
        for text in ["0", "0s", "0ms"] {
            assert!(
                matches!(parse_duration(text), Err(DurationError::Zero { .. })),
                "{text}"
            );
        }
        for text in [
            "99999999999999999999999",
            "99999999999999999999999s",
            "2147483648ms",
            "25d",
            "1000y",
        ] {
            assert!(
                matches!(parse_duration(text), Err(DurationError::TooLong { .. })),
                "{text}: {:?}",
                parse_duration(text)
            );
        }
    }

    #[test]
    fn messages_quote_the_text() {
        assert_eq!(
            parse_duration("0s").unwrap_err().to_string(),
            "'0s' is zero: a timeout must be longer than that"
        );
        assert_eq!(
            parse_duration("99999999999999999999999")
                .unwrap_err()
                .to_string(),
            "'99999999999999999999999' is too long: PostgreSQL accepts at most 2147483647ms \
             (about 24 days)"
        );
        assert!(parse_duration("soon")
            .unwrap_err()
            .to_string()
            .starts_with("'soon' is not a duration like 30s, 500ms or 2min: "));
    }
}
