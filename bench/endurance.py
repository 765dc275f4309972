#!/usr/bin/env python3
"""A mixed load on a running Rectify server for a while: logins, ledger reads, progress writes,
evidence uploads and sign-offs, the way a school's people produce them. Every minute it prints the
errors, the p50/p99 latency of each kind of request and the server's resident memory (RSS).

    python3 bench/endurance.py --base http://127.0.0.1:18087 --pid 1234 --seconds 600

Each client works through measures of its own: the coordinator adds one, its assignee reports
progress and uploads evidence, submits it, and its responsible leader approves (审核). Reads of the
bureau's measure list and of the school's ledger go on beside. Standard library only.
"""

import argparse
import http.client
import json
import random
import threading
import time
import uuid
from collections import defaultdict
from urllib.parse import urlparse

PASSWORD = "Rectify@2021"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class Client:
    """One keep-alive connection, like one browser tab."""

    def __init__(self, base, stats):
        u = urlparse(base)
        self.host, self.port, self.stats = u.hostname, u.port, stats
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def call(self, kind, method, path, token=None, body=None, headers=None, content_type=None):
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h["Content-Type"] = content_type or "application/json"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=h)
            resp = self.conn.getresponse()
            raw = resp.read()
            status, etag = resp.status, resp.getheader("ETag")
        except (OSError, http.client.HTTPException) as e:
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            self.stats.record(kind, time.perf_counter() - started, f"transport: {e}")
            return None, None, None
        error = None if status < 400 else f"{status} {raw[:160]!r}"
        self.stats.record(kind, time.perf_counter() - started, error)
        return status, etag, (json.loads(raw) if raw and raw[:1] in b"{[" else None)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()
        self.total_errors = 0
        self.total_requests = 0

    def reset(self):
        self.latencies = defaultdict(list)
        self.errors = defaultdict(int)
        self.samples = []

    def record(self, kind, seconds, error):
        with self.lock:
            self.latencies[kind].append(seconds)
            self.total_requests += 1
            if error:
                self.errors[kind] += 1
                self.total_errors += 1
                if len(self.samples) < 3:
                    self.samples.append(f"{kind}: {error}")

    def take(self):
        with self.lock:
            snapshot = (self.latencies, self.errors, self.samples)
            self.reset()
            return snapshot


def login(client, username):
    _, _, body = client.call("login", "POST", "/api/v1/auth/login", body={"username": username, "password": PASSWORD})
    return body["access_token"]


def multipart(fields, name, data):
    boundary = uuid.uuid4().hex
    out = b""
    for k, v in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
    out += f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'.encode()
    out += b"Content-Type: application/pdf\r\n\r\n" + data + f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", out


class World:
    """What the clients share: tokens, the demo school's problems and people."""

    def __init__(self, base, stats):
        c = Client(base, stats)
        self.tokens = {u: login(c, u) for u in ["zgb", "jiangf", "qinss", "majp"]}
        self.token_time = time.time()
        _, _, me = c.call("setup", "GET", "/api/v1/users?q=jiangf", self.tokens["zgb"])
        self.jiangf = me["items"][0]["id"]
        _, _, me = c.call("setup", "GET", "/api/v1/users?q=qinss", self.tokens["zgb"])
        self.qinss = me["items"][0]["id"]
        _, _, page = c.call("setup", "GET", "/api/v1/inspections", self.tokens["zgb"])
        self.inspection = page["items"][0]["id"]
        _, _, problems = c.call("setup", "GET", f"/api/v1/inspections/{self.inspection}/problems", self.tokens["zgb"])
        self.problems = [p["id"] for p in problems if p["closeout_status"] == "open"]
        self.lock = threading.Lock()
        self.base = base

    def token(self, who):
        # Access tokens live 15 minutes: renew them well before.
        with self.lock:
            if time.time() - self.token_time > 600:
                c = Client(self.base, Stats())
                self.tokens = {u: login(c, u) for u in self.tokens}
                self.token_time = time.time()
            return self.tokens[who]


