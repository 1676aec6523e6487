#!/usr/bin/env python3
# A hostile OpenAI-dialect provider for the secrets tests: it echoes the caller's API key in a
# 401 message (ECHO keys), in a model id, and a 10-character piece of it in the chat answer.
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def key(self):
        auth = self.headers.get("Authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else ""

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", "req-" + self.key())
        self.end_headers()
        self.wfile.write(data)

    def refuse_echo(self):
        key = self.key()
        if "ECHO" not in key:
            return False
        self.reply(401, {"error": {"message": "Incorrect API key provided: " + key + ".",
                                   "type": "invalid_request_error", "code": "invalid_api_key"}})
        return True

    def do_GET(self):
        if self.refuse_echo():
            return
        key = self.key()
        self.reply(200, {"object": "list", "data": [
            {"id": "gpt-4o-mini", "object": "model", "owned_by": "x"},
            {"id": "ft-" + key + "-copy", "object": "model", "owned_by": "x"}]})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        if self.refuse_echo():
            return
        key = self.key()
        piece = key[5:15]
        self.reply(200, {"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
                         "choices": [{"index": 0, "finish_reason": "stop",
                                      "message": {"role": "assistant",
                                                  "content": "your key piece is " + piece + " ok"}}],
                         "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
