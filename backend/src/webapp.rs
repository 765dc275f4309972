//! The web app: files of the built single-page app, and its `index.html` for every other path
//! outside the API, so that the app's own routes (`/ledger/3`) survive a reload.

use std::path::{Component, Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::state::AppState;

/// Paths the app never answers with its page: the API and the operational endpoints.
fn is_api(path: &str) -> bool {
    ["/api/", "/healthz", "/readyz", "/metrics"].iter().any(|p| path == p.trim_end_matches('/') || path.starts_with(p))
}

/// The file under `root` that a request path names, without leaving `root`.
pub fn file_for(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let file = root.join(relative);
    file.is_file().then_some(file)
}

/// The build's `.br` or `.gz` twin of `file` that the client accepts (brotli first: smaller).
fn precompressed(file: &Path, accept: Option<&HeaderValue>) -> Option<(PathBuf, header::ContentEncoding)> {
    let accept = accept?.to_str().ok()?;
    [("br", "br", header::ContentEncoding::Brotli), ("gzip", "gz", header::ContentEncoding::Gzip)].into_iter().find_map(
        |(coding, suffix, encoding)| {
            let mut variant = file.as_os_str().to_owned();
            variant.push(format!(".{suffix}"));
            let variant = PathBuf::from(variant);
            (accepts(accept, coding) && variant.is_file()).then_some((variant, encoding))
        },
    )
}

/// Whether an `Accept-Encoding` value accepts `coding` (named, and not with `q=0`).
fn accepts(accept: &str, coding: &str) -> bool {
    accept.split(',').any(|part| {
        let mut params = part.split(';').map(str::trim);
        params.next() == Some(coding) && params.all(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()).is_none_or(|q| q > 0.0))
    })
}

/// Content-Security-Policy of the app: its own scripts only; inline styles for the component
/// library; blob: for previews of evidence fetched with the user's token.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
                   frame-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

pub async fn serve(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let path = req.path();
    // Routes answer their own methods; a request reaching here on an API path asked another.
    if let Some(allow) = req.app_data::<web::Data<crate::api::Methods>>().and_then(|m| m.allowed(path)) {
        return Err(AppError::method_not_allowed(allow.to_string()));
    }
    let root = match &state.config.web_dir {
        Some(root) if !is_api(path) && (req.method() == actix_web::http::Method::GET || req.method() == actix_web::http::Method::HEAD) => {
            root
        }
        _ => return Err(AppError::not_found()),
    };
    let (file, immutable) = match file_for(root, path) {
        // Built assets carry a content hash in their names: cache them for good.
        Some(f) => (f, path.starts_with("/assets/")),
        None => (root.join("index.html"), false),
    };
    let mut named = match precompressed(&file, req.headers().get(header::ACCEPT_ENCODING)) {
        // Compressed at build time; the type is the original file's.
        Some((variant, encoding)) => NamedFile::open_async(&variant)
            .await
            .map_err(|_| AppError::not_found())?
            .set_content_type(actix_files::file_extension_to_mime(file.extension().and_then(|e| e.to_str()).unwrap_or_default()))
            .set_content_encoding(encoding),
        None => NamedFile::open_async(&file).await.map_err(|_| AppError::not_found())?,
    };
    named = named.disable_content_disposition();
    let mut response = named.into_response(&req);
    let headers = response.headers_mut();
    if immutable {
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_stay_inside_the_app() {
        let root = std::env::temp_dir().join(format!("rectify-web-{}", std::process::id()));
        std::fs::create_dir_all(root.join("assets")).unwrap();
        std::fs::write(root.join("assets/app.js"), "x").unwrap();
        assert_eq!(file_for(&root, "/assets/app.js"), Some(root.join("assets/app.js")));
        assert_eq!(file_for(&root, "/assets/../assets/app.js"), None);
        assert_eq!(file_for(&root, "/ledger/3"), None);
        assert_eq!(file_for(&root, "/"), None);
        assert!(accepts("gzip, deflate, br, zstd", "br") && accepts("br;q=0.5", "br") && !accepts("br;q=0, gzip", "br"));
        assert!(!accepts("gzip", "br") && accepts("gzip, br;q=0", "gzip"));
        assert!(is_api("/api/v1/measures") && is_api("/healthz") && !is_api("/apiary") && !is_api("/audit"));
        std::fs::remove_dir_all(root).unwrap();
    }
}
