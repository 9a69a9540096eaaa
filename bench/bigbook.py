#!/usr/bin/env python3
"""Writes a big book made of COPIES copies of an mdBook book (default: the rust-book corpus
ten times over, 1,110 chapters), for the big-book benchmark (`bench/bigbook.sh`).

Each copy's source files go to `src/copyNN/` unchanged (links between its chapters stay
relative, so they still resolve), and one SUMMARY.md lists every copy as a part of its own:
`# Copy NN`, then the copy's chapters with their nesting, its unnumbered prefix chapters
made numbered entries of the part (mdBook allows prefix chapters only before the first
numbered one).

Usage: bench/bigbook.py CORPUS DEST [COPIES]
"""

import os
import re
import shutil
import sys


def main():
    corpus, dest = sys.argv[1], sys.argv[2]
    copies = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    src = os.path.join(corpus, "src")
    with open(os.path.join(src, "SUMMARY.md")) as f:
        summary_lines = f.read().splitlines()
    os.makedirs(os.path.join(dest, "src"), exist_ok=True)
    with open(os.path.join(corpus, "book.toml")) as f:
        title = re.search(r'^title\s*=\s*"(.*)"', f.read(), re.M).group(1)
    with open(os.path.join(dest, "book.toml"), "w") as f:
        f.write(f'[book]\ntitle = "{title} (x{copies})"\nsrc = "src"\n')

    out = ["# Summary", ""]
    chapters = 0
    for n in range(1, copies + 1):
        copy = f"copy{n:02d}"
        shutil.copytree(src, os.path.join(dest, "src", copy),
                        ignore=shutil.ignore_patterns("SUMMARY.md"))
        out += [f"# Copy {n}", ""]
        for line in summary_lines:
            link = re.match(r"^(\s*)(- )?\[(.*)\]\((.*)\)\s*$", line)
            if not link:
                continue  # the summary's title, blank lines, part titles of the original
            indent, _, text, path = link.groups()
            target = f"{copy}/{path}" if path else ""
            out.append(f"{indent}- [{text}]({target})")
            chapters += 1
        out.append("")
    with open(os.path.join(dest, "src", "SUMMARY.md"), "w") as f:
        f.write("\n".join(out))
    print(f"{dest}: {copies} copies, {chapters} chapters")


if __name__ == "__main__":
    main()
