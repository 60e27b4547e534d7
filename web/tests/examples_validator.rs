//! Every example application passes the validator's whole catalogue
//! in-process with no error and no warning.

#[allow(dead_code)]
#[path = "../examples/items.rs"]
mod items;
#[allow(dead_code)]
#[path = "../examples/pysgi.rs"]
mod pysgi;
#[allow(dead_code)]
#[path = "../examples/rest.rs"]
mod rest;
#[allow(dead_code)]
#[path = "../examples/socketify.rs"]
mod socketify;

use rgi_validator::check_app;

#[test]
fn pysgi_passes_the_catalogue_in_process() {
    check_app(pysgi::app()).assert_clean();
}

#[test]
fn rest_passes_the_catalogue_in_process() {
    check_app(rest::app()).assert_clean();
}

#[test]
fn socketify_passes_the_catalogue_in_process() {
    check_app(socketify::app()).assert_clean();
}

#[test]
fn items_passes_the_catalogue_in_process() {
    check_app(items::app()).assert_clean();
}
