//! A chat server (socketify's pub/sub, bareASGI's websocket handler): a page,
//! and a WebSocket per room at `/ws/{room}`; every message a socket sends is
//! published to everyone in the room, the sender included. `GET
//! /rooms/{room}` tells how many are connected; `/echo` is a WebSocket that
//! sends every message back (the benchmark's echo, `ws_bench.rs`).
//!
//! ```sh
//! cargo run -p rgi-web --example chat [ADDR]   # default localhost:8000
//! ```

use rgi_web::{escape_html, App, Request, Response, WsUpgrade};

const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>rgi chat: ROOM</title>
<h1>Room ROOM</h1>
<ul id="log"></ul>
<form id="say"><input id="text" autocomplete="off" autofocus><button>Send</button></form>
<script>
const log = document.getElementById("log");
const ws = new WebSocket(`ws://${location.host}/ws/${encodeURIComponent("ROOM")}`);
ws.onopen = () => { window.chatOpen = true; };
ws.onmessage = (e) => { const li = document.createElement("li"); li.textContent = e.data; log.append(li); };
document.getElementById("say").onsubmit = (e) => {
  e.preventDefault();
  const text = document.getElementById("text");
  ws.send(text.value);
  text.value = "";
};
</script>
"#;

fn room_page(req: &mut Request) -> Response {
    let room = req.param("room").unwrap_or("lobby");
    Response::html(PAGE.replace("ROOM", &escape_html(room)))
}

fn chat(req: &mut Request, ws: WsUpgrade) -> Result<Response, rgi_web::Error> {
    let room = req.param("room").unwrap_or("lobby").to_owned();
    ws.accept(None, move |mut socket| {
        socket.subscribe(&room);
        while let Some(message) = socket.receive()? {
            socket.topics().publish(&room, message);
        }
        Ok(())
    })
}

fn main() -> std::io::Result<()> {
    let app = App::new();
    let topics = app.topics();
    let app = app
        .get("/", |_req: &mut Request| Response::redirect("/room/lobby"))
        .get("/room/{room}", room_page)
        .get("/rooms/{room}", move |req: &mut Request| {
            let room = req.param("room").unwrap_or("lobby");
            format!("{}\n", topics.num_subscribers(room))
        })
        .ws("/ws/{room}", chat)
        .ws("/echo", |_req: &mut Request, ws: WsUpgrade| {
            ws.accept(None, |mut socket| {
                while let Some(message) = socket.receive()? {
                    socket.send(message)?;
                }
                Ok(())
            })
        });
    rgi_web::run(app)
}
