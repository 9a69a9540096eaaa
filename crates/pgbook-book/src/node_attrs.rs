//! The node attributes of a snippet (DESIGN.md §10): which server it runs on (`node=`), how
//! that node is created on first use (`standby-of=`, `restore=`, `until=`), a base backup
//! taken after it (`backup=`) and a restart before it (`restart`, `restart=immediate`).
//!
//! This module parses one snippet's attributes into values and rejects combinations that
//! are contradictory on their own (a standby that is also a restore, `until` without
//! `restore`). Whether they make sense in their chapter — a node created twice, a backup
//! restored before it was taken — needs the whole chapter and is the engine's check. It
//! knows nothing of clusters.

use std::fmt;

/// Where recovery of a restored node stops (`until=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryTarget {
    /// `name:POINT`: a restore point made with `pg_create_restore_point`.
    Name(String),
    /// `lsn:LSN`: just before this WAL position.
    Lsn(TargetValue),
    /// `xid:XID`: just before this transaction.
    Xid(TargetValue),
    /// `time:TIMESTAMP`: just before this time.
    Time(TargetValue),
    /// `immediate`: as soon as the backup is consistent.
    Immediate,
}

/// A target's value: written out, or a chapter variable (`lsn::drop_lsn`) read when the
/// node is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetValue {
    Literal(String),
    Variable(String),
}

/// How restarting a node before the snippet stops it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restart {
    /// `restart`: a clean (fast) shutdown, then a start.
    Clean,
    /// `restart=immediate`: a crash; the start replays the WAL.
    Immediate,
}

/// A snippet's node attributes; all `None` for a snippet on `main` that does nothing else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeAttributes {
    /// `node=NAME`; `None` is `main`.
    pub node: Option<String>,
    pub standby_of: Option<String>,
    pub restore: Option<String>,
    pub until: Option<RecoveryTarget>,
    pub backup: Option<String>,
    pub restart: Option<Restart>,
}

/// The attribute names this module parses.
pub const NODE_ATTRIBUTES: &[&str] = &[
    "node",
    "standby-of",
    "restore",
    "until",
    "backup",
    "restart",
];

impl NodeAttributes {
    /// The node's name as shown in reports: `main` for the default.
    pub fn node_name(&self) -> &str {
        self.node.as_deref().unwrap_or("main")
    }

    /// Whether the snippet asks for its node to be created (only valid on its first use).
    pub fn creates_node(&self) -> bool {
        self.standby_of.is_some() || self.restore.is_some()
    }

    /// Records attribute `name` (one of [`NODE_ATTRIBUTES`]) with its `value`.
    pub fn set(&mut self, name: &str, value: Option<&str>) -> Result<(), String> {
        let needs = |example: &str| format!("attribute '{name}' needs a value: {example}");
        match name {
            "node" => self.node = Some(node_name(name, value.ok_or_else(|| needs("node=NAME"))?)?),
            "standby-of" => {
                self.standby_of = Some(node_name(
                    name,
                    value.ok_or_else(|| needs("standby-of=NODE"))?,
                )?)
            }
            "restore" => {
                self.restore = Some(node_name(
                    name,
                    value.ok_or_else(|| needs("restore=BACKUP"))?,
                )?)
            }
            "backup" => {
                self.backup = Some(node_name(name, value.ok_or_else(|| needs("backup=NAME"))?)?)
            }
            "until" => {
                self.until = Some(parse_target(
                    value.ok_or_else(|| needs("until=lsn:0/3000060"))?,
                )?)
            }
            "restart" => {
                self.restart = Some(match value {
                    None => Restart::Clean,
                    Some("immediate") => Restart::Immediate,
                    Some(other) => {
                        return Err(format!(
                            "restart={other}: write 'restart' (a clean restart) or \
                             'restart=immediate' (a crash)"
                        ))
                    }
                })
            }
            _ => return Err(format!("'{name}' is not a node attribute")),
        }
        Ok(())
    }

    /// Combinations that cannot be right whatever the chapter says.
    pub fn check(&self) -> Result<(), String> {
        if let (Some(of), Some(backup)) = (&self.standby_of, &self.restore) {
            return Err(format!(
                "a node is made one way: 'standby-of={of}' and 'restore={backup}' contradict \
                 each other"
            ));
        }
        if self.creates_node() && self.node.is_none() {
            let what = if self.standby_of.is_some() {
                "standby-of"
            } else {
                "restore"
            };
            return Err(format!(
                "'{what}' creates a node: name it with node=NAME (main is the chapter's own \
                 cluster and already exists)"
            ));
        }
        if self.until.is_some() && self.restore.is_none() {
            return Err("'until' is a recovery target: it goes with restore=BACKUP".into());
        }
        if self.standby_of.is_some() && self.standby_of == self.node {
            return Err(format!(
                "node '{}' cannot be a standby of itself",
                self.node_name()
            ));
        }
        Ok(())
    }
}

