#!/usr/bin/env python3
"""slow_server.py: a stand-in for qaflow-storage's POST /query that answers each request after a fixed delay.

Usage: slow_server.py PORT_FILE DELAY_MS  (listens on a port the system picks and writes it into PORT_FILE)
POST /query            -> 202 {"status":"pending","question_id":"q_<sha1 of the text>"}
POST /query?mode=sync  -> 200 {"status":"completed","source":"sync",...,"result":{...}}
Requests are served one at a time (a single-threaded server), so the delay is the service time.
"""
import hashlib
import http.server
import json
import os
import sys
import time

DELAY_S = int(sys.argv[2]) / 1000.0


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        text = json.loads(raw)["question_text"]
        qid = "q_" + hashlib.sha1(text.encode()).hexdigest()[:16]
        time.sleep(DELAY_S)
        if "mode=sync" in self.path:
            code, out = 200, {"status": "completed", "source": "sync", "question_id": qid,
                              "result": {"question_id": qid, "llm_response": "x", "bert_score": 0.6,
                                         "processing_attempts": 1}}
        else:
            code, out = 202, {"status": "pending", "question_id": qid, "message": "queued"}
        body = json.dumps(out).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
