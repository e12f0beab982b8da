//! The shared HTTP client against real loopback servers: credentials arrive,
//! transient failures are retried with `Retry-After`, other statuses are not.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use sdmx_gateway::transport::{
    Auth, HttpClient, HttpSettings, RetryPolicy, Secret, TransportError,
};

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn fast_retry(attempts: usize) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        initial_delay_ms: 10,
        max_delay_secs: 5,
    }
}

async fn echo_auth(headers: HeaderMap) -> String {
    let get = |h: &str| {
        headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
            .to_owned()
    };
    format!(
        "{}|{}|{}|{}",
        get("authorization"),
        get("x-api-key"),
        get("x-extra"),
        get("user-agent")
    )
}

#[tokio::test]
async fn credentials_headers_and_user_agent_are_sent() {
    let base = serve(Router::new().route("/", get(echo_auth))).await;
    let url = format!("{base}/");
    let cases = [
        (
            Auth::Bearer {
                token: Secret::Inline("t0k".into()),
            },
            "Bearer t0k|-",
        ),
        (
            Auth::Basic {
                username: "u".into(),
                password: Secret::Inline("p".into()),
            },
            "Basic dTpw|-",
        ),
        (
            Auth::ApiKey {
                header: "X-API-Key".into(),
                key: Secret::Inline("k".into()),
            },
            "-|k",
        ),
    ];
    for (auth, expected) in cases {
        let mut settings = HttpSettings {
            auth,
            user_agent: Some("ilms-test/1".into()),
            ..HttpSettings::default()
        };
        settings.headers.insert("X-Extra".into(), "yes".into());
        let client = HttpClient::new("src", &settings).unwrap();
        let body = client
            .send(&url, || client.request(reqwest::Method::GET, &url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(body, format!("{expected}|yes|ilms-test/1"));
    }
}

#[tokio::test]
async fn missing_secret_variable_is_a_config_error_naming_it() {
    let settings = HttpSettings {
        auth: Auth::Bearer {
            token: Secret::Env {
                env: "SDMXGW_TEST_NO_SUCH_VARIABLE".into(),
            },
        },
        ..HttpSettings::default()
    };
    let err = HttpClient::new("ilostat", &settings).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, TransportError::Config { .. }));
    assert!(
        msg.contains("ilostat") && msg.contains("SDMXGW_TEST_NO_SUCH_VARIABLE"),
        "{msg}"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_then_success() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = Router::new().route(
        "/",
        get(move || {
            let n = h.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < 2 {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [("retry-after", "1")],
                        "busy",
                    )
                        .into_response()
                } else {
                    "ok".into_response()
                }
            }
        }),
    );
    let base = serve(app).await;
    let url = format!("{base}/");
    let settings = HttpSettings {
        retry: fast_retry(5),
        ..HttpSettings::default()
    };
    let client = HttpClient::new("psa", &settings).unwrap();
    let start = Instant::now();
    let resp = client
        .send(&url, || client.request(reqwest::Method::GET, &url))
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), "ok");
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    // Two waits of Retry-After: 1 s each, not the 10 ms backoff.
    assert!(
        start.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn gives_up_after_max_attempts_with_an_actionable_message() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = Router::new().route(
        "/",
        get(move || {
            h.fetch_add(1, Ordering::SeqCst);
            async { (StatusCode::BAD_GATEWAY, "<html>upstream down</html>") }
        }),
    );
    let base = serve(app).await;
    let url = format!("{base}/");
    let settings = HttpSettings {
        retry: fast_retry(3),
        ..HttpSettings::default()
    };
    let client = HttpClient::new("gso", &settings).unwrap();
    let err = client
        .send(&url, || client.request(reqwest::Method::GET, &url))
        .await
        .unwrap_err();
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    let msg = err.to_string();
    assert!(
        msg.contains("gso")
            && msg.contains(&url)
            && msg.contains("502")
            && msg.contains("3 attempt"),
        "{msg}"
    );
    assert!(msg.contains("upstream down"), "{msg}");
}

#[tokio::test]
async fn client_errors_are_returned_at_once() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = Router::new().route(
        "/",
        get(move || {
            h.fetch_add(1, Ordering::SeqCst);
            async { StatusCode::NOT_ACCEPTABLE }
        }),
    );
    let base = serve(app).await;
    let url = format!("{base}/");
    let settings = HttpSettings {
        retry: fast_retry(5),
        ..HttpSettings::default()
    };
    let client = HttpClient::new("x", &settings).unwrap();
    let resp = client
        .send(&url, || client.request(reqwest::Method::GET, &url))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 406);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn connection_refused_is_unreachable_naming_the_url() {
    // Bind then drop: the port is free and nobody listens.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/data");
    let settings = HttpSettings {
        retry: fast_retry(2),
        ..HttpSettings::default()
    };
    let client = HttpClient::new("collector", &settings).unwrap();
    let err = client
        .send(&url, || client.request(reqwest::Method::GET, &url))
        .await
        .unwrap_err();
    assert!(
        matches!(err, TransportError::Unreachable { attempts: 2, .. }),
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains("collector") && msg.contains(&url), "{msg}");
}

#[tokio::test]
async fn rate_limit_spaces_requests() {
    let base = serve(Router::new().route("/", get(|| async { "ok" }))).await;
    let url = format!("{base}/");
    let settings = HttpSettings {
        rate_limit_per_sec: Some(10.0),
        ..HttpSettings::default()
    };
    let client = HttpClient::new("x", &settings).unwrap();
    let start = Instant::now();
    for _ in 0..4 {
        client
            .send(&url, || client.request(reqwest::Method::GET, &url))
            .await
            .unwrap();
    }
    // Four requests at 10/s: the last goes no earlier than 300 ms in.
    assert!(
        start.elapsed() >= Duration::from_millis(290),
        "{:?}",
        start.elapsed()
    );
}
