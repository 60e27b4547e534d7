//! The four examples pass the validator's whole catalogue in process with
//! no error and no warning, and do what their seeds describe, every
//! response checked by the validator (`rgi::test::TestClient` validates by
//! default; each helper here also asserts that there is no finding at all).

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

use rgi::test::{TestClient, TestRequest, TestResponse};
use rgi_validator::check_app;
use serde_json::Value;

#[test]
fn every_example_passes_the_catalogue_in_process() {
    check_app(pysgi::app()).assert_clean();
    check_app(rest::app()).assert_clean();
    check_app(socketify::app()).assert_clean();
    check_app(items::app()).assert_clean();
}

/// Sends `request` and asserts that the validator found nothing.
fn send(client: &TestClient, request: TestRequest) -> TestResponse {
    let res = client.request(request);
    assert!(res.findings().is_empty(), "findings: {:?}", res.findings());
    assert!(res.is_complete(), "{:?}", res.problem());
    res
}

fn get(client: &TestClient, target: &str) -> TestResponse {
    send(client, TestRequest::get(target))
}

fn json(res: &TestResponse) -> Value {
    serde_json::from_slice(res.body()).unwrap_or_else(|e| panic!("{e}: {}", res.text()))
}

#[test]
fn pysgi_routes() {
    let client = TestClient::new(pysgi::app());
    for target in ["/", "/no-request", "/status", "/response"] {
        let res = get(&client, target);
        assert_eq!(res.status(), 200, "{target}");
        assert!(res.text().starts_with("Hello World"), "{target}");
    }
    let res = send(&client, TestRequest::post("/").body("x"));
    assert_eq!(res.text(), "Hello World!");
    assert_eq!(
        get(&client, "/").header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        get(&client, "/response").header("content-type"),
        Some("text/plain")
    );

    let res = get(&client, "/cookies");
    assert_eq!(res.header("set-cookie"), Some("Auth=utokenAuth123"));
    assert_eq!(res.header("authorization"), Some("utokenAuth123"));

    for method in ["DELETE", "POST"] {
        let res = send(&client, TestRequest::new(method, "/user"));
        assert_eq!(res.text(), format!("{method} /user"));
    }
    let res = get(&client, "/user");
    assert_eq!(res.status(), 405);
    assert_eq!(res.header("allow"), Some("DELETE, POST, OPTIONS"));

    let res = send(
        &client,
        TestRequest::post("/request?a=1&a=2&b=x%20y")
            .header("Cookie", "Auth=t1; theme=dark")
            .header("X-Custom", "v")
            .body("the body"),
    );
    let seen = json(&res);
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["path"], "/request");
    assert_eq!(seen["body"], "the body");
    assert_eq!(seen["args"]["b"], "x y");
    assert_eq!(seen["cookies"]["Auth"], "t1");
    assert_eq!(seen["cookies"]["theme"], "dark");
    assert_eq!(seen["headers"]["x-custom"], "v");
}

