"""Python's http.client against an rgi server running the echo application
of tests/client_support/mod.rs.  usage: client_python.py HOST PORT

Each check prints "OK <name>"; the first failure raises (non-zero exit).
"""

import http.client
import sys

HOST, PORT = sys.argv[1], int(sys.argv[2])


def fields(body):
    """The echo app's "key=value" lines (the body comes last, verbatim)."""
    text = body.decode("utf-8", "replace")
    head, _, rest = text.partition("body=")
    out = dict(line.split("=", 1) for line in head.splitlines() if "=" in line)
    out["body"] = rest
    return out


def ok(name):
    print("OK", name, flush=True)


def keep_alive():
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    sock = None
    for i, (method, path, body) in enumerate([
        ("GET", "/a", None),
        ("POST", "/b", b"payload"),
        ("GET", "/c?q=1", None),
        ("PUT", "/d", b""),
    ]):
        conn.request(method, path, body=body)
        resp = conn.getresponse()
        data = fields(resp.read())
        assert resp.status == 200, resp.status
        assert data["REQUEST_METHOD"] == method, data
        assert data["REQUEST_URI"] == path, data
        assert data["body"] == (body or b"").decode(), data
        assert not resp.will_close, f"request {i}: server closes the connection"
        if sock is None:
            sock = conn.sock
        assert conn.sock is sock, f"request {i} used a new connection"
    conn.close()
    ok("keep_alive")


def chunked_upload():
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    parts = [b"first,", b"", b"second,", "third \u2603".encode()]  # an empty part too
    conn.request("POST", "/upload", body=iter(parts), encode_chunked=True,
                 headers={"Transfer-Encoding": "chunked"})
    resp = conn.getresponse()
    data = fields(resp.read())
    assert resp.status == 200, resp.status
    assert data["CONTENT_LENGTH"] == "-", data
    assert data["input_terminated"] == "true", data
    assert data["body"] == b"".join(parts).decode(), data
    # the connection is still usable after a chunked request
    conn.request("GET", "/after")
    resp = conn.getresponse()
    assert fields(resp.read())["REQUEST_URI"] == "/after"
    conn.close()
    ok("chunked_upload")


class RawPathConnection(http.client.HTTPConnection):
    """Sends the request line as Latin-1, so a raw 0xE9 byte goes out as is."""

    def _encode_request(self, request):
        return request.encode("latin-1")


def non_utf8_path():
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    conn.request("GET", "/caf%E9/x%2Fy")
    resp = conn.getresponse()
    data = fields(resp.read())
    assert resp.status == 200, resp.status
    # PATH_INFO: percent-decoded bytes, non-UTF-8 kept; %2F decoded to "/";
    # REQUEST_URI keeps the raw target.
    assert data["PATH_INFO_HEX"] == b"/caf\xe9/x/y".hex(), data
    assert data["REQUEST_URI"] == "/caf%E9/x%2Fy", data
    conn.close()

    conn = RawPathConnection(HOST, PORT, timeout=10)
    conn.request("GET", "/caf\xe9")
    resp = conn.getresponse()
    body = resp.read()
    # A raw non-ASCII byte in the target: either refused (400) or kept exactly.
    if resp.status == 200:
        assert fields(body)["PATH_INFO_HEX"] == b"/caf\xe9".hex(), body
    else:
        assert resp.status == 400, resp.status
    conn.close()
    ok(f"non_utf8_path (raw byte: {resp.status})")


def head():
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    conn.request("GET", "/with-length")
    get = conn.getresponse()
    get_body = get.read()
    conn.request("HEAD", "/with-length")
    resp = conn.getresponse()
    assert resp.status == 200, resp.status
    assert resp.read() == b""
    length = resp.getheader("Content-Length")
    assert length is not None and int(length) > 0, resp.getheaders()
    # "REQUEST_METHOD=HEAD" is as long as "REQUEST_METHOD=GET" plus one
    assert int(length) == len(get_body) + 1, (length, len(get_body))
    # Had the server sent a body after the HEAD head, this would read garbage.
    conn.request("GET", "/after-head")
    resp = conn.getresponse()
    assert resp.status == 200
    assert fields(resp.read())["REQUEST_URI"] == "/after-head"
    conn.close()
    ok("head")


keep_alive()
chunked_upload()
non_utf8_path()
head()
