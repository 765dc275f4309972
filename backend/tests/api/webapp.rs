//! The built web app is served at `/` beside the API, with its page for the app's own routes.

use crate::common::*;

#[test]
fn the_web_app_is_served_beside_the_api() {
    let dir = std::env::temp_dir().join(format!("rectify-webapp-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>整改</title><div id=app></div>").unwrap();
    std::fs::write(dir.join("assets/index-abc123.js"), "console.log(1)").unwrap();
    let web_dir = dir.clone();
    let app = TestApp::start_with(rectify::db::Backend::Sqlite, move |c| c.web_dir = Some(web_dir)).unwrap();
    let header = |h: &[(String, String)], name: &str| h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());

    // The page, for the root and for any route of the app (a reload on /ledger/3 must work).
    for path in ["/", "/ledger/3", "/measures/12"] {
        let (status, headers, body) = app.get_bytes(path, "", &[]);
        assert_eq!(status, 200, "{path}");
        assert!(String::from_utf8(body).unwrap().contains("整改"));
        assert_eq!(header(&headers, "cache-control").as_deref(), Some("no-cache"));
        assert!(header(&headers, "content-security-policy").unwrap().contains("script-src 'self'"));
    }
    // Hashed assets are cached for good and typed.
    let (status, headers, _) = app.get_bytes("/assets/index-abc123.js", "", &[]);
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").unwrap().contains("javascript"));
    assert!(header(&headers, "cache-control").unwrap().contains("immutable"));
    assert_eq!(header(&headers, "x-content-type-options").as_deref(), Some("nosniff"));
    // Compressed for browsers that ask.
    let big = "console.log('整改');\n".repeat(500);
    std::fs::write(dir.join("assets/big-def456.js"), &big).unwrap();
    let (_, headers, body) = app.get_bytes("/assets/big-def456.js", "", &[("Accept-Encoding", "gzip")]);
    assert_eq!(header(&headers, "content-encoding").as_deref(), Some("gzip"));
    assert!(body.len() < big.len() / 10, "{} bytes", body.len());
    // A browser offering everything gets zstd: brotli costs twice the time for little gain.
    let (_, headers, _) = app.get_bytes("/assets/big-def456.js", "", &[("Accept-Encoding", "gzip, deflate, br, zstd")]);
    assert_eq!(header(&headers, "content-encoding").as_deref(), Some("zstd"));
    // What the build compressed is sent as it is: brotli when accepted, else gzip.
    std::fs::write(dir.join("assets/big-def456.js.br"), b"brotli bytes").unwrap();
    std::fs::write(dir.join("assets/big-def456.js.gz"), b"gzip bytes").unwrap();
    for (accept, encoding, bytes) in [("gzip, deflate, br, zstd", "br", &b"brotli bytes"[..]), ("gzip, br;q=0", "gzip", b"gzip bytes")] {
        let (status, headers, body) = app.get_bytes("/assets/big-def456.js", "", &[("Accept-Encoding", accept)]);
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-encoding").as_deref(), Some(encoding), "{accept}");
        assert_eq!(body, bytes);
        assert!(header(&headers, "content-type").unwrap().contains("javascript"));
        assert_eq!(header(&headers, "vary").as_deref(), Some("Accept-Encoding"));
        assert!(header(&headers, "cache-control").unwrap().contains("immutable"));
    }
    let (_, headers, body) = app.get_bytes("/assets/big-def456.js", "", &[]);
    assert_eq!((header(&headers, "content-encoding"), body.len()), (None, big.len()), "plain for clients that ask for nothing");
    // The API keeps its own 404 (problem+json), and nothing outside the app is reachable.
    let (status, headers, _) = app.get_bytes("/api/v1/nothing-here", "", &[]);
    assert_eq!(status, 404);
    assert!(header(&headers, "content-type").unwrap().contains("application/problem+json"));
    let (status, _, body) = app.get_bytes("/assets/%2e%2e/%2e%2e/etc/passwd", "", &[]);
    assert!(status == 200 && String::from_utf8(body).unwrap().contains("整改"), "served the page, not a file outside");
    std::fs::remove_dir_all(dir).unwrap();
}
