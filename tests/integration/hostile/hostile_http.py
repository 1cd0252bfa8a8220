#!/usr/bin/env python3
"""hostile_http.py -- a corpus of malformed and hostile HTTP requests against one qaflow HTTP service.

Every request goes over its own TCP connection to 127.0.0.1:PORT (pipelined cases reuse one). A case passes
when the service answers with a status that is not 5xx (505 for an unsupported HTTP version is right; 503 only
where the case allows it), or, for requests that are not HTTP at all, answers 4xx or closes the connection;
never a hang past --timeout. After each batch GET /health must answer 200 and the process must be the same
(--pid). Prints one line per failure and a summary; exit 0 only when every case passed.

Usage: hostile_http.py --port P --kind storage|scorer [--pid PID] [--timeout S] [--stall]
"""
import argparse
import json
import os
import random
import socket
import sys
import threading
import time

STORAGE_OK_BODY = {"question_text": "Is this a hostile test?", "original_answer": "It is."}


def raw(method=b"GET", path=b"/", version=b"HTTP/1.1", headers=None, body=b"", add_length=True):
    """One request as bytes; headers is a list of (name, value) bytes pairs."""
    hs = [(b"Host", b"127.0.0.1")] + list(headers or [])
    if add_length and (body or method not in (b"GET", b"HEAD")):
        hs.append((b"Content-Length", str(len(body)).encode()))
    head = method + b" " + path + b" " + version + b"\r\n"
    head += b"".join(n + b": " + v + b"\r\n" for n, v in hs)
    return head + b"\r\n" + (body or b"")


def json_post(path, obj=None, body=None, ctype=b"application/json", extra=None):
    data = body if body is not None else json.dumps(obj).encode()
    hs = ([(b"Content-Type", ctype)] if ctype is not None else []) + list(extra or [])
    return raw(b"POST", path, headers=hs, body=data)


def storage_cases():
    """(name, bytes, kind) with kind: 'http' (needs a non-5xx status) or 'garbage' (4xx or close)."""
    c = []
    add = lambda n, b, k="http", want=None: c.append((n, b, k, want))
    # paths and methods
    for p in [b"/", b"/%FF", b"/%c0%ae%c0%ae/etc/passwd", b"/../../etc/passwd", b"/status/%FF", b"/status/%00",
              b"/status/" + b"\xff\xfe", b"/\xff", b"/status/" + "é".encode() * 2000, b"/" + "€".encode() * 1500,
              b"/status/../../etc/passwd", b"/status/q_" + b"a" * 5000, b"/status/", b"/status/%2e%2e%2f",
              b"/query?" + b"&".join(b"a%d=1" % i for i in range(1000)), b"/metrics?format=%FF",
              b"/metrics?format=" + b"x" * 3000, b"/health?" + b"\xff" * 100, b"//status//x", b"/status/q_x%20y"]:
        for m in [b"GET", b"POST", b"DELETE"]:
            add("path %r %s" % (p[:40], m.decode()), raw(m, p, headers=[(b"Content-Type", b"application/json")],
                                                           body=b"{}" if m == b"POST" else b""))
    for m in [b"G\xffT", b"PUT", b"PATCH", b"OPTIONS", b"TRACE", b"CONNECT", b"FOO", b"X" * 300, b"get"]:
        for p in [b"/query", b"/status/q_x", b"/health"]:
            add("method %r %s" % (m[:20], p.decode()), raw(m, p), "garbage")
    # bodies of POST /query
    bodies = [b"", b"{", b"null", b"[]", b"\"str\"", b"42", b"{\"question_text\":", b"\xff\xfe\xfd",
              b"{\"question_text\":\"a\x00b\",\"original_answer\":\"c\"}", b"[" * 100000 + b"]" * 100000,
              b"{\"a\":" * 5000 + b"1" + b"}" * 5000, b"{\"question_text\":1e999999,\"original_answer\":\"x\"}",
              b"{\"question_text\":\"" + b"\xc0\xae" * 10 + b"\",\"original_answer\":\"x\"}",
              b"{\"question_text\":\"\\ud800\",\"original_answer\":\"x\"}"]
    for b in bodies:
        add("body %r" % b[:30], json_post(b"/query", body=b))
    # (object, the statuses it may get): the API's validation, Unicode-aware for blank texts
    objs = [({}, {400}), ({"question_text": ""}, {400}), ({"question_text": "x"}, {400}),
            ({"original_answer": "y"}, {400}), ({"question_text": 1, "original_answer": 2}, {400}),
            ({"question_text": ["a"], "original_answer": {"b": 1}}, {400}),
            ({"question_text": "x" * 200000, "original_answer": "y"}, {413}),
            ({"question_text": "\u200b\u200b", "original_answer": "y"}, {400}),
            ({"question_text": "q?", "original_answer": "\u00a0\u200b\u2060\u3000"}, {400}),
            ({"question_text": "q?", "original_answer": "   \t\n"}, {400}),
            ({"question_text": True, "original_answer": None}, {400}),
            ({"question_text": "hostile %d?" % os.getpid(), "original_answer": "a", "extra": 10 ** 400}, None),
            ({"question_text": "hostile %d!" % os.getpid(), "original_answer": "a", "question_id": "../../etc"}, None)]
    for o, want in objs:
        add("json %s" % json.dumps(o)[:40], json_post(b"/query", body=json.dumps(o).encode()), "http", want)
    for ct in [b"text/plain", b"application/x-www-form-urlencoded", b"multipart/form-data; boundary=x",
               b"\xff", b"application/jsonx", None]:
        add("content-type %r" % ct, json_post(b"/query", STORAGE_OK_BODY, ctype=ct), "http", {415})
    for i in ["", "q", "q_", "Q_ABC", "q_" + "0" * 129, "q_%2F..%2F", "q_\u00e9", "q_ x", "q_\t", "q_;DROP TABLE questions"]:
        for m in [b"GET", b"HEAD"]:
            add("id %r %s" % (i[:20], m.decode()), raw(m, b"/status/" + i.encode()))
    return c + common_cases(b"/query") + mutations(b"/query", json.dumps(STORAGE_OK_BODY).encode(), 60)


