//! The Microsoft services' result formats into typed frames, on their recorded and
//! documented responses.

use huntbook::remote::tables::{defender, kusto_v2, log_analytics};
use polars::prelude::*;

use crate::helpers::shared;

fn read(path: &str) -> Vec<u8> {
    std::fs::read(shared(path)).unwrap()
}

fn utc() -> DataType {
    DataType::Datetime(TimeUnit::Microseconds, Some(polars::prelude::TimeZone::UTC))
}

#[test]
fn a_log_analytics_response_becomes_a_typed_frame() {
    let got = log_analytics(&read("msticpy/drivers/azmon_raw_query_response.json")).unwrap();
    assert!(got.warnings.is_empty(), "{:?}", got.warnings);
    let df = got.value;
    assert_eq!(df.shape(), (3, 34));
    assert_eq!(df.column("TimeGenerated").unwrap().dtype(), &utc());
    assert_eq!(df.column("ConfidenceScore").unwrap().dtype(), &DataType::Float64);
    assert_eq!(df.column("IsIncident").unwrap().dtype(), &DataType::Boolean);
    let t = crate::helpers::first_time(&df, "TimeGenerated");
    // 2023-02-20T11:04:02.6371632Z: seven digits, kept to the microsecond.
    assert_eq!(t, 1_676_891_042_637_163);
    assert_eq!(df.column("ConfidenceScore").unwrap().null_count(), 3, "nulls stay null");
    let props = df
        .column("ExtendedProperties")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    let parsed: serde_json::Value = serde_json::from_str(&props).expect("dynamic values stay JSON text");
    assert_eq!(parsed["Trigger Operator"], "GreaterThan");
}

