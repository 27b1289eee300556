"""Test-only stand-in for `mlflow-c server --ui-dir`: serves MLflow's UI build and forwards the rest.

    python3 uiproxy.py PORT BUILD_DIR BACKEND_URL

`/` answers BUILD_DIR/index.html, `/static-files/<path>` the build's files; every other request goes to
BACKEND_URL (method, headers, body) and its answer comes back as is. For trying the browser scenarios on a
server that does not serve the UI itself yet; run_ui_tests.py uses it when mlflow-c has no --ui-dir.
"""
import http.client
import mimetypes
import os
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, BUILD, BACKEND = int(sys.argv[1]), os.path.realpath(sys.argv[2]), urllib.parse.urlsplit(sys.argv[3])
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
       "proxy-authenticate", "host"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _static(self, rel):
        path = os.path.realpath(os.path.join(BUILD, rel))
        if not path.startswith(BUILD + os.sep) or not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(path)[0] or "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        conn = http.client.HTTPConnection(BACKEND.hostname, BACKEND.port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    def _route(self):
        p = urllib.parse.urlsplit(self.path).path
        if p == "/":
            self._static("index.html")
        elif p.startswith("/static-files/"):
            self._static(urllib.parse.unquote(p[len("/static-files/"):]))
        else:
            self._forward()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _route


if __name__ == "__main__":
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
