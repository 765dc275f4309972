//! Rectify: tracks the rectification (整改) of problems fed back by an inspection (巡察).
//!
//! Layout: `api` (routes and thin handlers) → `auth` (who may call) → `domain` (what happens,
//! over a database connection) → `db`/`schema`/`models` (storage on SQLite or PostgreSQL).

pub mod api;
pub mod auth;
pub mod backup;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod metrics;
pub mod middleware;
pub mod models;
pub mod schema;
pub mod shared_read;
pub mod state;
pub mod storage;
pub mod sweeper;
pub mod webapp;

use std::net::TcpListener;

use actix_web::{dev::Server, middleware::from_fn, web, App, HttpServer};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{json_error, query_error};
use crate::state::AppState;

/// Builds the HTTP server on an already bound listener (tests bind port 0).
pub fn server(state: web::Data<AppState>, listener: TcpListener) -> std::io::Result<Server> {
    let workers = state.config.workers;
    let (pool, storage, config) = (state.pool.clone(), state.storage.clone(), state.config.clone());
    let (state_pool, reminder_interval) = (pool.clone(), config.reminder_interval);
    let sweeper = sweeper::sweep_periodically(
        pool,
        storage,
        std::time::Duration::from_secs(config.sweep_grace),
        std::time::Duration::from_secs(config.sweep_interval),
    );
    let doc = api::openapi();
    let methods = web::Data::new(api::Methods::of(&doc));
    let max_json = state.config.max_json_body;
    let mut server = HttpServer::new(move || {
        App::new()
            .into_utoipa_app()
            .app_data(state.clone())
            .app_data(methods.clone())
            .app_data(web::JsonConfig::default().limit(max_json).error_handler(|e, _| json_error(e).into()))
            .app_data(web::QueryConfig::default().error_handler(|e, _| query_error(e).into()))
            .app_data(web::PathConfig::default().error_handler(|_, req| api::Methods::path_error(req).into()))
            .configure(api::ops::routes)
            .service(utoipa_actix_web::scope("/api/v1").configure(api::routes))
            .into_app()
            .route(
                "/api/docs",
                web::get().to(|| async { actix_web::HttpResponse::PermanentRedirect().insert_header(("Location", "/api/docs/")).finish() }),
            )
            .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", doc.clone()))
            .default_service(web::to(webapp::serve))
            // zstd or gzip for clients that ask (large JSON lists; the web app's files come compressed).
            .wrap(actix_web::middleware::Compress::default())
            .wrap(from_fn(middleware::observe))
    })
    // Responses leave in several writes (headers, then a compressed body in chunks): without
    // TCP_NODELAY the last one waits for the client's delayed ACK, some 40 ms.
    .on_connect(|conn, _| {
        if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
            let _ = tcp.set_nodelay(true);
        }
    })
    .listen(listener)?
    .shutdown_timeout(30);
    if let Some(n) = workers {
        server = server.workers(n);
    }
    let reminders = sweeper::remind_periodically(state_pool, std::time::Duration::from_secs(reminder_interval));
    let server = server.run();
    // Run on the server's runtime and stop with it.
    actix_web::rt::spawn(sweeper);
    actix_web::rt::spawn(reminders);
    Ok(server)
}

/// Sets up logging once: text or JSON lines, level from `RUST_LOG` (default `info`).
pub fn init_logging(format: config::LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        config::LogFormat::Json => builder.json().flatten_event(true).try_init(),
        config::LogFormat::Text => builder.try_init(),
    };
}