fn node_name(attribute: &str, value: &str) -> Result<String, String> {
    let valid = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid && value.len() <= 40 {
        // Lower case: node names become file names and `NAME_conninfo` variables.
        Ok(value.to_ascii_lowercase())
    } else {
        Err(format!(
            "{attribute}={value}: a name starts with a letter and has only letters, digits \
             and '_' (at most 40)"
        ))
    }
}

/// `name:POINT`, `lsn:LSN`, `xid:XID`, `time:TIMESTAMP` or `immediate`; a value written
/// `:variable` is a chapter variable.
pub fn parse_target(text: &str) -> Result<RecoveryTarget, String> {
    if text == "immediate" {
        return Ok(RecoveryTarget::Immediate);
    }
    let usage = "until=name:POINT, until=lsn:LSN, until=xid:XID, until=time:TIMESTAMP or \
                 until=immediate";
    let Some((kind, value)) = text.split_once(':') else {
        return Err(format!("until={text}: write {usage}"));
    };
    if value.is_empty() {
        return Err(format!("until={text}: the target has no value"));
    }
    let value_of = |check: fn(&str) -> bool, what: &str| -> Result<TargetValue, String> {
        if let Some(variable) = value.strip_prefix(':') {
            return if !variable.is_empty()
                && variable
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                Ok(TargetValue::Variable(variable.to_string()))
            } else {
                Err(format!(
                    "until={text}: ':{variable}' is not a variable name"
                ))
            };
        }
        if check(value) {
            Ok(TargetValue::Literal(value.to_string()))
        } else {
            Err(format!("until={text}: '{value}' is not {what}"))
        }
    };
    match kind {
        "name" => Ok(RecoveryTarget::Name(value.to_string())),
        "lsn" => value_of(is_lsn, "an LSN (like 0/3000060)").map(RecoveryTarget::Lsn),
        "xid" => {
            value_of(|v| v.parse::<u64>().is_ok(), "a transaction id").map(RecoveryTarget::Xid)
        }
        // Commas separate attributes, so a timestamp is written without them; PostgreSQL
        // checks the rest when recovery starts.
        "time" => value_of(|v| !v.is_empty(), "a timestamp").map(RecoveryTarget::Time),
        _ => Err(format!(
            "until={text}: unknown target kind '{kind}'; write {usage}"
        )),
    }
}

fn is_lsn(value: &str) -> bool {
    value.split_once('/').is_some_and(|(high, low)| {
        [high, low]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_hexdigit()))
    })
}

