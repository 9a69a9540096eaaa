#!/usr/bin/env python3
"""Load on `pgbook serve`: many concurrent GETs (wrk) and 200 live-reload connections, a
quarter of them dropped mid-stream, while a chapter is edited every second.

Measured first, before any load: bursts of connections opened at once, as a browser opens a
page, and whether the last one's request is answered. Then: requests per second and latency of the GETs (wrk), how many of the edits reached
every live client as a `reload` event, the server's resident memory, thread count and open
file descriptors sampled every second (bounded if they level off), and whether the dropped
clients' connections were let go (descriptors fall back).

Usage: bench/load.py PGBOOK_BINARY [SECONDS] [GET_CONNECTIONS]
Needs `wrk` (Debian package `wrk`).
"""

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SSE_CLIENTS = 200
DROPPED = 50


def book(root):
    os.makedirs(os.path.join(root, "content"))
    with open(os.path.join(root, "book.toml"), "w") as f:
        f.write('[book]\ntitle = "Load"\n')
    with open(os.path.join(root, "content", "SUMMARY.md"), "w") as f:
        f.write("# Summary\n\n" + "".join(f"- [C{n}](c{n}.md)\n" for n in range(5)))
    for n in range(5):
        edit(root, n, 0)


def edit(root, n, version):
    prose = " ".join(["Prose about tables and indexes."] * 30)
    with open(os.path.join(root, "content", f"c{n}.md"), "w") as f:
        f.write(f"# C{n}\n\n{prose} Version {version}.\n\n```sql\nSELECT {version} AS v;\n```\n")


def proc_figures(pid):
    status = open(f"/proc/{pid}/status").read()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return rss, threads, fds


def open_stream(address):
    host, port = address.split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(b"GET /__pgbook/events HTTP/1.1\r\nHost: x\r\n\r\n")
    sock.setblocking(False)
    return sock


