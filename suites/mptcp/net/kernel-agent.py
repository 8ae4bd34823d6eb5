#!/usr/bin/env python3
"""The Linux kernel's MPTCP, as a peer conformatrix can drive: IPPROTO_MPTCP
sockets (Node.js cannot open them) behind the adapter contract's JSON-RPC,
one message per line on stdin and stdout. Requests are answered in any order (each runs in a thread), so an accept
can wait while the caller injects what completes it. Run it inside a
network namespace:

    ip netns exec NS python3 kernel-agent.py

Methods (params and results are JSON objects; octets are base64):
  hello                          the kernel release and what it offers
  listen {port, addr?, mptcp, fastOpen?} -> {listener}   with fastOpen: TCP_FASTOPEN (a TFO listener)
  accept {listener, timeoutMs}   -> {conn, peer}
  connect {addr, port, mptcp, bind?, timeoutMs, fastOpen?, data?} -> {conn}
                                 with fastOpen: TCP_FASTOPEN_CONNECT, and data is the first write (it sends the SYN)
  write {conn, data}             -> {written}
  read {conn, max, timeoutMs}    -> {data, eof}
  line {conn, timeoutMs, reply?} -> {data, eof}   reads one line (to its LF, at most 512 octets, never past it), then
                                 writes reply, if given, at once: an application answering a command (an FTP server)
  source {conn, count, seed}     starts sending count pattern octets (then keeps the socket) -> {job}
  sink {conn, count?}            starts reading up to count octets or end of stream -> {job}
  wait {job, timeoutMs}          -> {done, octets, sha256, error?}
  shutdown {conn}                our FIN (SHUT_WR)
  close {conn}
  query {conn}                   -> {isMptcp, mptcpInfo?, mptcpInfoError?}
The pattern of source: octet i is (i * 7 + seed) mod 251, so either side can check a transfer.
"""
import base64
import ctypes
import hashlib
import json
import os
import select
import socket
import struct
import sys
import threading
import time

IPPROTO_MPTCP = 262
SOL_MPTCP = 284
MPTCP_INFO = 1
MPTCP_TCPINFO = 2
TCP_IS_MPTCP = 43
TCP_FASTOPEN_CONNECT = 30

objects = {}
jobs = {}
next_id = [1]
lock = threading.Lock()


def new_id(prefix, obj, table=objects):
    with lock:
        ident = "%s%d" % (prefix, next_id[0])
        next_id[0] += 1
        table[ident] = obj
    return ident


def pattern(offset, count, seed):
    return bytes(((offset + i) * 7 + seed) % 251 for i in range(count))


def make_socket(mptcp):
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP if mptcp else socket.IPPROTO_TCP)


def hello(_p):
    return {"contract": "1", "implementation": {"name": "Linux", "version": os.uname().release}, "capabilities": ["mptcp-v1"]}


def listen(p):
    s = make_socket(p.get("mptcp", True))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((p.get("addr", "0.0.0.0"), p["port"]))
    if p.get("fastOpen"):
        # A TCP Fast Open listener: a SYN's data is accepted (net.ipv4.tcp_fastopen says with or without a cookie)
        # and the connection can be accepted, and written to, before the third ACK.
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 8)
    s.listen(p.get("backlog", 8))
    return {"listener": new_id("l", s)}


def accept(p):
    s = objects[p["listener"]]
    s.settimeout(p.get("timeoutMs", 10000) / 1000)
    conn, peer = s.accept()
    conn.settimeout(None)
    return {"conn": new_id("c", conn), "peer": "%s:%d" % peer}


def connect(p):
    s = make_socket(p.get("mptcp", True))
    if p.get("bind"):
        s.bind((p["bind"], 0))
    s.settimeout(p.get("timeoutMs", 10000) / 1000)
    if p.get("fastOpen"):
        # connect() returns at once and sends nothing: the first write sends the SYN (with the data if a cookie is
        # known, with a cookie request otherwise), and returns once the connection is established.
        s.setsockopt(socket.IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1)
        s.connect((p["addr"], p["port"]))
        s.sendall(base64.b64decode(p.get("data", "")))
    else:
        s.connect((p["addr"], p["port"]))
    s.settimeout(None)
    return {"conn": new_id("c", s)}


def write(p):
    data = base64.b64decode(p["data"])
    objects[p["conn"]].sendall(data)
    return {"written": len(data)}


def read(p):
    # The wait is a poll of its own, not settimeout: a timeout makes the socket non-blocking for every thread that uses it,
    # and a source job sending on it meanwhile (an interop server reads the client's commands while it sends) then ends
    # with EAGAIN, or with a timeout, when its send buffer is full.
    s = objects[p["conn"]]
    deadline = time.monotonic() + p.get("timeoutMs", 10000) / 1000
    poller = select.poll()
    poller.register(s, select.POLLIN)
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            raise TimeoutError("timed out")
        try:
            data = s.recv(p.get("max", 65536), socket.MSG_DONTWAIT)
            break
        except BlockingIOError:
            continue  # readable, then nothing to read after all: wait again
    return {"data": base64.b64encode(data).decode(), "eof": len(data) == 0}


