//! `pgbook test --shard K/N`: which chapters the K-th of N slices runs.
//!
//! The assignment depends only on the chapters' paths and snippet counts — never on the
//! order of SUMMARY.md, the machine or the run — so N runners that each run one slice cover
//! every chapter exactly once. It is pure: it reads no file and runs nothing.

use std::fmt;
use std::str::FromStr;

/// One slice of a sharded run: `index` of `count`, counted from 1 as users write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    /// `K/N` with `1 <= K <= N`.
    fn from_str(text: &str) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("expected K/N (e.g. 1/4), got '{text}'"))?;
        let parse = |part: &str, what: &str| {
            part.trim()
                .parse::<usize>()
                .map_err(|_| format!("{what} in '{text}' is not a whole number"))
        };
        let (index, count) = (parse(k, "K")?, parse(n, "N")?);
        if count == 0 {
            return Err(format!("N in '{text}' must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(format!("K in '{text}' must be between 1 and {count}"));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The shard (0-based) of each chapter, given as `(path, weight)` with weight its snippet
/// count: heaviest chapters first (ties broken by a hash of the path, then the path), each to
/// the currently lightest shard (ties to the lowest). Greedy longest-first keeps the slices
/// within one chapter's weight of each other; a chapter without snippets weighs 1 so that
/// empty chapters spread too.
pub fn assign(chapters: &[(String, usize)], count: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..chapters.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, wa) = &chapters[a];
        let (pb, wb) = &chapters[b];
        wb.max(&1)
            .cmp(wa.max(&1))
            .then_with(|| path_hash(pa).cmp(&path_hash(pb)))
            .then_with(|| pa.cmp(pb))
    });
    let mut load = vec![0usize; count.max(1)];
    let mut shard_of = vec![0; chapters.len()];
    for i in order {
        let lightest = (0..load.len())
            .min_by_key(|&s| (load[s], s))
            .expect("at least one shard");
        load[lightest] += chapters[i].1.max(1);
        shard_of[i] = lightest;
    }
    shard_of
}

/// FNV-1a of the path's bytes (the cache's hash): a fixed algorithm, so the same on every
/// machine and release (std's `DefaultHasher` promises neither).
fn path_hash(path: &str) -> u64 {
    super::cache::fnv64(path.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_k_of_n_and_refuses_the_rest() {
        assert_eq!("2/3".parse(), Ok(Shard { index: 2, count: 3 }));
        assert_eq!("1/1".parse(), Ok(Shard { index: 1, count: 1 }));
        for bad in ["0/3", "4/3", "1/0", "3", "a/2", "1/b", "-1/2", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad} was accepted");
        }
    }

    fn book(n: usize) -> Vec<(String, usize)> {
        (0..n)
            .map(|i| {
                (
                    format!("part{}/chapter-{i:03}.md", i % 7),
                    1 + (i * 37) % 11,
                )
            })
            .collect()
    }

    #[test]
    fn every_chapter_in_exactly_one_shard_and_balanced() {
        let chapters = book(200);
        for count in [1, 2, 3, 4, 8] {
            let shards = assign(&chapters, count);
            assert!(shards.iter().all(|&s| s < count));
            let mut load = vec![0; count];
            for (i, &s) in shards.iter().enumerate() {
                load[s] += chapters[i].1;
            }
            let heaviest = chapters.iter().map(|c| c.1).max().unwrap();
            let (lo, hi) = (load.iter().min().unwrap(), load.iter().max().unwrap());
            assert!(hi - lo <= heaviest, "{count} shards: {load:?}");
        }
    }

    #[test]
    fn independent_of_chapter_order() {
        let chapters = book(50);
        let mut reversed = chapters.clone();
        reversed.reverse();
        let forward = assign(&chapters, 4);
        let backward = assign(&reversed, 4);
        for (i, chapter) in chapters.iter().enumerate() {
            let j = reversed.iter().position(|c| c == chapter).unwrap();
            assert_eq!(forward[i], backward[j], "{}", chapter.0);
        }
    }
}
