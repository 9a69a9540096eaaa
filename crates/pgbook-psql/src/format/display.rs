//! psql's display settings (`\pset` and its shorthands `\x`, `\a`, `\t`) and the messages
//! psql prints when they change.
//!
//! One `Display` belongs to one session, as psql's settings belong to one psql process. This
//! module only keeps and changes settings; printing with them is `table`, `expanded` and
//! `plain`'s business.

use super::message::ErrorStyle;

/// `\x`: off, on, or auto (which, writing to a pipe as pgbook's transcripts do, has no
/// terminal width to exceed and so prints like off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expanded {
    Off,
    On,
    Auto,
}

/// `\pset format`: the formats pgbook prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Aligned,
    Unaligned,
    Csv,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Aligned => "aligned",
            Format::Unaligned => "unaligned",
            Format::Csv => "csv",
        }
    }
}

/// The settings that change how psql prints a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Display {
    pub expanded: Expanded,
    pub format: Format,
    pub null: String,
    pub tuples_only: bool,
    pub footer: bool,
    /// As set; printing uses at most 2, as psql does.
    pub border: u32,
    /// `\timing`: a `Time: … ms` line after each statement.
    pub timing: bool,
    /// From the chapter's `VERBOSITY` and `SHOW_CONTEXT` variables, when the statement ran.
    pub errors: ErrorStyle,
}

impl Default for Display {
    fn default() -> Self {
        Display {
            expanded: Expanded::Off,
            format: Format::Aligned,
            null: String::new(),
            tuples_only: false,
            footer: true,
            border: 1,
            timing: false,
            errors: ErrorStyle::default(),
        }
    }
}

/// What psql prints after a display command: a message, or an error (stderr).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PsetOutcome {
    /// Printed as is (each line ends with `\n`); may be empty.
    Message(String),
    Error(String),
}

impl Display {
    /// Whether results print exactly as with no setting changed (the fast path).
    pub fn is_default(&self) -> bool {
        *self == Display::default()
    }

    /// Whether a result prints in expanded form.
    pub fn is_expanded(&self) -> bool {
        self.expanded == Expanded::On
    }

    /// `\pset NAME [VALUE]`. Like psql, setting `tuples_only` or `footer` to a given value
    /// prints nothing, while toggling them prints their new state.
    pub fn pset(&mut self, name: &str, value: Option<&str>) -> PsetOutcome {
        let result = match name {
            "expanded" | "x" => self.set_expanded(value),
            "format" => self.set_format(value),
            "null" => {
                if let Some(value) = value {
                    self.null = value.to_string();
                }
                Ok(format!("Null display is \"{}\".", self.null))
            }
            "tuples_only" | "t" => match value {
                Some(value) => return set_bool(&mut self.tuples_only, value, name),
                None => {
                    self.tuples_only = !self.tuples_only;
                    Ok(format!("Tuples only is {}.", on_off(self.tuples_only)))
                }
            },
            "footer" => match value {
                Some(value) => return set_bool(&mut self.footer, value, name),
                None => {
                    self.footer = !self.footer;
                    Ok(format!("Default footer is {}.", on_off(self.footer)))
                }
            },
            "border" => {
                if let Some(value) = value {
                    self.border = leading_number(value);
                }
                Ok(format!("Border style is {}.", self.border))
            }
            _ => Err(format!("\\pset: unknown option: {name}")),
        };
        match result {
            Ok(message) => PsetOutcome::Message(format!("{message}\n")),
            Err(error) => PsetOutcome::Error(format!("{error}\n")),
        }
    }

    /// `\timing [on|off]`: toggled without a value; the new state is always printed.
    pub fn set_timing(&mut self, value: Option<&str>) -> PsetOutcome {
        match value.map(parse_bool) {
            None => self.timing = !self.timing,
            Some(Some(on)) => self.timing = on,
            // psql still prints the (unchanged) state after the complaint.
            Some(None) => {
                return PsetOutcome::Error(format!(
                    "unrecognized value \"{}\" for \"\\timing\": Boolean expected\n\
                     Timing is {}.\n",
                    value.unwrap_or_default(),
                    on_off(self.timing)
                ))
            }
        }
        PsetOutcome::Message(format!("Timing is {}.\n", on_off(self.timing)))
    }

    /// `\a`: aligned becomes unaligned, anything else becomes aligned.
    pub fn toggle_aligned(&mut self) -> PsetOutcome {
        let next = if self.format == Format::Aligned {
            "unaligned"
        } else {
            "aligned"
        };
        self.pset("format", Some(next))
    }

    fn set_expanded(&mut self, value: Option<&str>) -> Result<String, String> {
        self.expanded = match value {
            None if self.expanded == Expanded::Off => Expanded::On,
            None => Expanded::Off,
            Some(v) if v.eq_ignore_ascii_case("auto") => Expanded::Auto,
            Some(v) => match parse_bool(v) {
                Some(true) => Expanded::On,
                Some(false) => Expanded::Off,
                None => {
                    return Err(format!(
                        "unrecognized value \"{v}\" for \"expanded\"\n\
                         Available values are: on, off, auto."
                    ))
                }
            },
        };
        Ok(match self.expanded {
            Expanded::On => "Expanded display is on.".into(),
            Expanded::Off => "Expanded display is off.".into(),
            Expanded::Auto => "Expanded display is used automatically.".into(),
        })
    }

