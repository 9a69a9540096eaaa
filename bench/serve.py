#!/usr/bin/env python3
"""Edit-to-reload latency of `pgbook serve`, with mdBook's `watch` as the reference run.

For pgbook the clock runs from the moment an edited chapter is written (closed) until the
`reload` Server-Sent Event arrives, which serve sends only after the new site is in place.
mdBook has no reload event here, so its clock runs until the edited page is rewritten with the
new text (polled every 2 ms), which is what a reader of its output would wait for.

Usage: bench/serve.py PGBOOK_BINARY [ITERATIONS] [BOOK_DIR]
BOOK_DIR (optional) is a real book (book.toml, content/, snippets/) measured as well.
"""

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CHAPTERS = 10


def synthetic_book(root):
    """Ten chapters of prose, each with three small snippets."""
    os.makedirs(os.path.join(root, "content"))
    with open(os.path.join(root, "book.toml"), "w") as f:
        f.write('[book]\ntitle = "Bench"\n')
    summary = ["# Summary\n"]
    for n in range(CHAPTERS):
        summary.append(f"- [Chapter {n}](ch{n}.md)")
        write_chapter(root, n, "first", "v0")
    with open(os.path.join(root, "content", "SUMMARY.md"), "w") as f:
        f.write("\n".join(summary) + "\n")


def chapter_text(n, word, value):
    prose = " ".join(["Some prose about tables and indexes."] * 20)
    return (
        f"# Chapter {n}\n\n{prose} Marker: {word}.\n\n"
        f"```sql\nCREATE TABLE t{n} (id int PRIMARY KEY, v text);\n```\n\n"
        f"```sql\nINSERT INTO t{n} SELECT g, 'row ' || g FROM generate_series(1, 100) g;\n```\n\n"
        f"```sql\nSELECT count(*), '{value}' AS v FROM t{n};\n```\n"
    )


def write_chapter(root, n, word, value):
    write_file(os.path.join(root, "content", f"ch{n}.md"), chapter_text(n, word, value))


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)


class EventStream:
    def __init__(self, address):
        host, port = address.split(":")
        self.sock = socket.create_connection((host, int(port)))
        self.sock.sendall(b"GET /__pgbook/events HTTP/1.1\r\nHost: x\r\n\r\n")
        self.buffer = b""

    def next_event(self, name):
        pattern = re.compile(rb"event: " + name.encode() + rb"\ndata: ([^\n]*)\n\n")
        while True:
            match = pattern.search(self.buffer)
            if match:
                self.buffer = self.buffer[match.end():]
                return match.group(1).decode()
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("event stream closed")
            self.buffer += chunk


def start_serve(binary, root):
    process = subprocess.Popen(
        [binary, "serve", root, "--port", "0"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    for line in process.stderr:
        found = re.search(r"serving http://([^/ ]+)/", line)
        if found:
            return process, found.group(1)
    raise RuntimeError("serve did not start")


def measure_serve(binary, root, edits):
    """Runs each edit (a function of the iteration number) and times it to the reload event."""
    process, address = start_serve(binary, root)
    # Drain serve's log so it never blocks on a full pipe.
    subprocess.Popen(["cat"], stdin=process.stderr, stdout=subprocess.DEVNULL)
    events = EventStream(address)
    events.next_event("hello")
    results = {}
    try:
        for label, edit, iterations in edits:
            times = []
            for i in range(1, iterations + 1):
                time.sleep(0.2)  # let the previous build settle
                start = time.perf_counter()
                edit(i)
                events.next_event("reload")
                times.append((time.perf_counter() - start) * 1000)
            results[label] = times
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait()
    return results


def measure_mdbook(root, iterations):
    book = os.path.join(root, "mdbook")
    os.makedirs(os.path.join(book, "src"))
    write_file(os.path.join(book, "book.toml"), '[book]\ntitle = "Bench"\nsrc = "src"\n')
    shutil.copy(os.path.join(root, "book", "content", "SUMMARY.md"), os.path.join(book, "src"))
    for n in range(CHAPTERS):
        write_file(os.path.join(book, "src", f"ch{n}.md"), chapter_text(n, "first", "v0"))
    subprocess.run(["mdbook", "build", book], check=True, capture_output=True)
    process = subprocess.Popen(["mdbook", "watch", book],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    page = os.path.join(book, "book", "ch3.html")
    times = []
    try:
        time.sleep(1.5)
        for i in range(1, iterations + 1):
            word = f"mdbookword{i}"
            start = time.perf_counter()
            write_file(os.path.join(book, "src", "ch3.md"), chapter_text(3, word, "v0"))
            while True:
                try:
                    with open(page) as f:
                        if word in f.read():
                            break
                except FileNotFoundError:
                    pass
                time.sleep(0.002)
            times.append((time.perf_counter() - start) * 1000)
            time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait()
    return times


def summary(times):
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return statistics.median(times), p90, min(times), max(times)


def report(label, times, reference=None):
    median, p90, low, high = summary(times)
    line = f"{label:<44} median {median:7.1f} ms  p90 {p90:7.1f} ms  (min {low:.1f}, max {high:.1f}, n={len(times)})"
    if reference is not None:
        line += f"  ratio vs mdBook {statistics.median(reference) / median:5.1f}x faster"
    print(line)


def real_book_edits(root):
    """A prose edit of the book's largest chapter (no SQL re-run)."""
    content = os.path.join(root, "content")
    chapters = [f for f in os.listdir(content) if f.endswith(".md") and f != "SUMMARY.md"]
    largest = max(chapters, key=lambda f: os.path.getsize(os.path.join(content, f)))
    path = os.path.join(content, largest)
    with open(path) as f:
        original = f.read()

    def prose(i):
        write_file(path, original + f"\nA closing remark, edit {i}.\n")
    return largest, prose


def main():
    binary = os.path.abspath(sys.argv[1])
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    real_book = sys.argv[3] if len(sys.argv) > 3 else None
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "book")
        synthetic_book(root)
        results = measure_serve(binary, root, [
            ("pgbook serve: prose edit (no SQL re-run)",
             lambda i: write_chapter(root, 3, f"word{i}", "v0"), iterations),
            ("pgbook serve: snippet edit (1 chapter re-run)",
             lambda i: write_chapter(root, 3, f"word{i}", f"v{i}"), iterations),
        ])
        mdbook = measure_mdbook(tmp, iterations) if shutil.which("mdbook") else None
        print(f"synthetic book: {CHAPTERS} chapters x 3 snippets; edit-to-reload-event latency")
        for label, times in results.items():
            report(label, times, mdbook)
        if mdbook:
            report("mdbook watch: prose edit (to page written)", mdbook)
        if real_book:
            copy = os.path.join(tmp, "real")
            os.makedirs(copy)
            for name in ("book.toml", "content", "snippets", "theme"):
                source = os.path.join(real_book, name)
                if os.path.isdir(source):
                    shutil.copytree(source, os.path.join(copy, name))
                elif os.path.isfile(source):
                    shutil.copy(source, copy)
            chapter, edit = real_book_edits(copy)
            results = measure_serve(binary, copy, [(f"real book, prose edit of {chapter}", edit, iterations)])
            for label, times in results.items():
                report(label, times, mdbook)


if __name__ == "__main__":
    main()
