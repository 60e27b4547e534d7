"""Serve hello_wsgi with wsgiref.simple_server: python wsgiref_server.py HOST PORT."""

import os
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hello_wsgi import application  # noqa: E402


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib signature
        pass


if __name__ == "__main__":
    httpd = make_server(sys.argv[1], int(sys.argv[2]), application, handler_class=QuietHandler)
    httpd.serve_forever()