def bursts(address, tries=20, size=8, patience=3.0):
    """How many of `tries` bursts of `size` connections opened at once (as a browser opens a
    page) leave the last connection's GET unanswered after `patience` seconds while the
    others stay open and idle."""
    host, port = address.split(":")
    stalled = 0
    for _ in range(tries):
        idle = [socket.create_connection((host, int(port))) for _ in range(size)]
        last = idle[-1]
        last.settimeout(patience)
        last.sendall(b"GET /c0.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        try:
            answered = last.recv(12).startswith(b"HTTP/1.1 200")
        except socket.timeout:
            answered = False
        stalled += not answered
        for s in idle:
            s.close()
        time.sleep(0.2)
    return stalled, tries, size, patience


def main():
    binary = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    connections = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    work = tempfile.mkdtemp(prefix="pgbook-load-")
    root = os.path.join(work, "book")
    book(root)
    server = subprocess.Popen([binary, "serve", root, "--port", "0"],
                              stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    address = None
    for line in server.stderr:
        found = re.search(r"serving http://([^/ ]+)/", line)
        if found:
            address = found.group(1)
            break
    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
    idle = proc_figures(server.pid)
    burst = bursts(address)

    streams = [open_stream(address) for _ in range(SSE_CLIENTS)]
    reloads = [0] * SSE_CLIENTS
    hellos = [0] * SSE_CLIENTS
    alive = [True] * SSE_CLIENTS
    sel = selectors.DefaultSelector()
    for i, s in enumerate(streams):
        sel.register(s, selectors.EVENT_READ, i)
    stop = threading.Event()

    def read_streams():
        while not stop.is_set():
            for key, _ in sel.select(timeout=0.2):
                i = key.data
                try:
                    chunk = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                reloads[i] += chunk.count(b"event: reload")
                hellos[i] += chunk.count(b"event: hello")

    reader = threading.Thread(target=read_streams, daemon=True)
    reader.start()
    time.sleep(1)
    with_clients = proc_figures(server.pid)

    wrk = subprocess.Popen(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
                            f"http://{address}/c0.html"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    samples = []
    edits = 0
    start = time.monotonic()
    drop_every = max(1, seconds // 5)
    while time.monotonic() - start < seconds:
        edits += 1
        edit(root, edits % 5, edits)
        second = int(time.monotonic() - start)
        # Drop some clients mid-stream: a reset, not a polite close.
        if second % drop_every == 0:
            for i in range(DROPPED):
                if alive[i] and i % 5 == (second // drop_every) % 5:
                    s = streams[i]
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    try:
                        sel.unregister(s)
                    except KeyError:
                        pass
                    s.close()
                    alive[i] = False
        samples.append(proc_figures(server.pid))
        time.sleep(1)
    wrk_out = wrk.communicate()[0]
    time.sleep(3)  # the last edit's rebuild and reload
    stop.set()
    reader.join()
    end = proc_figures(server.pid)
    live = [reloads[i] for i in range(SSE_CLIENTS) if alive[i]]
    for s, a in zip(streams, alive):
        if a:
            s.close()
    # serve finds a dead client when a write to it fails; the first write after the peer has
    # gone may still succeed, so allow two heartbeats (10 s each).
    time.sleep(22)
    after_close = proc_figures(server.pid)
    server.send_signal(signal.SIGTERM)
    code = server.wait()

    rps = re.search(r"Requests/sec:\s+([\d.]+)", wrk_out)
    lat = {p: re.search(rf"\s{p}%\s+(\S+)", wrk_out) for p in ("50", "99")}
    errors = re.search(r"Socket errors: (.*)", wrk_out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk_out)
    requests = re.search(r"(\d+) requests in", wrk_out)
    print(f"machine: {os.cpu_count()} cores; binary: {binary}")
    print(f"{seconds} s, wrk -t2 -c{connections} GET /c0.html, {SSE_CLIENTS} event streams "
          f"({SSE_CLIENTS - sum(alive)} reset mid-stream), {edits} edits (one a second)")
    print(f"GETs: {requests.group(1) if requests else '?'} answered, "
          f"{rps.group(1) if rps else '?'} req/s, p50 {lat['50'].group(1) if lat['50'] else '?'}, "
          f"p99 {lat['99'].group(1) if lat['99'] else '?'}, "
          f"socket errors: {errors.group(1) if errors else 'none'}, "
          f"non-2xx: {non2xx.group(1) if non2xx else 0}")
    print("bursts of {2} connections at once, the last one's GET unanswered after {3:.0f} s: "
          "{0} of {1}".format(*burst))
    greeted = sum(1 for h in hellos if h)
    print(f"streams greeted (hello received): {greeted} of {SSE_CLIENTS}")
    greeted_live = [reloads[i] for i in range(SSE_CLIENTS) if alive[i] and hellos[i]]
    print(f"reloads per live client: min {min(live)}, max {max(live)}; per greeted live "
          f"client: min {min(greeted_live, default=0)}, max {max(greeted_live, default=0)} "
          f"(edits {edits}; edits within one rebuild are coalesced)")
    rss = [s[0] for s in samples]
    threads = [s[1] for s in samples]
    fds = [s[2] for s in samples]
    print(f"RSS: idle {idle[0] // 1024} MiB, with clients {with_clients[0] // 1024} MiB, "
          f"during load {min(rss) // 1024}–{max(rss) // 1024} MiB, after {end[0] // 1024} MiB")
    print(f"threads: idle {idle[1]}, with clients {with_clients[1]}, during load max "
          f"{max(threads)}, after all clients left {after_close[1]}")
    print(f"fds: idle {idle[2]}, with {SSE_CLIENTS} clients {with_clients[2]}, "
          f"during load max {max(fds)}, end of load {end[2]}, after all clients left "
          f"{after_close[2]}")
    print(f"serve exit code after SIGTERM: {code}")


if __name__ == "__main__":
    main()
