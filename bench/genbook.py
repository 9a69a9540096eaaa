#!/usr/bin/env python3
"""Writes a generated pgbook book: N chapters in parts, 1 to 5 snippets each, every one with
the exact output psql prints, so the book tests green. It is the fixture of the sharding
benchmark (bench/shards.sh) and of tests/shard.rs.

    bench/genbook.py DIR [--chapters 200] [--sleep-ms 0]

--sleep-ms adds a snippet sleeping that long to every chapter, to model chapters whose SQL
takes real time (a handbook's chapters load data, build indexes, run EXPLAIN ANALYZE).
"""

import argparse
import pathlib

PER_PART = 20


def count_table(n):
    # psql's aligned format: the column is as wide as its widest cell, numbers right-aligned.
    width = max(len("count"), len(str(n)))
    head = " " + "count".center(width).rstrip()
    return f"{head}\n-{'-' * width}-\n {str(n).rjust(width)}\n(1 row)\n"


def chapter(i, sleep_ms):
    rows = 10 * i + 1
    snippets = 1 + (i * 7) % 5
    out = [f"# Chapter {i}\n", f"Chapter {i} counts {rows} rows in a few ways.\n"]
    out.append(
        "```sql\n"
        f"CREATE TABLE t{i} (n int PRIMARY KEY);\n"
        f"INSERT INTO t{i} SELECT generate_series(1, {rows});\n"
        "```\n\n```output\n"
        f"CREATE TABLE\nINSERT 0 {rows}\n```\n"
    )
    for k in range(1, snippets):
        limit = rows // (k + 1)
        out.append(
            f"Rows up to {limit}:\n\n```sql\n"
            f"SELECT count(*) FROM t{i} WHERE n <= {limit};\n"
            f"```\n\n```output\n{count_table(limit)}```\n"
        )
    if sleep_ms:
        out.append(f"```sql,hidden\nSELECT pg_sleep({sleep_ms / 1000});\n```\n")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=pathlib.Path)
    parser.add_argument("--chapters", type=int, default=200)
    parser.add_argument("--sleep-ms", type=int, default=0)
    args = parser.parse_args()
    root = args.dir
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    (root / "book.toml").write_text(
        '[book]\ntitle = "Generated handbook"\nsrc = "content"\n'
    )
    summary = ["# Summary\n"]
    for i in range(1, args.chapters + 1):
        part = (i - 1) // PER_PART + 1
        if (i - 1) % PER_PART == 0:
            summary.append(f"\n# Part {part}\n")
        path = f"part{part:02}/chapter-{i:03}.md"
        (content / path).parent.mkdir(parents=True, exist_ok=True)
        (content / path).write_text(chapter(i, args.sleep_ms))
        summary.append(f"- [Chapter {i}]({path})")
    (content / "SUMMARY.md").write_text("\n".join(summary) + "\n")


if __name__ == "__main__":
    main()
