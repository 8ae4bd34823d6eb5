#!/usr/bin/python3 -S
"""The linux-6.1 guest's init (PID 1 of the initramfs build-vm.sh packs).
It mounts what the kernel agent needs, loads the virtio modules, names the
vector NIC sut0 (found by the MAC the harness gave it), then serves the
harness over the virtio serial port named "conformatrix": JSON objects, one a
line, as in the adapter contract.

Requests ({"id", "method", "params"}), answered in any order:
  exec {argv, ns?, input?}  runs a command (in a network namespace) -> {stdout}; a non-zero exit is an error with its stderr
  spawn {argv, ns?}         starts a process -> {child}; its stdout lines come as {"method": "out", "params": {child, line}},
                            its end as {"method": "exit", "params": {child, code, stderr}}
  agent {ns?}               starts the kernel agent (kernel-agent.py) in a namespace, as spawn does, but forked from
                            this process, which imported it at boot: under TCG a new interpreter takes seconds
  input {child, line}       writes a line to its stdin (no answer: a notification)
  end {child}               closes its stdin (no answer)
  kill {child}              SIGKILL (no answer)
Once serving it sends {"method": "ready", "params": {"release": uname -r}}.
"""
import ctypes
import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading

NIC_MAC = "52:54:00:cf:00:01"
PORT_NAME = "conformatrix"
CLONE_NEWNET = 0x40000000
SYS_FINIT_MODULE = 313  # x86_64

libc = ctypes.CDLL(None, use_errno=True)


def mount(source, target, fstype):
    os.makedirs(target, exist_ok=True)
    if libc.mount(source.encode(), target.encode(), fstype.encode(), 0, None) != 0:
        raise OSError(ctypes.get_errno(), "mount %s on %s" % (fstype, target))


def load_modules():
    for name in open("/lib/modules/load-order").read().split():
        fd = os.open("/lib/modules/" + name, os.O_RDONLY)
        try:
            if libc.syscall(SYS_FINIT_MODULE, fd, b"", 0) != 0 and ctypes.get_errno() != 17:  # EEXIST: built in
                raise OSError(ctypes.get_errno(), "finit_module " + name)
        finally:
            os.close(fd)


def find(folder, attribute, value):
    for entry in os.listdir(folder):
        try:
            if open("%s/%s/%s" % (folder, entry, attribute)).read().strip() == value:
                return entry
        except OSError:
            pass
    return None


def enter(ns):
    """A preexec_fn: the child joins the network namespace ns (made by ip netns add)."""
    if not ns:
        return None

    def join():
        fd = os.open("/run/netns/" + ns, os.O_RDONLY)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + ns)
        os.close(fd)

    return join


def load_agent():
    spec = importlib.util.spec_from_file_location("kernel_agent", "/opt/conformatrix/kernel-agent.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


AGENT = None


class Forked:
    """The kernel agent in a child forked from init, in a namespace: what relay() needs of a Popen."""

    def __init__(self, ns):
        stdin, self._stdin = os.pipe()
        self._stdout, stdout = os.pipe()
        self._stderr, stderr = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            code = 0
            try:
                if ns:
                    enter(ns)()
                for fd, to in ((stdin, 0), (stdout, 1), (stderr, 2)):
                    os.dup2(fd, to)
                os.closerange(3, 1024)
                sys.stdin = open(0, "r")
                sys.stdout = open(1, "w")
                sys.stderr = open(2, "w")
                AGENT.main()
            except BaseException as exc:
                print("kernel agent: %r" % (exc,), file=sys.stderr, flush=True)
                code = 1
            finally:
                os._exit(code)
        for fd in (stdin, stdout, stderr):
            os.close(fd)
        self.stdin = os.fdopen(self._stdin, "wb")
        self.stdout = os.fdopen(self._stdout, "rb")
        self.stderr = os.fdopen(self._stderr, "rb")

    def wait(self):
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)

    def kill(self):
        os.kill(self.pid, signal.SIGKILL)


