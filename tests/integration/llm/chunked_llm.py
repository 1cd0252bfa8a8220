#!/usr/bin/env python3
"""chunked_llm.py PORT_FILE -- an LLM that answers every request with a chunked body of 5 MiB (no
Content-Length: a size cap on the announced length cannot see it). Writes its port to PORT_FILE."""
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b'{"response":"' + b"x" * 65536
        try:
            for _ in range(80):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                chunk = b"x" * 65536
            self.wfile.write(b'3\r\n"}\n\r\n0\r\n\r\n')
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up at its cap: what the test wants

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1], "w") as f:
    f.write(str(srv.server_address[1]))
srv.serve_forever()
