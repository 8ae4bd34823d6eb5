#!/usr/bin/python3
"""libsoup 3 (GNOME's HTTP library) with its SoupCookieJar, over real HTTP,
through PyGObject (gi).

For each cookies.fetch call, a new client the way libsoup's users set one up:

    session = Soup.Session(proxy_resolver=Gio.SimpleProxyResolver.new(proxy, None),
                           tls_database=Gio.TlsFileDatabase.new(ca_file))
    session.add_feature(Soup.CookieJar())

Everything else is left at libsoup's defaults: the jar's accept policy
(SOUP_COOKIE_JAR_ACCEPT_ALWAYS), and libsoup's own redirect following (no
SOUP_MESSAGE_NO_REDIRECT flag). Each navigation is one Soup.Message sent with
send_and_read_async() on the session; the jar is shared by the call's
navigations and dropped with the session afterwards. The cookie jar is a
session feature: libsoup adds the Cookie header to every request it sends
(redirects included) and stores the Set-Cookie fields of every response, in C.
The adapter never sees a cookie or a header.

libsoup reads the clock in C (g_date_time_new_now_utc, through libc's
clock_gettime). The runner preloads libfaketime into this process (the
manifest's clock), and the adapter sets the process's clock by writing each
navigation's time into libfaketime's clock file before the request
(runner/clock.ts). GLib's main loop and timeouts use the monotonic clock,
which stays real.

Speaks the conformatrix adapter contract (docs/adapter-contract.md): JSON-RPC
2.0, one message per line, on stdin and stdout.
"""
import datetime
import json
import os
import sys

import gi

gi.require_version("Soup", "3.0")
from gi.repository import Gio, GLib, Soup  # noqa: E402

CONTRACT = "1"


def clock_file():
    """libfaketime's clock file, when the runner preloaded libfaketime into
    this process (runner/clock.ts); None otherwise."""
    path = os.environ.get("FAKETIME_TIMESTAMP_FILE")
    if not path:
        return None
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            return path if "libfaketime" in maps.read() else None
    except OSError:
        return None


CLOCK = clock_file()


def set_clock(ms):
    """Sets the process's clock to ms since the epoch (an absolute time, which
    stands still), or back to the real clock for None. The file is replaced
    whole, so that no time call reads half of it. "+0" is the real clock
    (runner/clock.ts REAL_CLOCK: libfaketime keeps the last time on an empty
    file)."""
    spec = "+0"
    if ms is not None:
        t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
        spec = t.strftime("%Y-%m-%d %H:%M:%S") + ".%03d" % (ms % 1000)
    with open(CLOCK + ".new", "w", encoding="ascii") as f:
        f.write(spec)
    os.replace(CLOCK + ".new", CLOCK)


def version():
    return "%d.%d.%d" % (Soup.get_major_version(), Soup.get_minor_version(), Soup.get_micro_version())


def send(session, message, cancellable):
    """Sends one message and runs the main loop until libsoup is done with it
    (redirects included). Returns the final status, or raises GLib.Error."""
    loop = GLib.MainLoop()
    outcome = {}

    def done(source, result):
        try:
            source.send_and_read_finish(result)
            outcome["status"] = message.get_status()
        except GLib.Error as err:
            outcome["error"] = err
        loop.quit()

    session.send_and_read_async(message, GLib.PRIORITY_DEFAULT, cancellable, done)
    loop.run()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["status"]


def fetch(params):
    session = Soup.Session(
        proxy_resolver=Gio.SimpleProxyResolver.new(params["proxy"], None),
        tls_database=Gio.TlsFileDatabase.new(params["ca"]["file"]),
    )
    session.add_feature(Soup.CookieJar())
    # The whole call must end within timeoutMs: one cancellable, cancelled then.
    cancellable = Gio.Cancellable()
    timer = GLib.timeout_add(max(1, int(params["timeoutMs"])), lambda: (cancellable.cancel(), False)[1])
    results = []
    try:
        for nav in params["navigations"]:
            if cancellable.is_cancelled():
                results.append({"error": "timed out before this navigation"})
                continue
            if CLOCK and "now" in nav:
                set_clock(int(nav["now"]))
            message = Soup.Message.new(nav["method"], nav["url"])
            if message is None:
                results.append({"error": "libsoup could not make a message for %r" % nav["url"]})
                continue
            try:
                results.append({"status": send(session, message, cancellable)})
            except GLib.Error as err:
                results.append({"error": "%s (%s %d)" % (err.message, err.domain, err.code)})
    finally:
        if CLOCK:
            set_clock(None)
        if not cancellable.is_cancelled():
            GLib.source_remove(timer)
        session.abort()
        context = GLib.MainContext.default()
        while context.pending():
            context.iteration(False)
    return {"navigations": results}


def hello(_params):
    return {
        "contract": CONTRACT,
        "implementation": {"name": "libsoup", "version": version()},
        "capabilities": ["https", "clock"] if CLOCK else ["https"],
    }


METHODS = {"hello": hello, "cookies.fetch": fetch}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except ValueError:
            reply = {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}}
        else:
            if "id" not in message:
                continue
            method = METHODS.get(message.get("method"))
            if method is None:
                reply = {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "no such method"}}
            else:
                try:
                    reply = {"jsonrpc": "2.0", "id": message["id"], "result": method(message.get("params"))}
                except Exception as exc:
                    reply = {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32000, "message": "%s: %s" % (type(exc).__name__, exc)}}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
