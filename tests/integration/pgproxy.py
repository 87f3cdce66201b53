"""A TCP proxy in front of PostgreSQL that can lose one answer: the first
connection whose client sends `trigger` for the `nth` time (a prepared
statement's name appears once in its Parse and once in each Bind) has that
message forwarded, then, after `delay` seconds in which the server runs it,
both sides closed without the reply. Every other connection is relayed
untouched. Tests use it to break a connection right after a statement was
sent (tests/integration/test_db_resend.py).
"""
import socket
import threading
import time


class DropReplyProxy:
    def __init__(self, upstream_port, trigger, nth=2, delay=0.5):
        self.upstream = ("127.0.0.1", upstream_port)
        self.trigger, self.nth, self.delay = trigger, nth, delay
        self.fired = threading.Event()
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            u = socket.create_connection(self.upstream)
            conn = {"armed": not self.fired.is_set(), "seen": 0, "cut": False}
            threading.Thread(target=self._up, args=(c, u, conn), daemon=True).start()
            threading.Thread(target=self._down, args=(u, c, conn), daemon=True).start()

    def _up(self, c, u, conn):
        """Client to server; counts the trigger and cuts after the nth."""
        try:
            while True:
                data = c.recv(65536)
                if not data:
                    break
                if conn["armed"]:
                    conn["seen"] += data.count(self.trigger)
                    if conn["seen"] >= self.nth and self._fire():
                        conn["cut"] = True  # before the server can answer
                        u.sendall(data)
                        time.sleep(self.delay)
                        break
                u.sendall(data)
        except OSError:
            pass
        self._close(c, u)

    def _fire(self):
        with self.lock:
            if self.fired.is_set():
                return False
            self.fired.set()
            return True

    def _down(self, u, c, conn):
        """Server to client, until the connection is cut."""
        try:
            while True:
                data = u.recv(65536)
                if not data or conn["cut"]:
                    break
                c.sendall(data)
        except OSError:
            pass
        self._close(c, u)

    @staticmethod
    def _close(*socks):
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def stop(self):
        self.closed = True
        self.sock.close()
