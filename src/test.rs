//! An in-process test client: requests through the server's own pipeline, no socket.