class Server:
    def __init__(self, port):
        self.port = port
        self.lock = threading.Lock()
        self.children = {}
        self.next = 1

    def send(self, message):
        data = (json.dumps(message) + "\n").encode()
        with self.lock:
            while data:
                data = data[os.write(self.port, data) :]

    def exec(self, p):
        data = p.get("input")
        r = subprocess.run(p["argv"], preexec_fn=enter(p.get("ns")), input=data.encode() if data is not None else None, capture_output=True)
        if r.returncode != 0:
            raise RuntimeError("%s: exit %d: %s" % (" ".join(p["argv"]), r.returncode, r.stderr.decode(errors="replace").strip()))
        return {"stdout": r.stdout.decode(errors="replace")}

    def spawn(self, p):
        return self.relay(subprocess.Popen(p["argv"], preexec_fn=enter(p.get("ns")), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE))

    def agent(self, p):
        return self.relay(Forked(p.get("ns")))

    def relay(self, child):
        ident = "p%d" % self.next
        self.next += 1
        self.children[ident] = child
        errors = []
        threading.Thread(target=lambda: errors.append(child.stderr.read().decode(errors="replace")), daemon=True).start()

        def relay():
            for line in child.stdout:
                self.send({"method": "out", "params": {"child": ident, "line": line.decode(errors="replace").rstrip("\n")}})
            code = child.wait()
            self.children.pop(ident, None)
            self.send({"method": "exit", "params": {"child": ident, "code": code, "stderr": "".join(errors)[-4000:]}})

        threading.Thread(target=relay, daemon=True).start()
        return {"child": ident}

    def notification(self, m):
        child = self.children.get((m.get("params") or {}).get("child"))
        if child is None:
            return
        try:
            if m["method"] == "input":
                child.stdin.write((m["params"]["line"] + "\n").encode())
                child.stdin.flush()
            elif m["method"] == "end":
                child.stdin.close()
            elif m["method"] == "kill":
                child.kill()
        except OSError:
            pass  # It has ended: its exit notification says so.

    def handle(self, m):
        try:
            fn = {"exec": self.exec, "spawn": self.spawn, "agent": self.agent}[m["method"]]
            self.send({"id": m["id"], "result": fn(m.get("params") or {})})
        except Exception as exc:
            self.send({"id": m["id"], "error": {"message": "%s: %s" % (type(exc).__name__, exc)}})

    def serve(self):
        self.send({"method": "ready", "params": {"release": os.uname().release}})
        pending = b""
        while True:
            chunk = os.read(self.port, 65536)
            if not chunk:
                continue  # No host on the other side for now: a virtio port reads end-of-file then.
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if not line.strip():
                    continue
                m = json.loads(line)
                if "id" in m:
                    threading.Thread(target=self.handle, args=(m,), daemon=True).start()
                else:
                    self.notification(m)


def main():
    # The kernel gives init no PATH; iproute2's ip and procps's sysctl are in /usr/sbin.
    os.environ["PATH"] = "/usr/sbin:/usr/bin"
    mount("proc", "/proc", "proc")
    mount("sysfs", "/sys", "sysfs")
    mount("devtmpfs", "/dev", "devtmpfs")
    mount("tmpfs", "/run", "tmpfs")
    mount("tmpfs", "/tmp", "tmpfs")
    global AGENT
    AGENT = load_agent()
    load_modules()
    nic = find("/sys/class/net", "address", NIC_MAC)
    if nic is None:
        raise SystemExit("no NIC with MAC %s" % NIC_MAC)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "link", "set", nic, "name", "sut0"], check=True)
    port = find("/sys/class/virtio-ports", "name", PORT_NAME)
    if port is None:
        raise SystemExit("no virtio port named %s" % PORT_NAME)
    Server(os.open("/dev/" + port, os.O_RDWR)).serve()


if __name__ == "__main__":
    try:
        main()
    except BaseException as exc:  # PID 1 must not exit: the kernel would panic with no word of why.
        print("conformatrix guest init failed: %r" % (exc,), file=sys.stderr, flush=True)
        libc.reboot(0x4321FEDC)  # LINUX_REBOOT_CMD_POWER_OFF: qemu exits, and the harness reads the console.
