#!/usr/bin/env python3
# A PostgreSQL proxy for fault tests: forwards every connection from a Unix socket in LISTEN_DIR
# to the server's in SERVER_DIR, and while the file ARM exists, drops the first connection that
# inserted usage events right after the server committed that transaction (the server's
# CommandComplete "COMMIT" is not forwarded): the commit is made, its answer lost. It then
# removes ARM and creates ARM.done. While LISTEN_DIR/down exists it cuts every connection and
# refuses new ones at once: an outage that starts in 50 ms, where stopping a server takes seconds.
import os
import socket
import struct
import sys
import threading

listen_dir, server_dir, arm = sys.argv[1], sys.argv[2], sys.argv[3]
SOCKET = ".s.PGSQL.5432"
lock = threading.Lock()
links = set()
down = os.path.join(listen_dir, "down")


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        part = sock.recv(n - len(data))
        if not part:
            raise ConnectionError
        data += part
    return data


class Link:
    def __init__(self, client):
        self.client = client
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.connect(os.path.join(server_dir, SOCKET))
        self.writer = False  # its open transaction sent an INSERT INTO usage_events
        self.inserting = set()  # names of the prepared statements that do
        self.one_byte_answers = threading.Semaphore(0)  # SSL/GSS requests answered with a byte

    def close(self):
        for s in (self.client, self.server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def from_client(self):
        try:
            while True:  # untyped start-up messages: SSL/GSS requests, then the start-up
                head = read_exact(self.client, 8)
                length, code = struct.unpack("!ii", head)
                body = read_exact(self.client, length - 8)
                self.server.sendall(head + body)
                if code in (80877103, 80877104):
                    self.one_byte_answers.release()
                    continue
                break
            while True:
                head = read_exact(self.client, 5)
                body = read_exact(self.client, struct.unpack("!i", head[1:])[0] - 4)
                kind = head[:1]
                inserts = b"usage_events" in body and b"INSERT" in body
                if kind == b"P" and inserts:  # Parse: statement name, then its text
                    self.inserting.add(body.split(b"\0", 1)[0])
                if (kind in (b"P", b"Q") and inserts) or (
                    kind == b"B" and body.split(b"\0", 2)[1] in self.inserting
                ):  # Bind: portal name, then the (named, prepared) statement's
                    self.writer = True
                self.server.sendall(head + body)
        except (ConnectionError, OSError):
            self.close()

    def from_server(self):
        try:
            while True:
                if self.one_byte_answers.acquire(blocking=False):
                    self.client.sendall(read_exact(self.server, 1))
                    continue
                head = read_exact(self.server, 5)
                body = read_exact(self.server, struct.unpack("!i", head[1:])[0] - 4)
                if head[:1] == b"C" and body.startswith(b"COMMIT") and self.writer:
                    with lock:
                        armed = os.path.exists(arm)
                        if armed:
                            os.remove(arm)
                            open(arm + ".done", "w").close()
                    if armed:
                        self.close()
                        return
                if head[:1] == b"C" and body.startswith(b"COMMIT"):
                    self.writer = False  # the next transaction is judged on its own
                self.client.sendall(head + body)
        except (ConnectionError, OSError):
            self.close()


def cut_when_down():
    while True:
        if os.path.exists(down):
            with lock:
                for link in list(links):
                    link.close()
                links.clear()
        threading.Event().wait(0.05)


def main():
    path = os.path.join(listen_dir, SOCKET)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    open(os.path.join(listen_dir, "ready"), "w").close()
    threading.Thread(target=cut_when_down, daemon=True).start()
    while True:
        client, _ = listener.accept()
        if os.path.exists(down):
            client.close()
            continue
        try:
            link = Link(client)
        except OSError:
            client.close()
            continue
        with lock:
            links.add(link)
        threading.Thread(target=link.from_client, daemon=True).start()
        threading.Thread(target=link.from_server, daemon=True).start()


main()