#[test]
fn rest_info_round_trip() {
    let client = TestClient::new(rest::app());
    assert_eq!(get(&client, "/test").text(), "This is not a test");
    let res = get(&client, "/info");
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(json(&res)["name"], "Michael Caine");
    let res = send(
        &client,
        TestRequest::post("/info")
            .header("Content-Type", "application/json")
            .body(r#"{"name": "Peter Sellers"}"#),
    );
    assert_eq!(res.status(), 204);
    assert!(res.body().is_empty());
    assert_eq!(json(&get(&client, "/info"))["name"], "Peter Sellers");
}

#[test]
fn socketify_tour() {
    let client = TestClient::new(socketify::app());
    let res = get(&client, "/");
    assert_eq!(
        (res.text().as_str(), res.header("x-example")),
        ("Hello, World!", Some("socketify"))
    );
    let res = get(&client, "/send_in_parts");
    assert_eq!(res.text(), "I can send messages in parts!");
    assert_eq!(res.header("transfer-encoding"), Some("chunked"));
    let res = get(&client, "/empty");
    assert_eq!((res.status(), res.body()), (200, &b""[..]));
    let res = get(&client, "/redirect");
    assert_eq!(
        (res.status(), res.header("location")),
        (302, Some("/redirected"))
    );
    assert_eq!(get(&client, "/not_found").status(), 404);
    assert_eq!(get(&client, "/ok").text(), "OK");
    assert_eq!(get(&client, "/json").text(), r#"{"Hello":"World!"}"#);
    let res = get(&client, "/with_headers");
    assert_eq!(res.header("x-rate-limit-remaining"), Some("10"));
    assert_eq!(res.header("another-headers"), Some("Value"));
    let res = get(&client, "/custom_header");
    assert_eq!(res.header("content-type"), Some("application/octet-stream"));
    assert_eq!(
        res.header("content-disposition"),
        Some("attachment; filename=\"message.txt\"")
    );
    assert_eq!(get(&client, "/user/1").text(), "Hello user with id 1!");
    assert!(get(&client, "/user/2").text().contains(r#"("id", "2")"#));
    let res = send(
        &client,
        TestRequest::get("/headers").header("Authorization", "Bearer t"),
    );
    assert!(
        res.text().starts_with("Authorization: Bearer t\n"),
        "{}",
        res.text()
    );
    assert!(
        res.text().contains("Header authorization: Bearer t"),
        "{}",
        res.text()
    );
    let res = get(&client, "/query?search=rust&page=2");
    assert!(res.text().starts_with("search: rust\n"), "{}", res.text());
    assert!(res.text().contains(r#"("page", "2")"#), "{}", res.text());
    let res = send(
        &client,
        TestRequest::get("/cookies").header("Cookie", "session_id=abc"),
    );
    assert_eq!(res.text(), "Your session_id cookie is: abc");
    let set = res.header("set-cookie").unwrap_or_default();
    for part in [
        "session_id=1234567890",
        "HttpOnly",
        "SameSite=None",
        "Secure",
        "Path=/",
        "Expires=",
    ] {
        assert!(set.contains(part), "{part} in {set}");
    }
    let res = send(
        &client,
        TestRequest::get("/ip").header("X-Forwarded-For", "203.0.113.9"),
    );
    assert!(
        res.text().contains("Your proxied IP is: 203.0.113.9"),
        "{}",
        res.text()
    );
    for target in ["/error", "/panic"] {
        let res = get(&client, target);
        assert_eq!(
            (res.status(), res.text().as_str()),
            (500, "Sorry we did something wrong"),
            "{target}"
        );
        assert!(
            res.log().contains("Oops!"),
            "{target}: the error is logged: {}",
            res.log()
        );
    }
}

#[test]
fn items_service() {
    let client = TestClient::new(items::app());
    assert_eq!(get(&client, "/items").text(), "[]");
    let login = send(
        &client,
        TestRequest::post("/login")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("name=ada"),
    );
    assert_eq!(
        (login.status(), login.header("location")),
        (303, Some("/items"))
    );
    assert_eq!(
        login.header("set-cookie"),
        Some("session=ada; HttpOnly; Path=/")
    );
    let created = send(
        &client,
        TestRequest::post("/items")
            .header("Cookie", "session=ada")
            .body(r#"{"name":"apple"}"#),
    );
    assert_eq!(created.status(), 201);
    assert_eq!(
        json(&created),
        serde_json::json!({"id": 1, "name": "apple", "owner": "ada"})
    );
    let second = send(
        &client,
        TestRequest::post("/items").body(r#"{"name":"pear"}"#),
    );
    assert_eq!(json(&second)["owner"], "anonymous");
    assert_eq!(json(&get(&client, "/items/2"))["name"], "pear");
    assert_eq!(
        json(&get(&client, "/items")).as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        send(&client, TestRequest::delete("/items/1")).text(),
        "apple"
    );
    assert_eq!(send(&client, TestRequest::delete("/items/1")).status(), 404);
    assert_eq!(get(&client, "/items/1").status(), 404);
    assert_eq!(get(&client, "/items/x").status(), 400);
}

/// Bad input is a clear 4xx with its reason in the log: never a panic,
/// never a 500.
#[test]
fn bad_input_is_a_clear_4xx() {
    let pysgi = TestClient::new(pysgi::app());
    let rest = TestClient::new(rest::app());
    let socketify = TestClient::new(socketify::app());
    let items = TestClient::new(items::app());
    let cases: Vec<(&str, TestResponse, u16, &str)> = vec![
        (
            "malformed Cookie header",
            pysgi.request(TestRequest::get("/request").header("Cookie", "Auth=1; garbage")),
            400,
            "malformed Cookie header",
        ),
        (
            "bad JSON",
            rest.request(TestRequest::post("/info").body("{\"name\": ")),
            400,
            "not valid JSON",
        ),
        (
            "JSON of the wrong shape",
            items.request(TestRequest::post("/items").body("{\"name\": 5}")),
            400,
            "invalid type",
        ),
        (
            "oversized body",
            rest.request(TestRequest::post("/info").body(vec![b' '; 2 * 1024 * 1024 + 1])),
            413,
            "larger than this application accepts",
        ),
        (
            "oversized chunked body",
            rest.request(
                TestRequest::post("/info")
                    .body(vec![b' '; 2 * 1024 * 1024 + 1])
                    .chunked(),
            ),
            413,
            "larger than this application accepts",
        ),
        (
            "bad percent-escape in a path parameter",
            socketify.request(TestRequest::get("/user/%zz")),
            400,
            "invalid percent-escape",
        ),
        (
            "path parameter of the wrong type",
            socketify.request(TestRequest::get("/user/abc")),
            400,
            "path parameter `id`",
        ),
        (
            "non-UTF-8 path",
            socketify.request(TestRequest::get("/user/%ff%fe")),
            404,
            "not UTF-8",
        ),
    ];
    for (what, res, status, logged) in cases {
        assert_eq!(res.status(), status, "{what}: {}", res.text());
        assert!(res.errors().is_empty(), "{what}: {:?}", res.errors());
        assert!(
            res.log().contains(logged),
            "{what}: the log says why: {:?}",
            res.log()
        );
        assert!(!res.log().contains("panicked"), "{what}: {}", res.log());
    }
}

/// A Range past the end of a file is 416 with `Content-Range: bytes */LEN`
/// and the reason logged; no 500, no panic.
#[test]
fn a_range_past_the_end_is_416() {
    let dir = std::env::temp_dir().join(format!("rgi-web-range-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("ten.txt"), "0123456789").expect("write");
    let app = rgi_web::App::new().mount("/files", rgi_web::StaticDir::new(&dir).expect("dir"));
    let client = TestClient::new(app);
    let res = send(
        &client,
        TestRequest::get("/files/ten.txt").header("Range", "bytes=10-20"),
    );
    assert_eq!(res.status(), 416);
    assert_eq!(res.header("content-range"), Some("bytes */10"));
    assert!(
        res.log()
            .contains("416: the Range \"bytes=10-20\" has no byte"),
        "{}",
        res.log()
    );
    let res = send(
        &client,
        TestRequest::get("/files/ten.txt").header("Range", "bytes=8-20"),
    );
    assert_eq!((res.status(), res.text().as_str()), (206, "89"));
    assert_eq!(res.header("content-range"), Some("bytes 8-9/10"));
    let _ = std::fs::remove_dir_all(&dir);
}
