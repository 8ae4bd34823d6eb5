// The kernel agent's `read` and a source job on the same connection. An
// interop server reads the client's FTP commands one octet at a time while its
// source job sends; `read` used to wait with settimeout, which makes the socket
// non-blocking for every thread, so the source's send ended with EAGAIN when
// its buffer was full: the kernel server "stopped after 65,536 octets" behind
// the FTP helper now and then (docs/targets/linux-kernel.md). The check is made
// while the read is known to wait (its thread is blocked in poll, from
// /proc), so it does not depend on how the two threads happen to interleave.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { KERNEL_AGENT } from '../../suites/mptcp/net/agent.js';

const PYTHON = '/usr/bin/python3';

/** Runs the agent's functions in-process on a loopback TCP connection: a source job, a read that waits, then the data. */
const SCRIPT = `
import fcntl, importlib.util, json, os, socket, sys, threading, time
spec = importlib.util.spec_from_file_location("agent", sys.argv[1])
agent = importlib.util.module_from_spec(spec)
spec.loader.exec_module(agent)
COUNT = 8 << 20
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(1)
peer = socket.create_connection(listener.getsockname())
conn, _ = listener.accept()
ident = agent.new_id("c", conn)
job = agent.jobs[agent.source({"conn": ident, "count": COUNT, "seed": 3})["job"]]
got = {}
def reader():
    got["tid"] = threading.get_native_id()
    got["read"] = agent.read({"conn": ident, "max": 1, "timeoutMs": 60000})
t = threading.Thread(target=reader); t.start()
# Wait for the read to wait: its thread blocked in poll (syscall 7 on x86_64, ppoll 73 on arm64), bounded.
def waiting():
    try:
        return open("/proc/self/task/%d/syscall" % got["tid"]).read().split()[0] in ("7", "73", "271")
    except (KeyError, OSError):
        return False
for _ in range(20000):
    if waiting(): break
    time.sleep(0.001)
observed = waiting()
nonblocking = bool(fcntl.fcntl(conn.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK)
peer.sendall(b"x")
t.join()
received = 0
while received < COUNT:
    data = peer.recv(262144)
    if not data: break
    received += len(data)
job["event"].wait(60)
print(json.dumps({"observed": observed, "nonblocking": nonblocking, "timeout": conn.gettimeout(), "read": got.get("read"),
                  "received": received, "job": {k: job[k] for k in ("done", "octets", "error")}}))
`;

describe('mptcp: the kernel agent reads on a connection a source job sends on', function () {
  before(function () {
    if (process.platform !== 'linux') this.skip(); // reason: the agent and /proc are Linux's
    if (!existsSync(PYTHON)) this.skip(); // reason: the agent runs on the system's python3
  });

  it('a read that waits leaves the socket blocking, and the source job sends every octet', function () {
    const r = spawnSync(PYTHON, ['-c', SCRIPT, KERNEL_AGENT], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      observed: boolean;
      nonblocking: boolean;
      timeout: number | null;
      read: { data: string; eof: boolean };
      received: number;
      job: { done: boolean; octets: number; error: string | null };
    };
    assert.ok(out.observed, 'the read never showed as waiting in poll: the socket was not looked at while it waited');
    assert.equal(out.nonblocking, false, 'while a read waited, the socket was non-blocking for the source job sending on it');
    assert.equal(out.timeout, null);
    assert.deepEqual(out.read, { data: Buffer.from('x').toString('base64'), eof: false });
    assert.deepEqual(out.job, { done: true, octets: 8 << 20, error: null });
    assert.equal(out.received, 8 << 20);
  });
});

/**
 * The agent's `line` (an interop server's answer to an FTP command): a line that arrives in two pieces, with the next
 * one's octets already behind it, is read to its LF and no further, and the reply is on the wire when the call returns.
 */
const LINE_SCRIPT = `
import base64, importlib.util, json, socket, sys, threading
spec = importlib.util.spec_from_file_location("agent", sys.argv[1])
agent = importlib.util.module_from_spec(spec)
spec.loader.exec_module(agent)
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(1)
peer = socket.create_connection(listener.getsockname())
conn, _ = listener.accept()
ident = agent.new_id("c", conn)
got = {}
def answer():
    got["line"] = agent.line({"conn": ident, "timeoutMs": 60000, "reply": base64.b64encode(b"200 ok\\r\\n").decode()})
t = threading.Thread(target=answer); t.start()
peer.sendall(b"PORT 10,72,")
peer.sendall(b"1,2,78,32\\r\\nPATTERN")
t.join()
peer.settimeout(10)
reply = peer.recv(64)
rest = agent.read({"conn": ident, "max": 64, "timeoutMs": 10000})
print(json.dumps({"line": got["line"], "reply": reply.decode(), "rest": rest}))
`;

describe('mptcp: the kernel agent answers a line', function () {
  before(function () {
    if (process.platform !== 'linux') this.skip(); // reason: the agent runs on Linux
    if (!existsSync(PYTHON)) this.skip(); // reason: the agent runs on the system's python3
  });

  it('reads a line to its LF and no further, and writes the reply before it returns', function () {
    const r = spawnSync(PYTHON, ['-c', LINE_SCRIPT, KERNEL_AGENT], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { line: { data: string; eof: boolean }; reply: string; rest: { data: string; eof: boolean } };
    assert.deepEqual(out.line, { data: Buffer.from('PORT 10,72,1,2,78,32\r\n').toString('base64'), eof: false });
    assert.equal(out.reply, '200 ok\r\n');
    assert.equal(Buffer.from(out.rest.data, 'base64').toString(), 'PATTERN', 'what follows the line is left for the next read');
  });
});