    fn set_format(&mut self, value: Option<&str>) -> Result<String, String> {
        if let Some(value) = value {
            let wanted = value.to_ascii_lowercase();
            let known = [Format::Aligned, Format::Unaligned, Format::Csv];
            // psql accepts any unique prefix of a format's name.
            let matches: Vec<Format> = known
                .into_iter()
                .filter(|f| !wanted.is_empty() && f.name().starts_with(&wanted))
                .collect();
            match matches.as_slice() {
                [format] => self.format = *format,
                _ => {
                    return Err(format!(
                        "\\pset: format \"{value}\" is not supported by pgbook; \
                         supported formats are aligned, unaligned, csv"
                    ))
                }
            }
        }
        Ok(format!("Output format is {}.", self.format.name()))
    }
}

/// psql's `Time:` line for a statement that took `elapsed`, with the clock form psql adds
/// from one second on.
pub fn timing_line(elapsed: std::time::Duration) -> String {
    let ms = elapsed.as_secs_f64() * 1000.0;
    if ms < 1000.0 {
        return format!("Time: {ms:.3} ms\n");
    }
    let mut seconds = ms / 1000.0;
    let mut minutes = (seconds / 60.0).floor();
    seconds -= 60.0 * minutes;
    if minutes < 60.0 {
        return format!("Time: {ms:.3} ms ({:02}:{seconds:06.3})\n", minutes as u64);
    }
    let mut hours = (minutes / 60.0).floor();
    minutes -= 60.0 * hours;
    if hours < 24.0 {
        return format!(
            "Time: {ms:.3} ms ({:02}:{:02}:{seconds:06.3})\n",
            hours as u64, minutes as u64
        );
    }
    let days = (hours / 24.0).floor();
    hours -= 24.0 * days;
    format!(
        "Time: {ms:.3} ms ({days:.0} d {:02}:{:02}:{seconds:06.3})\n",
        hours as u64, minutes as u64
    )
}

fn on_off(value: bool) -> &'static str {
    if value {
        "on"
    } else {
        "off"
    }
}

/// Sets a boolean setting silently, or says why the value is not a boolean.
fn set_bool(target: &mut bool, value: &str, name: &str) -> PsetOutcome {
    match parse_bool(value) {
        Some(parsed) => {
            *target = parsed;
            PsetOutcome::Message(String::new())
        }
        None => PsetOutcome::Error(format!(
            "unrecognized value \"{value}\" for \"{name}\": Boolean expected\n"
        )),
    }
}

/// psql's boolean words: any prefix of true/false/yes/no, on/off (at least "of"), 1/0,
/// case-insensitively.
pub fn parse_bool(value: &str) -> Option<bool> {
    let v = value.to_ascii_lowercase();
    let prefix_of = |word: &str| !v.is_empty() && word.starts_with(&v);
    if prefix_of("true") || prefix_of("yes") || v == "on" || v == "1" {
        Some(true)
    } else if prefix_of("false")
        || prefix_of("no")
        || (v.len() >= 2 && "off".starts_with(&v))
        || v == "0"
    {
        Some(false)
    } else {
        None
    }
}

/// C's `atoi`: the leading digits, 0 when there are none.
fn leading_number(value: &str) -> u32 {
    let digits: String = value
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages are psql 15's (see the differential corpus for the same commands).
    #[test]
    fn settings_change_with_psql_messages() {
        let mut d = Display::default();
        let message = |s: &str| PsetOutcome::Message(s.to_string());
        assert_eq!(d.pset("x", None), message("Expanded display is on.\n"));
        assert!(d.is_expanded());
        assert_eq!(
            d.pset("expanded", Some("auto")),
            message("Expanded display is used automatically.\n")
        );
        assert_eq!(d.pset("tuples_only", Some("on")), message(""));
        assert!(d.tuples_only);
        assert_eq!(d.pset("t", None), message("Tuples only is off.\n"));
        assert_eq!(d.pset("footer", None), message("Default footer is off.\n"));
        assert_eq!(
            d.pset("null", Some("∅")),
            message("Null display is \"∅\".\n")
        );
        assert_eq!(d.pset("border", Some("5")), message("Border style is 5.\n"));
        assert_eq!(
            d.pset("format", Some("u")),
            message("Output format is unaligned.\n")
        );
        assert_eq!(d.toggle_aligned(), message("Output format is aligned.\n"));
        assert_eq!(
            d.pset("foo", None),
            PsetOutcome::Error("\\pset: unknown option: foo\n".into())
        );
        assert!(matches!(d.pset("x", Some("maybe")), PsetOutcome::Error(_)));
        assert!(!d.is_default());
        assert!(Display::default().is_default());
        assert_eq!(d.set_timing(None), message("Timing is on.\n"));
        assert_eq!(d.set_timing(Some("off")), message("Timing is off.\n"));
    }

    /// psql's `PrintTiming` forms.
    #[test]
    fn timing_lines() {
        use std::time::Duration;
        let cases = [
            (Duration::from_micros(6_241), "Time: 6.241 ms\n"),
            (
                Duration::from_micros(1_103_043),
                "Time: 1103.043 ms (00:01.103)\n",
            ),
            (
                Duration::from_millis(3_723_500),
                "Time: 3723500.000 ms (01:02:03.500)\n",
            ),
            (
                Duration::from_millis(90_000_000),
                "Time: 90000000.000 ms (1 d 01:00:00.000)\n",
            ),
        ];
        for (elapsed, expected) in cases {
            assert_eq!(timing_line(elapsed), expected);
        }
    }
}