#[test]
fn partial_errors_misfits_and_extra_tables_are_warnings() {
    let body = br#"{"tables": [
        {"name": "PrimaryResult", "columns": [{"name": "T", "type": "datetime"}, {"name": "N", "type": "long"},
            {"name": "D", "type": "dynamic"}, {"name": "G", "type": "guid"}, {"name": "S", "type": "timespan"}],
         "rows": [["2024-01-01T00:00:00Z", 5, {"a": [1, 2]}, "6b7c1e0e-0000-4000-8000-000000000001", "00:05:00"],
                  ["yesterday", "7", [1], null, null], [null, 9007199254740993, null, null, "1.00:00:00"]]},
        {"name": "Other", "columns": [], "rows": []}],
        "error": {"code": "PartialError", "message": "There were some errors when processing your query.",
                  "details": [{"code": "EngineError", "message": "Query result set has exceeded the internal record count limit"}]}}"#;
    let got = log_analytics(body).unwrap();
    let df = &got.value;
    assert_eq!(df.shape(), (3, 5));
    assert_eq!(
        df.column("N").unwrap().i64().unwrap().get(1),
        Some(7),
        "numbers as text are read"
    );
    assert_eq!(
        df.column("N").unwrap().i64().unwrap().get(2),
        Some(9_007_199_254_740_993),
        "no loss above 2^53"
    );
    assert_eq!(df.column("D").unwrap().str().unwrap().get(0), Some(r#"{"a":[1,2]}"#));
    assert_eq!(df.column("S").unwrap().str().unwrap().get(2), Some("1.00:00:00"));
    assert_eq!(df.column("T").unwrap().null_count(), 2);
    let all = got.warnings.join("\n");
    assert!(all.contains("1 value(s) of column T are not of its type"), "{all}");
    assert!(all.contains("not read: Other"), "{all}");
    assert!(
        all.contains("PartialError: There were some errors")
            && all.contains("exceeded the internal record count limit"),
        "{all}"
    );
}

#[test]
fn malformed_responses_name_what_is_wrong() {
    for (body, expected) in [
        (
            &br#"{"tables": [{"name": "t", "columns": [{"name": "a", "type": "string"}], "rows": [["x", "y"]]}]}"#[..],
            "more cells than the 1 columns",
        ),
        (br#"{"tables": []}"#, "has no table"),
        (br#"{"tables": [{"name": "t", "rows": []}]}"#, "has no columns"),
        (b"<html>502 Bad Gateway</html>", "not readable"),
    ] {
        let e = log_analytics(body).unwrap_err().to_string();
        assert!(e.contains(expected) && e.starts_with("Log Analytics: "), "{e}");
    }
}

#[test]
fn kusto_v2_frames_give_the_primary_result() {
    let got = kusto_v2(&read("msticpy/drivers/kusto_v2_raw_response.json")).unwrap();
    assert_eq!(got.value.len(), 1, "one PrimaryResult table");
    let df = &got.value[0];
    assert_eq!(df.shape(), (10, 130));
    assert_eq!(
        df.column("CreatedProcessIsElevated").unwrap().dtype(),
        &DataType::Boolean
    );
    assert_eq!(df.column("CreatedProcessId").unwrap().i64().unwrap().get(0), Some(9784));
    assert_eq!(df.column("CreatedProcessCreationTime").unwrap().dtype(), &utc());
    let failed = br#"[{"FrameType": "DataSetHeader"}, {"FrameType": "DataSetCompletion", "HasErrors": true, "Cancelled": false,
        "OneApiErrors": [{"error": {"code": "LimitsExceeded", "message": "Request is invalid and cannot be executed."}}]}]"#;
    let got = kusto_v2(failed).unwrap();
    assert!(got.value.is_empty());
    assert!(
        got.warnings[0].contains("LimitsExceeded: Request is invalid"),
        "{:?}",
        got.warnings
    );
}

#[test]
fn defender_results_in_both_forms() {
    for (file, rows, width) in [
        ("fixtures/defender/mde_advancedqueries_run_doc_example.json", 2, 4),
        (
            "fixtures/defender/graph_security_runhuntingquery_doc_example1.json",
            2,
            3,
        ),
    ] {
        let got = defender(&read(file)).unwrap();
        assert!(got.warnings.is_empty(), "{file}: {:?}", got.warnings);
        assert_eq!(got.value.shape(), (rows, width), "{file}");
        assert_eq!(got.value.column("Timestamp").unwrap().dtype(), &utc(), "{file}");
        assert!(
            got.value
                .column("InitiatingProcessFileName")
                .unwrap()
                .str()
                .unwrap()
                .get(0)
                == Some("powershell.exe")
        );
    }
}

/// Client credentials, then a Log Analytics query, against the loopback replay server:
/// the requests are the real API's (path, form, bearer token, body with the window), the
/// token is reused, and sign-in and query errors carry the service's own words and no
/// secret.
mod service {
    use huntbook::remote::azure::{Client, Cloud, Credential, Limits};
    use huntbook::remote::{Service, Watch};
    use huntbook::ti::replay::{ReplayServer, Route};
    use std::time::Duration;

    use crate::helpers::shared;

    const SECRET: &str = "s3cr3t~value.that-must-not-leak";

    fn route(method: &str, path: &str, status: u16, body: &str, times: Option<usize>) -> Route {
        serde_json::from_value(serde_json::json!({
            "method": method, "path": path, "status": status, "body": body, "times": times,
        }))
        .unwrap()
    }

    /// Never the real authority in a test: the loopback server stands in for it.
    fn loopback(url: &str) -> Cloud {
        Cloud {
            authority: url.to_string(),
            log_analytics: url.to_string(),
            graph: url.to_string(),
            mde: url.to_string(),
            endpoint: None,
        }
    }

    fn client(url: &str, secret: &str) -> Client {
        let cloud = loopback(url);
        let credential = Credential::ClientSecret {
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            secret: secret.into(),
        };
        let limits = Limits {
            timeout: Duration::from_secs(20),
            max_wait: Duration::from_secs(5),
            retries: 3,
        };
        Client::new(cloud, credential, limits).unwrap()
    }

    /// A Log Analytics query, as the client sends it.
    fn la(
        c: &mut Client,
        workspace: &str,
        kql: &str,
        timespan: Option<&str>,
        cancel: &dyn Fn() -> bool,
    ) -> huntbook::Result<polars::prelude::DataFrame> {
        let service = Service::LogAnalytics {
            workspace: workspace.into(),
        };
        let mut watch = || cancel();
        c.query(&service, kql, timespan, &mut watch).map(|a| a.frame)
    }

    /// A person watching: every message told is kept.
    struct Person(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

    impl Watch for Person {
        fn cancelled(&self) -> bool {
            false
        }
        fn can_tell(&self) -> bool {
            true
        }
        fn tell(&mut self, text: &str) {
            self.0.lock().unwrap().push(text.to_string());
        }
    }

    const TOKEN: &str = r#"{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0eXAi.replayed.token"}"#;

    #[test]
    fn sign_in_then_query_with_a_429_and_a_500_on_the_way() {
        let azmon = std::fs::read_to_string(shared("msticpy/drivers/azmon_raw_query_response.json")).unwrap();
        let query = "/v1/workspaces/8ecf8077-cf51-4820-aadd-14040956f35d/query";
        let server = ReplayServer::start(
            vec![
                route("POST", "/contoso.onmicrosoft.com/oauth2/v2.0/token", 200, TOKEN, None),
                {
                    let mut r = route("POST", query, 429, r#"{"error":{"code":"Throttled"}}"#, Some(1));
                    r.headers.insert("Retry-After".into(), "1".into());
                    r
                },
                route("POST", query, 500, "oops", Some(1)),
                route("POST", query, 200, &azmon, None),
            ],
            &shared("."),
        )
        .unwrap();
        let mut c = client(&server.url(), SECRET);
        let never = || false;
        let window = "2023-02-20T00:00:00Z/2023-02-21T00:00:00Z";
        for _ in 0..2 {
            let got = la(
                &mut c,
                "8ecf8077-cf51-4820-aadd-14040956f35d",
                "SecurityAlert | take 3",
                Some(window),
                &never,
            )
            .unwrap();
            assert_eq!(got.shape(), (3, 34));
        }
        let log = server.requests();
        let token_requests: Vec<_> = log.iter().filter(|r| r.target.ends_with("/token")).collect();
        assert_eq!(token_requests.len(), 1, "the token is reused");
        let form = &token_requests[0].body;
        assert!(
            form.contains("grant_type=client_credentials") && form.contains("scope=http%3A%2F%2F127.0.0.1"),
            "{form}"
        );
        let queries: Vec<_> = log.iter().filter(|r| r.target == query).collect();
        assert_eq!(queries.len(), 4, "429, 500, then two answers");
        for q in &queries {
            assert_eq!(q.method, "POST");
            assert_eq!(q.headers["authorization"], "Bearer eyJ0eXAi.replayed.token");
            let body: serde_json::Value = serde_json::from_str(&q.body).unwrap();
            assert_eq!(body["query"], "SecurityAlert | take 3");
            assert_eq!(body["timespan"], window);
        }
    }

    #[test]
    fn failures_say_the_services_words_and_never_the_secret() {
        let bad_secret = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: 1","error_codes":[7000215]}"#;
        let syntax = r#"{"error":{"message":"The request had some invalid properties","code":"BadArgumentError","innererror":{"code":"SyntaxError","message":"A recognition error occurred in the query.","innererror":{"code":"SYN0002","message":"Query could not be parsed at 'wher' on line [1,15]","line":1,"pos":15,"token":"wher"}}}}"#;
        let missing = r#"{"error":{"message":"The workspace could not be found","code":"WorkspaceNotFoundError"}}"#;
        let server = ReplayServer::start(
            vec![
                route(
                    "POST",
                    "/contoso.onmicrosoft.com/oauth2/v2.0/token",
                    401,
                    bad_secret,
                    Some(1),
                ),
                route("POST", "/contoso.onmicrosoft.com/oauth2/v2.0/token", 200, TOKEN, None),
                route("POST", "/v1/workspaces/ws1/query", 400, syntax, None),
                route("POST", "/v1/workspaces/nope/query", 404, missing, None),
            ],
            &shared("."),
        )
        .unwrap();
        let never = || false;
        let mut c = client(&server.url(), SECRET);
        let e = la(&mut c, "ws1", "SecurityAlert | wher x", None, &never)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "signing in to tenant contoso.onmicrosoft.com failed: AADSTS7000215: Invalid client secret provided"
            ),
            "{e}"
        );
        let e2 = la(&mut c, "ws1", "SecurityAlert | wher x", None, &never)
            .unwrap_err()
            .to_string();
        assert!(
            e2.contains("the query was refused") && e2.contains("Query could not be parsed at 'wher' on line [1,15]"),
            "{e2}"
        );
        let e3 = la(&mut c, "nope", "T", None, &never).unwrap_err().to_string();
        assert!(
            e3.contains("workspace nope was not found") && e3.contains("WorkspaceNotFoundError"),
            "{e3}"
        );
        for text in [&e, &e2, &e3, &format!("{:?}", Credential::Token("tok".into()))] {
            assert!(
                !text.contains(SECRET) && !text.contains("replayed.token") && !text.contains("tok)"),
                "{text}"
            );
        }
    }

    #[test]
    fn a_wait_is_cancelled_and_a_missing_tenant_is_named() {
        let server = ReplayServer::start(
            vec![
                route("POST", "/contoso.onmicrosoft.com/oauth2/v2.0/token", 200, TOKEN, None),
                {
                    let mut r = route("POST", "/v1/workspaces/ws/query", 429, "{}", None);
                    r.headers.insert("Retry-After".into(), "3".into());
                    r
                },
            ],
            &shared("."),
        )
        .unwrap();
        let mut c = client(&server.url(), SECRET);
        let started = std::time::Instant::now();
        let cancel = move || started.elapsed() > Duration::from_millis(300);
        let e = la(&mut c, "ws", "T", None, &cancel).unwrap_err();
        assert!(matches!(e, huntbook::error::Error::Cancelled { .. }), "{e}");
        let mut lost = Client::new(
            loopback(&server.url()),
            Credential::ClientSecret {
                tenant: " ".into(),
                client_id: "x".into(),
                secret: SECRET.into(),
            },
            Limits::default(),
        )
        .unwrap();
        let e = lost
            .token("https://api.loganalytics.io", &mut || false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no tenant"), "{e}");
        assert!(
            Cloud::named("mars")
                .unwrap_err()
                .to_string()
                .contains("public, usgov or china")
        );
    }

    #[test]
    fn device_code_shows_the_code_waits_for_sign_in_and_says_when_it_expired() {
        let start = r#"{"user_code":"FQK5HW3UF","device_code":"dev-code-1","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":1,"message":"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FQK5HW3UF to authenticate."}"#;
        let pending = r#"{"error":"authorization_pending","error_description":"AADSTS70016: OAuth 2.0 device flow error. Authorization is pending."}"#;
        let expired = r#"{"error":"expired_token","error_description":"AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired."}"#;
        let server = ReplayServer::start(
            vec![
                route(
                    "POST",
                    "/contoso.onmicrosoft.com/oauth2/v2.0/devicecode",
                    200,
                    start,
                    None,
                ),
                route(
                    "POST",
                    "/contoso.onmicrosoft.com/oauth2/v2.0/token",
                    400,
                    pending,
                    Some(1),
                ),
                route(
                    "POST",
                    "/contoso.onmicrosoft.com/oauth2/v2.0/token",
                    200,
                    TOKEN,
                    Some(1),
                ),
                route("POST", "/contoso.onmicrosoft.com/oauth2/v2.0/token", 400, expired, None),
            ],
            &shared("."),
        )
        .unwrap();
        let cloud = loopback(&server.url());
        let device = || Credential::DeviceCode {
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "04b07795-8ddb-461a-bbee-02f9e1bf7b46".into(),
        };
        let shown = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let mut c = Client::new(cloud.clone(), device(), Limits::default()).unwrap();
        let token = c
            .token("https://api.loganalytics.io", &mut Person(shown.clone()))
            .unwrap();
        assert_eq!(token, "eyJ0eXAi.replayed.token");
        assert!(shown.lock().unwrap()[0].contains("https://microsoft.com/devicelogin and enter the code FQK5HW3UF"));
        let polls: Vec<_> = server
            .requests()
            .into_iter()
            .filter(|r| r.target.ends_with("/token"))
            .collect();
        assert_eq!(polls.len(), 2, "pending, then signed in");
        assert!(
            polls[0]
                .body
                .contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code")
        );
        assert!(polls[0].body.contains("device_code=dev-code-1"));
        // The next sign-in (another resource) gets a new code that expires unused.
        let mut later = Client::new(cloud, device(), Limits::default()).unwrap();
        let e = later
            .token("https://api.loganalytics.io", &mut Person(Default::default()))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("device code for tenant contoso.onmicrosoft.com expired"),
            "{e}"
        );
        let before = server.requests().len();
        let mut silent = Client::new(loopback(&server.url()), device(), Limits::default()).unwrap();
        let e = silent
            .token("https://api.loganalytics.io", &mut || false)
            .unwrap_err()
            .to_string();
        assert_eq!(
            server.requests().len(),
            before,
            "nothing is asked without a place to show the code"
        );
        assert!(e.contains("somewhere to show its code"), "{e}");
    }
}
