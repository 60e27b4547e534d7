//! Gateways that run an application outside `simple_server`.

pub mod cgi;