impl RecoveryTarget {
    /// This target with a chapter variable in its value replaced by the variable's value
    /// (`lookup` reads the chapter's variables), checked as a written value is. The error
    /// says which variable is unset or what its value is not.
    pub fn resolve(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<RecoveryTarget, String> {
        let resolve = |value: &TargetValue,
                       check: fn(&str) -> bool,
                       what: &str|
         -> Result<TargetValue, String> {
            let TargetValue::Variable(name) = value else {
                return Ok(value.clone());
            };
            let Some(found) = lookup(name) else {
                return Err(format!(
                    "until={self}: the variable {name} is not set when the node is created \
                     (set it on an earlier snippet, for example with \\gset)"
                ));
            };
            let found = found.trim().to_string();
            if check(&found) {
                Ok(TargetValue::Literal(found))
            } else {
                Err(format!(
                    "until={self}: the variable {name} is '{found}', which is not {what}"
                ))
            }
        };
        Ok(match self {
            RecoveryTarget::Lsn(v) => {
                RecoveryTarget::Lsn(resolve(v, is_lsn, "an LSN (like 0/3000060)")?)
            }
            RecoveryTarget::Xid(v) => RecoveryTarget::Xid(resolve(
                v,
                |x| x.parse::<u64>().is_ok(),
                "a transaction id",
            )?),
            RecoveryTarget::Time(v) => {
                RecoveryTarget::Time(resolve(v, |t| !t.is_empty(), "a timestamp")?)
            }
            RecoveryTarget::Name(_) | RecoveryTarget::Immediate => self.clone(),
        })
    }
}

impl fmt::Display for RecoveryTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = |v: &TargetValue| match v {
            TargetValue::Literal(text) => text.clone(),
            TargetValue::Variable(name) => format!(":{name}"),
        };
        match self {
            RecoveryTarget::Name(name) => write!(f, "name:{name}"),
            RecoveryTarget::Lsn(v) => write!(f, "lsn:{}", value(v)),
            RecoveryTarget::Xid(v) => write!(f, "xid:{}", value(v)),
            RecoveryTarget::Time(v) => write!(f, "time:{}", value(v)),
            RecoveryTarget::Immediate => write!(f, "immediate"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, Option<&str>)]) -> Result<NodeAttributes, String> {
        let mut attrs = NodeAttributes::default();
        for (name, value) in pairs {
            attrs.set(name, *value)?;
        }
        attrs.check()?;
        Ok(attrs)
    }

    #[test]
    fn variable_targets_resolve_to_checked_values() {
        let vars = |name: &str| match name {
            "drop_lsn" => Some("0/1A2B3C0".to_string()),
            "word" => Some("hello".to_string()),
            _ => None,
        };
        let target = parse_target("lsn::drop_lsn").unwrap();
        assert_eq!(
            target.resolve(vars),
            Ok(RecoveryTarget::Lsn(TargetValue::Literal(
                "0/1A2B3C0".into()
            )))
        );
        let unset = parse_target("xid::nothing").unwrap().resolve(vars);
        assert!(
            unset.as_ref().unwrap_err().contains("nothing is not set"),
            "{unset:?}"
        );
        let malformed = parse_target("lsn::word").unwrap().resolve(vars);
        assert!(
            malformed
                .as_ref()
                .unwrap_err()
                .contains("'hello', which is not an LSN"),
            "{malformed:?}"
        );
        let literal = parse_target("name:p").unwrap();
        assert_eq!(literal.resolve(vars), Ok(literal.clone()));
    }

    #[test]
    fn targets_parse_to_their_kind() {
        let lsn = |v: &str| RecoveryTarget::Lsn(TargetValue::Literal(v.into()));
        for (text, expected) in [
            ("immediate", RecoveryTarget::Immediate),
            (
                "name:before_drop",
                RecoveryTarget::Name("before_drop".into()),
            ),
            ("lsn:0/3000060", lsn("0/3000060")),
            (
                "lsn::drop_lsn",
                RecoveryTarget::Lsn(TargetValue::Variable("drop_lsn".into())),
            ),
            (
                "xid:745",
                RecoveryTarget::Xid(TargetValue::Literal("745".into())),
            ),
            (
                "time:2026-01-01 12:00:00+00",
                RecoveryTarget::Time(TargetValue::Literal("2026-01-01 12:00:00+00".into())),
            ),
        ] {
            assert_eq!(parse_target(text), Ok(expected.clone()), "{text}");
            assert_eq!(expected.to_string(), text);
        }
        for bad in [
            "lsn:3000060",
            "xid:abc",
            "when:now",
            "lsn:",
            "lsn::",
            "latest",
        ] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn node_attributes_parse_and_contradictions_are_refused() {
        let standby = parse(&[("node", Some("Replica")), ("standby-of", Some("main"))]).unwrap();
        assert_eq!(standby.node.as_deref(), Some("replica"));
        assert!(standby.creates_node());
        let crash = parse(&[("restart", Some("immediate")), ("backup", Some("b1"))]).unwrap();
        assert_eq!(crash.restart, Some(Restart::Immediate));
        assert_eq!(crash.node_name(), "main");

        for (pairs, message) in [
            (
                vec![
                    ("node", Some("r")),
                    ("standby-of", Some("main")),
                    ("restore", Some("b")),
                ],
                "contradict",
            ),
            (vec![("standby-of", Some("main"))], "name it with node=NAME"),
            (
                vec![("node", Some("r")), ("until", Some("immediate"))],
                "goes with restore",
            ),
            (
                vec![("node", Some("r")), ("standby-of", Some("r"))],
                "standby of itself",
            ),
            (vec![("restart", Some("soon"))], "restart=immediate"),
            (vec![("node", None)], "needs a value"),
            (vec![("node", Some("1st"))], "starts with a letter"),
        ] {
            let err = parse(&pairs).expect_err(message);
            assert!(err.contains(message), "{pairs:?}: {err}");
        }
    }
}
