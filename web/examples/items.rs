use rgi_web::{ok, App, Cookie, Json, Request, Response};
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Item {
    id: u64,
    name: String,
    owner: String,
}
pub fn app() -> App {
    App::with_data(std::sync::Mutex::new(Vec::<Item>::new()))
        .get("/items", |req: &mut Request| {
            ok(Json(req.lock::<Vec<Item>>()?.clone()))
        })
        .get("/items/{id}", |req: &mut Request| {
            let id: u64 = req.parse_param("id")?;
            let items = req.lock::<Vec<Item>>()?;
            ok(items.iter().find(|i| i.id == id).cloned().map(Json))
        })
        .post("/items", |req: &mut Request| {
            let mut item: Item = req.json()?;
            item.owner = req.cookie("session")?.unwrap_or("anonymous").into();
            let mut items = req.lock::<Vec<Item>>()?;
            item.id = items.last().map_or(1, |last| last.id + 1);
            items.push(item.clone());
            ok((Json(item), 201))
        })
        .delete("/items/{id}", |req: &mut Request| {
            let id: u64 = req.parse_param("id")?;
            let mut items = req.lock::<Vec<Item>>()?;
            let at = items.iter().position(|i| i.id == id);
            ok(at.map(|at| items.remove(at).name))
        })
        .post("/login", |req: &mut Request| {
            let session = Cookie::build(("session", req.form_value("name")?.unwrap_or_default()));
            ok(Response::redirect_with(303, "/items").cookie(session.path("/").http_only(true)))
        })
}
fn main() -> std::io::Result<()> {
    rgi_web::run(app())
}