def line(p):
    # In this process, so that the reply goes out as soon as the line is in, with no round trip to the caller between them,
    # as an FTP server answers a command; and in few system calls (a look at what arrived, then a read of the line alone,
    # never past it), which a kernel under emulation makes dear.
    s = objects[p["conn"]]
    deadline = time.monotonic() + p.get("timeoutMs", 10000) / 1000
    poller = select.poll()
    poller.register(s, select.POLLIN)
    data = b""
    eof = False
    while not data.endswith(b"\n") and len(data) < 512:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            raise TimeoutError("timed out reading a line after %d octets" % len(data))
        try:
            ahead = s.recv(512 - len(data), socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            continue
        if not ahead:
            eof = True
            break
        end = ahead.find(b"\n")
        data += s.recv(len(ahead) if end < 0 else end + 1)
    if p.get("reply") and not eof:
        s.sendall(base64.b64decode(p["reply"]))
    return {"data": base64.b64encode(data).decode(), "eof": eof}


def start_job(fn):
    job = {"done": False, "octets": 0, "sha256": None, "error": None, "event": threading.Event()}
    ident = new_id("j", job, jobs)

    def body():
        try:
            fn(job)
        except Exception as exc:  # the job's failure is its result
            job["error"] = "%s: %s" % (type(exc).__name__, exc)
        job["done"] = True
        job["event"].set()

    threading.Thread(target=body, daemon=True).start()
    return {"job": ident}


def source(p):
    s, count, seed = objects[p["conn"]], p["count"], p.get("seed", 0)

    def send(job):
        digest = hashlib.sha256()
        offset = 0
        while offset < count:
            chunk = pattern(offset, min(65536, count - offset), seed)
            s.sendall(chunk)
            digest.update(chunk)
            offset += len(chunk)
            job["octets"] = offset
        job["sha256"] = digest.hexdigest()

    return start_job(send)


def sink(p):
    s, count = objects[p["conn"]], p.get("count")

    def receive(job):
        digest = hashlib.sha256()
        while count is None or job["octets"] < count:
            data = s.recv(262144 if count is None else min(262144, count - job["octets"]))
            if not data:
                break
            digest.update(data)
            job["octets"] += len(data)
        job["sha256"] = digest.hexdigest()

    return start_job(receive)


def wait(p):
    job = jobs[p["job"]]
    job["event"].wait(p.get("timeoutMs", 10000) / 1000)
    return {k: job[k] for k in ("done", "octets", "sha256", "error")}


def shutdown(p):
    objects[p["conn"]].shutdown(socket.SHUT_WR)
    return {}


def close(p):
    objects.pop(p["conn"]).close()
    return {}


def query(p):
    s = objects[p["conn"]]
    result = {}
    try:
        info = s.getsockopt(SOL_MPTCP, MPTCP_INFO, 256)
        result["mptcpInfo"] = base64.b64encode(info).decode()
    except OSError as exc:
        info = None
        result["mptcpInfoError"] = exc.strerror or str(exc)
    try:
        result["isMptcp"] = bool(s.getsockopt(socket.SOL_TCP, TCP_IS_MPTCP))
    except OSError:
        # A kernel without TCP_IS_MPTCP (Linux 6.1 has none): an MPTCP socket (SO_PROTOCOL) that answers MPTCP_INFO
        # (one that fell back passes getsockopt to its TCP subflow, which knows no SOL_MPTCP) and whose flags do not
        # say it fell back (bit 0). A plain TCP socket, as accept gives for a peer without MP_CAPABLE, is not.
        fell_back = info is None or (len(info) >= 12 and struct.unpack_from("<I", info, 8)[0] & 1)
        result["isMptcp"] = s.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL) == IPPROTO_MPTCP and not fell_back
        result["isMptcpFrom"] = "SO_PROTOCOL and MPTCP_INFO"
    states = subflow_states(s)
    if states is not None:
        result["subflowStates"] = states
    return result


libc = ctypes.CDLL(None, use_errno=True)


def subflow_states(s, most=8):
    """The TCP state of each subflow (tcpi_state, MPTCP_TCPINFO), or None where the kernel has no MPTCP_TCPINFO."""
    # struct mptcp_subflow_data: size_subflow_data, num_subflows, size_kernel, size_user; then one tcp_info per subflow, size_user octets each.
    size_user = 8
    buf = ctypes.create_string_buffer(struct.pack("=IIII", 16, 0, 0, size_user), 16 + most * size_user)
    length = ctypes.c_uint32(len(buf))
    if libc.getsockopt(s.fileno(), SOL_MPTCP, MPTCP_TCPINFO, buf, ctypes.byref(length)) != 0:
        return None
    _, count, _, _ = struct.unpack_from("=IIII", buf.raw)
    return [buf.raw[16 + i * size_user] for i in range(min(count, most))]


METHODS = {f.__name__: f for f in (hello, listen, accept, connect, write, read, line, source, sink, wait, shutdown, close, query)}


write_lock = threading.Lock()


def handle(message):
    fn = METHODS.get(message.get("method"))
    try:
        if fn is None:
            raise KeyError("no method %s" % message.get("method"))
        reply = {"jsonrpc": "2.0", "id": message["id"], "result": fn(message.get("params") or {})}
    except Exception as exc:
        reply = {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32000, "message": "%s: %s" % (type(exc).__name__, exc)}}
    with write_lock:
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main():
    # Each request runs in a thread of its own: an accept or a read may wait
    # while the caller injects the segments that complete it. Answers carry
    # the request's id and may come in any order.
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if "id" in message:
            threading.Thread(target=handle, args=(message,), daemon=True).start()


if __name__ == "__main__":
    main()