def worker(world, base, stats, stop):
    c = Client(base, stats)
    rnd = random.Random()
    while not stop.is_set():
        roll = rnd.random()
        if roll < 0.05:
            login(c, rnd.choice(["zhanghc", "jiangf", "qinss", "daixb"]))
        elif roll < 0.45:
            offset = rnd.randrange(0, 100)
            c.call("list", "GET", f"/api/v1/measures?limit=50&offset={offset}&sort=deadline", world.token("majp"))
        elif roll < 0.65:
            c.call("ledger", "GET", f"/api/v1/inspections/{world.inspection}/ledger?limit=50", world.token("zgb"))
        else:
            one_measure(world, c, rnd)


def one_measure(world, c, rnd):
    """A measure from its creation to its first approval (审核)."""
    problem = rnd.choice(world.problems)
    body = {"title": "压力测试措施", "kind": "immediate", "responsible_leader_id": world.qinss, "assignee_ids": [world.jiangf]}
    status, etag, m = c.call("write", "POST", f"/api/v1/problems/{problem}/measures", world.token("zgb"), body)
    if status != 201:
        return
    mid = m["id"]
    status, etag, _ = c.call("write", "PATCH", f"/api/v1/measures/{mid}/progress", world.token("jiangf"),
                             {"progress": "已完成整改"}, {"If-Match": etag})
    ctype, data = multipart({"title": "整改材料", "document_number": "职教党〔2026〕1号"}, "材料.pdf", PDF)
    c.call("upload", "POST", f"/api/v1/measures/{mid}/evidence", world.token("jiangf"), data,
           {"Idempotency-Key": uuid.uuid4().hex}, ctype)
    status, etag, _ = c.call("signoff", "GET", f"/api/v1/measures/{mid}", world.token("jiangf"))
    status, etag, _ = c.call("signoff", "POST", f"/api/v1/measures/{mid}/submit", world.token("jiangf"), None, {"If-Match": etag})
    if status != 200:
        return
    c.call("signoff", "POST", f"/api/v1/measures/{mid}/signoffs", world.token("qinss"), {"decision": "approve"}, {"If-Match": etag})


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--every", type=int, default=60)
    args = ap.parse_args()
    stats = Stats()
    world = World(args.base, stats)
    stats.take()
    stop = threading.Event()
    threads = [threading.Thread(target=worker, args=(world, args.base, stats, stop), daemon=True) for _ in range(args.clients)]
    print(f"{args.clients} clients for {args.seconds} s; idle RSS {rss_mib(args.pid):.1f} MiB")
    print("minute  requests  errors   RSS MiB   p50/p99 ms: " + "  ".join(["login", "list", "ledger", "write", "upload", "signoff"]))
    for t in threads:
        t.start()
    started = time.time()
    rss_seen = []
    minute = 0
    while time.time() - started < args.seconds:
        time.sleep(min(args.every, args.seconds - (time.time() - started)))
        minute += 1
        lat, errs, samples = stats.take()
        rss = rss_mib(args.pid)
        rss_seen.append(rss)
        cells = [f"{pct(lat[k], 0.5):.0f}/{pct(lat[k], 0.99):.0f}" for k in ["login", "list", "ledger", "write", "upload", "signoff"]]
        print(f"{minute:>6}  {sum(len(v) for v in lat.values()):>8}  {sum(errs.values()):>6}  {rss:>8.1f}   " + "  ".join(cells), flush=True)
        for s in samples:
            print(f"        error: {s}")
    stop.set()
    for t in threads:
        t.join(timeout=35)
    print(f"total: {stats.total_requests} requests, {stats.total_errors} errors; "
          f"RSS first minute {rss_seen[0]:.1f} MiB, last {rss_seen[-1]:.1f} MiB, max {max(rss_seen):.1f} MiB")


if __name__ == "__main__":
    main()
