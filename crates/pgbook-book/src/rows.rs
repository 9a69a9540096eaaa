//! A large result's rows held compactly, as psql holds a result: every value's bytes in
//! a few big buffers with their end offsets, instead of a `String` per value and a `Vec`
//! per row. The client fills it while rows arrive; the formatter measures the columns in
//! one read and prints in a last one that frees each chunk once its rows are printed, so the
//! rows and their text never both exist whole.
//!
//! Plain data: it knows nothing of the wire protocol, of psql's formats or of pages.

/// Values per chunk: a chunk's buffers stay far below `u32` offsets and are freed one by
/// one once printed.
const CHUNK_VALUES: usize = 1 << 16;
/// The offset that marks a NULL.
const NULL: u32 = u32::MAX;

use std::sync::Mutex;

/// Rows of `columns` values each, in arrival order.
#[derive(Default)]
pub struct CompactRows {
    columns: usize,
    rows: usize,
    /// Behind a lock so that the last read can free them through a shared reference (the
    /// formatters see a `&ResultSet`).
    chunks: Mutex<Vec<Chunk>>,
}

impl std::fmt::Debug for CompactRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompactRows")
            .field("columns", &self.columns)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl Clone for CompactRows {
    fn clone(&self) -> CompactRows {
        CompactRows {
            columns: self.columns,
            rows: self.rows,
            chunks: Mutex::new(self.chunks().clone()),
        }
    }
}

impl PartialEq for CompactRows {
    fn eq(&self, other: &CompactRows) -> bool {
        self.columns == other.columns
            && self.rows == other.rows
            && (std::ptr::eq(self, other) || *self.chunks() == *other.chunks())
    }
}

impl Eq for CompactRows {}

/// Whole rows' values: `text` holds them back to back, `ends[i]` is where value `i` ends
/// (`NULL` for SQL NULL, which takes no bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Chunk {
    text: String,
    ends: Vec<u32>,
}

impl CompactRows {
    pub fn new(columns: usize) -> CompactRows {
        CompactRows {
            columns,
            ..CompactRows::default()
        }
    }

    fn chunks(&self) -> std::sync::MutexGuard<'_, Vec<Chunk>> {
        // A panic while the lock was held leaves whole chunks behind: still usable.
        self.chunks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Appends a row; `values` yields exactly one value per column.
    pub fn push<'a>(&mut self, values: impl IntoIterator<Item = Option<&'a str>>) {
        let columns = self.columns;
        let chunks = self
            .chunks
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let full = chunks.last().is_none_or(|c| {
            c.ends.len() + columns > CHUNK_VALUES.max(columns)
                || c.text.len() > (u32::MAX / 2) as usize
        });
        if full {
            chunks.push(Chunk::default());
        }
        let chunk = chunks.last_mut().expect("a chunk was just ensured");
        let mut pushed = 0;
        // A row of the wrong width would shift every later row: extra values are dropped,
        // missing ones are NULL.
        for value in values.into_iter().take(columns) {
            match value {
                Some(text) => {
                    chunk.text.push_str(text);
                    chunk.ends.push(chunk.text.len() as u32);
                }
                None => chunk.ends.push(NULL),
            }
            pushed += 1;
        }
        for _ in pushed..columns {
            chunk.ends.push(NULL);
        }
        self.rows += 1;
    }

    /// Calls `each` with every row's values in order.
    pub fn for_each_row(&self, mut each: impl FnMut(&[Option<&str>])) {
        for chunk in self.chunks().iter() {
            chunk.for_each_row(self.columns, &mut each);
        }
    }

    /// [`CompactRows::for_each_row`] as the last read: each chunk is freed as soon as its
    /// rows have been read, and the rows are gone afterwards.
    pub fn drain_each_row(&self, mut each: impl FnMut(&[Option<&str>])) {
        let chunks = std::mem::take(&mut *self.chunks());
        for chunk in chunks {
            chunk.for_each_row(self.columns, &mut each);
        }
    }
}

impl Chunk {
    fn for_each_row(&self, columns: usize, each: &mut impl FnMut(&[Option<&str>])) {
        let mut row: Vec<Option<&str>> = Vec::with_capacity(columns);
        let mut start = 0usize;
        for ends in self.ends.chunks(columns.max(1)) {
            row.clear();
            for &end in ends {
                if end == NULL {
                    row.push(None);
                } else {
                    row.push(Some(&self.text[start..end as usize]));
                    start = end as usize;
                }
            }
            each(&row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_as_pushed() {
        let mut rows = CompactRows::new(3);
        let mut expected = Vec::new();
        for i in 0..(CHUNK_VALUES / 3 * 2 + 5) {
            let n = i.to_string();
            let row = vec![
                Some(n.clone()),
                (i % 3 != 0).then(|| "é\nx".repeat(i % 4)),
                Some(String::new()),
            ];
            rows.push(row.iter().map(|v| v.as_deref()));
            expected.push(row);
        }
        // Too short and too long rows keep the width.
        rows.push([Some("short")]);
        expected.push(vec![Some("short".into()), None, None]);
        rows.push([Some("a"), Some("b"), Some("c"), Some("d")]);
        expected.push(vec![Some("a".into()), Some("b".into()), Some("c".into())]);
        let mut got: Vec<Vec<Option<String>>> = Vec::new();
        rows.for_each_row(|row| got.push(row.iter().map(|v| v.map(str::to_string)).collect()));
        assert_eq!(rows.len(), expected.len());
        assert_eq!(got, expected);
        assert_eq!(rows.clone(), rows);
        let mut drained: Vec<Vec<Option<String>>> = Vec::new();
        rows.drain_each_row(|row| {
            drained.push(row.iter().map(|v| v.map(str::to_string)).collect())
        });
        assert_eq!(drained, expected);
        let mut after = 0;
        rows.for_each_row(|_| after += 1);
        assert_eq!(after, 0, "drained");
    }
}
