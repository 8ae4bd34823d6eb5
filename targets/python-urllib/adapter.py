#!/usr/bin/env python3
"""Python's urllib.request with http.cookiejar, over real HTTP.

For each cookies.fetch call, a new opener the way urllib's users build one:

    urllib.request.build_opener(
        ProxyHandler({"http": proxy, "https": proxy}),
        HTTPCookieProcessor(CookieJar()),
        HTTPSHandler(context=ssl.create_default_context(cafile=ca_file)),
    )

with the default DefaultCookiePolicy, and urllib's own HTTPRedirectHandler
following redirects. Each navigation is one opener.open(); the jar is shared by
the call's navigations and dropped afterwards. HTTPCookieProcessor adds the
Cookie header to every request (redirects included) and extracts Set-Cookie
from every response: the adapter never touches cookies or headers.

http.cookiejar reads the clock through time.time(). The adapter replaces the
module's reference to `time` with a clock that returns the navigation's time,
so the target has the "clock" capability. urllib itself is left on real time.

Speaks the conformatrix adapter contract (docs/adapter-contract.md): JSON-RPC
2.0, one message per line, on stdin and stdout.
"""
import http.cookiejar
import json
import platform
import ssl
import sys
import time as real_time
import urllib.error
import urllib.request

CONTRACT = "1"


class Clock:
    """Stands in for the time module inside http.cookiejar only."""

    def __init__(self):
        self.now = None

    def time(self):
        return self.now if self.now is not None else real_time.time()

    def __getattr__(self, name):
        return getattr(real_time, name)


clock = Clock()
http.cookiejar.time = clock


def describe(exc):
    reason = getattr(exc, "reason", None)
    if isinstance(exc, urllib.error.URLError) and reason is not None:
        return "%s: %s (%s: %s)" % (type(exc).__name__, exc, type(reason).__name__, reason)
    return "%s: %s" % (type(exc).__name__, exc)


def fetch(params):
    proxy = params["proxy"]
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": proxy, "https": proxy}),
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=params["ca"]["file"])),
    )
    deadline = real_time.monotonic() + params["timeoutMs"] / 1000.0
    results = []
    for nav in params["navigations"]:
        clock.now = nav["now"] / 1000.0 if "now" in nav else None
        remaining = deadline - real_time.monotonic()
        if remaining <= 0:
            results.append({"error": "timed out before this navigation"})
            continue
        method = nav["method"]
        # POST (or any other method) with an empty body, as a user passes data=b"".
        data = None if method in ("GET", "HEAD") else b""
        request = urllib.request.Request(nav["url"], data=data, method=method)
        try:
            with opener.open(request, timeout=remaining) as response:
                response.read()
                results.append({"status": response.status})
        except urllib.error.HTTPError as exc:
            # urllib raises for 4xx/5xx, and for redirects it will not follow;
            # the response is still a response.
            try:
                exc.read()
            except Exception:
                pass
            finally:
                exc.close()
            results.append({"status": exc.code})
        except Exception as exc:  # the library's failure is this navigation's error
            results.append({"error": describe(exc)})
    clock.now = None
    return {"navigations": results}


def hello(_params):
    return {
        "contract": CONTRACT,
        "implementation": {
            "name": "Python urllib.request + http.cookiejar (%s)" % platform.python_implementation(),
            "version": platform.python_version(),
        },
        "capabilities": ["clock", "https"],
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
                    reply = {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32000, "message": describe(exc)}}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
