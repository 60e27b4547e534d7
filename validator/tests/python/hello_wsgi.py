"""A plain WSGI hello application for validator/tests/validator_python_servers.rs.

It answers every request with 200, a Content-Type, a Content-Length and
``Hello, world!``, and reads the request body (so that keep-alive servers
can reuse the connection), as a typical application does. Whatever the
validator reports against it comes from the server.
"""

BODY = b"Hello, world!"


def application(environ, start_response):
    # PEP 3333: read no more than CONTENT_LENGTH (wsgiref's input is the
    # socket itself).
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    while length > 0:
        chunk = environ["wsgi.input"].read(min(length, 65536))
        if not chunk:
            break
        length -= len(chunk)
    start_response(
        "200 OK",
        [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))],
    )
    return [BODY]
