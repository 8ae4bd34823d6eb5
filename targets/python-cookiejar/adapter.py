#!/usr/bin/env python3
"""Python's http.cookiejar through its API, the way urllib uses it.

For each request of a vector: a urllib.request.Request, add_cookie_header() to
get the Cookie header the jar would send, then the scripted response's
Set-Cookie fields parsed by http.client (as urllib would receive them) and
given to extract_cookies(). A fresh CookieJar with the default policy per
vector. The jar's clock is the vector's: http.cookiejar reads time.time().

Speaks the conformatrix adapter contract (docs/adapter-contract.md): JSON-RPC
2.0, one message per line, on stdin and stdout.
"""
import base64
import http.client
import http.cookiejar
import io
import json
import platform
import sys
import time as real_time
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


class Response:
    """What extract_cookies() reads of a urllib response: its headers."""

    def __init__(self, set_cookie_lines):
        raw = b"".join(b"Set-Cookie: " + line + b"\r\n" for line in set_cookie_lines) + b"\r\n"
        self._headers = http.client.parse_headers(io.BytesIO(raw))

    def info(self):
        return self._headers


def run(params):
    jar = http.cookiejar.CookieJar()
    cookies = []
    for r in params["requests"]:
        clock.now = r["now"] / 1000.0 if "now" in r else None
        request = urllib.request.Request(r["url"], method=r["method"])
        jar.add_cookie_header(request)
        header = request.get_header("Cookie") or request.unredirected_hdrs.get("Cookie")
        cookies.append(None if header is None else base64.b64encode(header.encode("latin-1")).decode("ascii"))
        lines = [base64.b64decode(v) for v in r["response"]["setCookie"]]
        if lines:
            jar.extract_cookies(Response(lines), request)
    return {"cookies": cookies}


def hello(_params):
    return {
        "contract": CONTRACT,
        "implementation": {
            "name": "Python http.cookiejar (%s)" % platform.python_implementation(),
            "version": platform.python_version(),
        },
        "capabilities": ["clock"],
    }


METHODS = {"hello": hello, "cookies.run": run}


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
                except Exception as exc:  # the library's own failure is the target's error, not the adapter's crash
                    reply = {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32000, "message": "%s: %s" % (type(exc).__name__, exc)}}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
