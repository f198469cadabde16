#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Time from exec of `writ server -dev` to the first 200 from /v1/sys/health, and the
# server's resident memory after it has been idle for a second.  Median of N runs.
import os, socket, statistics, subprocess, sys, tempfile, time

writ, runs, port = sys.argv[1], int(sys.argv[2]), 18290

def healthy():
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=0.05)
        s.sendall(b"GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = s.recv(64)
        s.close()
        return data.startswith(b"HTTP/1.1 200")
    except OSError:
        return False

times, rss = [], []
for _ in range(runs):
    home = tempfile.mkdtemp()
    t0 = time.monotonic()
    p = subprocess.Popen([writ, "server", "-dev", "-dev-listen-address", f"127.0.0.1:{port}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=dict(os.environ, HOME=home))
    while not healthy():
        if p.poll() is not None:
            sys.exit("server exited")
        if time.monotonic() - t0 > 10:
            sys.exit("server not ready in 10 s")
        time.sleep(0.0005)
    times.append((time.monotonic() - t0) * 1000)
    time.sleep(1)
    with open(f"/proc/{p.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss.append(int(line.split()[1]) / 1024)
    p.terminate()
    p.wait()
print(f"startup_ms {statistics.median(times):.1f}")
print(f"idle_rss_mb {statistics.median(rss):.1f}")