def scorer_cases():
    c = []
    add = lambda n, b, k="http", want=None: c.append((n, b, k, want))
    for p in [b"/", b"/%FF", b"/%c0%ae%c0%ae/etc/passwd", b"/\xff", b"/" + "€".encode() * 1500, b"/score?" +
              b"&".join(b"a%d=1" % i for i in range(1000)), b"/score/..", b"/metrics?" + b"\xff" * 100]:
        for m in [b"GET", b"POST", b"DELETE"]:
            add("path %r %s" % (p[:40], m.decode()), raw(m, p, headers=[(b"Content-Type", b"application/json")],
                                                           body=b"{}" if m == b"POST" else b""))
    for m in [b"G\xffT", b"PUT", b"FOO", b"X" * 300]:
        add("method %r" % m[:20], raw(m, b"/score"), "garbage")
    bodies = [b"", b"{", b"null", b"[]", b"{\"pairs\":null}", b"{\"pairs\":[]}", b"{\"pairs\":[1,2]}",
              b"{\"pairs\":[{\"candidate\":\"a\"}]}", b"{\"pairs\":[{\"candidate\":1,\"reference\":2}]}",
              b"{\"pairs\":[{\"candidate\":\"\xff\",\"reference\":\"b\"}]}",
              b"{\"pairs\":[{\"candidate\":\"a\\u0000b\",\"reference\":\"b\"}]}",
              b"{\"pairs\":" + b"[" * 100000 + b"]" * 100000 + b"}", b"{\"pairs\":[" + b"{\"candidate\":\"a\",\"reference\":\"b\"}," * 300 + b"1]}",
              b"{\"pairs\":[{\"candidate\":\"" + b"x" * 70000 + b"\",\"reference\":\"b\"}]}",
              b"{\"pairs\":[{\"candidate\":\"a\",\"reference\":\"b\"}],\"n\":1e999999}"]
    for b in bodies:
        add("body %r" % b[:30], json_post(b"/score", body=b))
    for ct in [b"text/plain", None, b"\xff"]:
        add("content-type %r" % ct, json_post(b"/score", body=b"{\"pairs\":[]}", ctype=ct))
    return c + common_cases(b"/score") + mutations(
        b"/score", b'{"pairs":[{"candidate":"Paris is in France.","reference":"Paris is the capital of France."}]}', 60)


def mutations(path, body, n):
    """n POSTs of body with a few bytes replaced, inserted or cut (seeded: the same corpus every run)."""
    rng = random.Random(20261207)
    c = []
    for i in range(n):
        b = bytearray(body)
        for _ in range(rng.randint(1, 6)):
            op, at = rng.randrange(3), rng.randrange(len(b))
            if op == 0:
                b[at] = rng.randrange(256)
            elif op == 1:
                b[at:at] = bytes([rng.choice(b'{}[]",:\\\x00\xff\xc3u')])
            else:
                del b[at:at + rng.randint(1, 8)]
        c.append(("mutation %d" % i, json_post(path, body=bytes(b)), "http", None))
    return c


