//! Run an rgi application as a CGI program.