def common_cases(post_path):
    """Protocol-level abuse, the same for every service."""
    c = []
    add = lambda n, b, k="http", want=None: c.append((n, b, k, want))
    for v in [b"HTTP/0.9", b"HTTP/2.0", b"HTTP/1.2", b"HTTP/9.9", b"HTTX/1.1", b"", b"HTTP/1.1 extra", b"\xff"]:
        add("version %r" % v, raw(b"GET", b"/health", version=v), "garbage")
    add("huge header", raw(b"GET", b"/health", headers=[(b"X-Big", b"a" * 200000)]), "garbage")
    add("many headers", raw(b"GET", b"/health", headers=[(b"X-H%d" % i, b"v") for i in range(3000)]), "garbage")
    add("header bytes", raw(b"GET", b"/health", headers=[(b"X-\xff", b"\xff\x00\xfe")]), "garbage")
    add("header no colon", b"GET /health HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n", "garbage")
    add("bare LF", b"GET /health HTTP/1.1\nHost: x\n\n", "garbage")
    add("binary noise", bytes(range(256)) * 40, "garbage")
    add("oversized body", json_post(post_path, body=b"{\"a\":\"" + b"x" * (17 << 20) + b"\"}"))
    add("negative length", raw(b"POST", post_path, headers=[(b"Content-Length", b"-5")], body=b"{}", add_length=False),
        "garbage")
    add("huge length", raw(b"POST", post_path, headers=[(b"Content-Length", b"99999999999999999999")], body=b"{}",
                           add_length=False), "garbage")
    add("two lengths", raw(b"POST", post_path, headers=[(b"Content-Length", b"2"), (b"Content-Length", b"5")],
                           body=b"{}", add_length=False), "garbage")
    add("chunked garbage", raw(b"POST", post_path, headers=[(b"Transfer-Encoding", b"chunked")],
                               body=b"zz\r\nabc\r\n0\r\n\r\n", add_length=False), "garbage")
    add("pipelined garbage", raw(b"GET", b"/health") + b"\xff\xfe GARBAGE \r\n\r\n" + raw(b"GET", b"/nowhere"),
        "garbage")
    add("pipelined many", raw(b"GET", b"/health") * 200, "http")
    return c


def send(port, data, timeout, slow=False):
    """Status code of the first answer, 0 when closed without one, -1 on a timeout."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.settimeout(timeout)
    start = time.monotonic()
    try:
        try:
            if slow:
                for i in range(0, len(data), 1):
                    s.sendall(data[i:i + 1])
                    time.sleep(0.01)
                    if time.monotonic() - start > timeout:
                        break
            else:
                s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (or closed) before reading everything: read what it said
        buf = b""
        while b"\r\n" not in buf:
            if time.monotonic() - start > timeout:
                return -1
            try:
                chunk = s.recv(4096)
            except socket.timeout:
                return -1
            except ConnectionResetError:
                break
            if not chunk:
                break
            buf += chunk
        line = buf.split(b"\r\n", 1)[0]
        parts = line.split(b" ")
        if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
            return int(parts[1])
        return 0
    finally:
        s.close()


def health(port, timeout):
    return send(port, raw(b"GET", b"/health"), timeout)


def alive(pid):
    if not pid:
        return True
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--kind", choices=["storage", "scorer"], required=True)
    ap.add_argument("--pid", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=40.0, help="the bound on every answer, seconds")
    ap.add_argument("--batch", type=int, default=25, help="cases between /health checks")
    ap.add_argument("--stall", action="store_true",
                    help="also requests that never complete: answered or closed within --timeout (the idle timeout)")
    a = ap.parse_args()
    cases = storage_cases() if a.kind == "storage" else scorer_cases()
    # slow clients: a valid request trickled byte by byte, and one that stops half-way (answered or closed
    # by the server's connection timeout, never held forever)
    slow = [("slow client", raw(b"GET", b"/health"), "http", {200})]
    failures = 0
    t0 = time.monotonic()
    # requests that never complete (bytes without a line end, a body that stops half-way) are only
    # bounded by the idle timeout: sent in parallel with the rest, each must be answered or closed in time
    post_path = b"/query" if a.kind == "storage" else b"/score"
    stall = [("TLS hello", bytes.fromhex("16030100a5010000a10303") + b"\x00" * 200),
             ("NUL request", b"\x00" * 1000 + b"\r\n\r\n"),
             ("stalled body", raw(b"POST", post_path, headers=[(b"Content-Type", b"application/json"),
                                                              (b"Content-Length", b"100")], body=b"{", add_length=False))]
    stall_failed = []

    def stall_one(name, data):
        code = send(a.port, data, a.timeout)
        if code == -1 or (code >= 500 and code != 505):
            stall_failed.append(name)
            print("FAIL %s: %s" % (name, "not answered or closed within %.0f s" % a.timeout if code == -1 else code),
                  flush=True)
    stall_threads = [threading.Thread(target=stall_one, args=c) for c in (stall if a.stall else [])]
    for t in stall_threads:
        t.start()
    for i, (name, data, kind, want) in enumerate(cases + slow):
        code = send(a.port, data, a.timeout, slow=name == "slow client")
        bad = None
        if code == -1:
            bad = "no answer within %.0f s" % a.timeout
        elif code >= 500 and code != 505:
            bad = "answered %d" % code
        elif kind == "http" and code == 0:
            bad = "closed without an answer"
        elif want and code not in want:
            bad = "answered %d, expected %s" % (code, "/".join(map(str, sorted(want))))
        if bad:
            failures += 1
            print("FAIL %s: %s" % (name, bad), flush=True)
        if (i + 1) % a.batch == 0 or i + 1 == len(cases) + len(slow):
            h = health(a.port, a.timeout)
            if h != 200 or not alive(a.pid):
                failures += 1
                print("FAIL after case %d (%s): /health %d, process %s" % (i + 1, name, h,
                                                                             "alive" if alive(a.pid) else "gone"),
                      flush=True)
    for t in stall_threads:
        t.join()
    failures += len(stall_failed)
    n = len(cases) + len(slow) + len(stall)
    print("%d hostile requests to %s in %.1f s, %d failed" % (n, a.kind, time.monotonic() - t0, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
