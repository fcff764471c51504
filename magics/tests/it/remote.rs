//! Sources on Microsoft's services, end to end through the interpreter: huntbook.yaml or
//! %connect, sign-in, %query/%%query/%query hunt, against a loopback server replaying the
//! services' answers. The requests are asserted as the service would receive them.

use std::path::Path;

use huntbook::ti::replay::{Recorded, ReplayServer};
use huntbook_magics::Interpreter;
use serde_json::{Value, json};

use crate::common::{data, fails, ok, run};

const WS: &str = "8ecf8077-cf51-4820-aadd-14040956f35d";
const SECRET: &str = "replay-demo-secret";
const TOKEN: &str = "eyJ0eXAi.replayed.sentinel-token";

fn routes_file() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/notebooks/sentinel-replay.json")
}

fn route(method: &str, path: &str, status: u16, body: Value) -> Value {
    let mut r = json!({"method": method, "path": path, "status": status});
    r.as_object_mut().unwrap().extend(body.as_object().unwrap().clone());
    r
}

/// The recorded routes, after `extra` (which win, being first).
fn server(extra: Vec<Value>) -> ReplayServer {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("extra.json");
    std::fs::write(&first, serde_json::to_string(&extra).unwrap()).unwrap();
    ReplayServer::from_files(&[first, routes_file()]).unwrap()
}

fn interp(dir: &Path, yaml: &str) -> Interpreter {
    // SAFETY: each test is a process of its own under nextest; nothing else reads the
    // environment now. Nothing may leave the loopback address.
    unsafe { std::env::set_var(huntbook::remote::azure::LOOPBACK_ONLY, "1") };
    let file = dir.join("huntbook.yaml");
    std::fs::write(&file, yaml).unwrap();
    let mut i = Interpreter::default();
    i.use_config(&file).unwrap();
    i
}

fn sentinel(url: &str, workspaces: &str, extra: &str) -> String {
    format!(
        "sources:\n  soc:\n    kind: sentinel\n    workspace: {workspaces}\n    tenant: contoso.onmicrosoft.com\n    \
         client_id: 11111111-2222-3333-4444-555555555555\n    client_secret: {SECRET}\n    authority: {url}/aad\n    \
         endpoint: {url}/la\n{extra}"
    )
}

fn queries(log: &[Recorded]) -> Vec<(&Recorded, Value)> {
    log.iter()
        .filter(|r| r.target.contains("/query"))
        .map(|r| (r, serde_json::from_str(&r.body).unwrap()))
        .collect()
}

/// Everything a cell showed, as text, to check that no secret is in it.
fn everything(interp: &mut Interpreter, code: &str) -> String {
    let (outcome, io) = run(interp, code);
    format!("{outcome:?}{:?}", io.events)
}

#[test]
fn a_library_query_runs_on_two_workspaces_with_the_window_as_kql() {
    let srv = server(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let mut i = interp(dir.path(), &sentinel(&srv.url(), &format!("[{WS}, {WS}]"), ""));
    ok(&mut i, "%connect soc");
    ok(&mut i, "%time 2023-02-20 .. 2023-02-21");
    let shown = everything(&mut i, "alerts = %query SecurityAlert.list_alerts");
    assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
    let alerts = i.session().get("alerts").unwrap();
    assert_eq!(alerts.height(), 6, "3 alerts from each workspace, stacked");
    assert!(alerts.data.column("Workspace").is_ok());
    assert_eq!(alerts.provenance.source, "soc");
    let service = alerts.provenance.service.as_deref().unwrap();
    assert!(service.contains("request 51c2d7e4-replayed-alerts"), "{service}");
    let log = srv.requests();
    let tokens: Vec<_> = log.iter().filter(|r| r.target.ends_with("/token")).collect();
    assert_eq!(tokens.len(), 1, "one sign-in for both workspaces");
    assert!(tokens[0].body.contains("grant_type=client_credentials"));
    let sent = queries(&log);
    assert_eq!(sent.len(), 2);
    for (r, body) in &sent {
        assert_eq!(r.method, "POST");
        assert_eq!(r.target, format!("/la/v1/workspaces/{WS}/query"));
        assert_eq!(r.headers["authorization"], format!("Bearer {TOKEN}"));
        assert!(r.headers.contains_key("x-ms-client-request-id"));
        let kql = body["query"].as_str().unwrap();
        assert!(
            kql.contains("datetime(2023-02-20T00:00:00Z)") && kql.contains("datetime(2023-02-21T00:00:00Z)"),
            "{kql}"
        );
        assert_eq!(body["timespan"], "2023-02-20T00:00:00Z/2023-02-21T00:00:00Z");
    }
}

#[test]
fn split_by_keeps_the_chunks_that_succeed_and_names_the_one_that_failed() {
    let failing = route(
        "POST",
        &format!("/la/v1/workspaces/{WS}/query"),
        400,
        json!({"body_contains": "\"timespan\":\"2023-02-21", "body": r#"{"error":{"code":"BadArgumentError","message":"Query execution has exceeded the allowed limits"}}"#}),
    );
    let srv = server(vec![failing]);
    let dir = tempfile::tempdir().unwrap();
    let mut i = interp(dir.path(), &sentinel(&srv.url(), WS, ""));
    ok(&mut i, "%connect soc");
    ok(&mut i, "%time 2023-02-20 .. 2023-02-23");
    let (outcome, io) = run(
        &mut i,
        "per_day = %%query --split-by 1d\nSecurityAlert | where TimeGenerated between (datetime({start}) .. datetime({end}))",
    );
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(i.session().get("per_day").unwrap().height(), 6, "two chunks of three");
    let shown = format!("{:?}", io.events);
    assert!(
        shown.contains("1 of 3 chunks failed") && shown.contains("2023-02-21T00:00:00Z .. 2023-02-22T00:00:00Z"),
        "{shown}"
    );
    let log = srv.requests();
    let sent = queries(&log);
    assert_eq!(sent.len(), 3);
    assert!(
        sent[1].1["query"]
            .as_str()
            .unwrap()
            .contains("datetime(2023-02-21T00:00:00Z) .. datetime(2023-02-22T00:00:00Z)")
    );
}

#[test]
fn hunt_all_gives_one_row_per_hunt_and_names_the_one_that_failed() {
    let srv = server(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let mut i = interp(dir.path(), &sentinel(&srv.url(), WS, ""));
    ok(&mut i, "%connect soc");
    ok(&mut i, "%time 2023-02-19 .. 2023-02-21");
    ok(&mut i, "hunts = %query hunt --all --tactic Impact");
    let hunts = &i.session().get("hunts").unwrap().data;
    let names = hunts.column("Hunt").unwrap().str().unwrap();
    let status = hunts.column("Status").unwrap().str().unwrap();
    let row = |name: &str| {
        let at = names
            .iter()
            .position(|n| n == Some(name))
            .unwrap_or_else(|| panic!("no {name}"));
        status.get(at).unwrap().to_string()
    };
    assert_eq!(row("AD Account Lockout"), "hit");
    let failed = row("Signin Logs with expanded Conditional Access Policies");
    assert!(
        failed.starts_with("failed:") && failed.contains("SEM0100") && failed.contains("SigninLogs"),
        "{failed}"
    );
    assert!(hunts.height() >= 5);
    let log = srv.requests();
    let sent = queries(&log);
    assert_eq!(sent.len(), hunts.height(), "one request per hunt");
    let lockout = sent
        .iter()
        .find(|(_, b)| b["query"].as_str().unwrap().contains("EventID == 4740"))
        .unwrap();
    let kql = lockout.1["query"].as_str().unwrap();
    assert!(
        kql.contains("TimeGenerated >= datetime(2023-02-19T00:00:00Z)") && !kql.contains("ago("),
        "{kql}"
    );
    assert_eq!(lockout.1["timespan"], "2023-02-19T00:00:00Z/2023-02-21T00:00:00Z");
}

#[test]
fn what_the_service_says_about_a_result_is_a_warning() {
    let truncated = json!({
        "tables": [{"name": "PrimaryResult", "columns": [{"name": "Computer", "type": "string"}], "rows": [["WS01"]]}],
        "error": {"code": "PartialError", "message": "There were some errors when processing your query.",
                  "details": [{"code": "EngineError", "message": "Something went wrong processing your query on the server.",
                               "innererror": {"code": "-2133196797", "message": "Query result set has exceeded the internal record count limit 500000 (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)"}}]}
    });
    let srv = server(vec![route(
        "POST",
        &format!("/la/v1/workspaces/{WS}/query"),
        200,
        json!({"body_contains": "Heartbeat", "body": truncated.to_string()}),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let mut i = interp(dir.path(), &sentinel(&srv.url(), WS, ""));
    let (outcome, io) = run(&mut i, "%%query --source soc\nHeartbeat | distinct Computer");
    assert!(outcome.error.is_none());
    let shown = format!("{:?}{:?}", outcome.result, io.events);
    assert!(shown.contains("E_QUERY_RESULT_SET_TOO_LARGE"), "{shown}");
}

/// Signed in as the Azure CLI is (`auth: cli`): the CLI is asked for a token for Log
/// Analytics in the source's tenant, the query carries it, and the CLI's own refusal is
/// the error. The CLI is a stand-in script (`HUNTBOOK_AZ`), so nothing leaves the machine.
#[test]
fn the_azure_cli_gives_the_token_and_its_refusal_is_the_error() {
    use std::os::unix::fs::PermissionsExt;
    let srv = server(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let script = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"{}/args\"\n{body}\n",
                dir.path().display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    };
    let good = script(
        "az-good",
        r#"echo '{"accessToken": "eyJ.cli-token", "expires_on": 4102444800, "tokenType": "Bearer"}'"#,
    );
    let bad = script(
        "az-bad",
        "echo 'WARNING: a warning first' >&2\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1",
    );
    let yaml = sentinel(&srv.url(), WS, "    auth: cli\n").replace(&format!("    client_secret: {SECRET}\n"), "");
    // SAFETY: each test is a process of its own under nextest.
    unsafe { std::env::set_var("HUNTBOOK_AZ", &good) };
    let mut i = interp(dir.path(), &yaml);
    ok(&mut i, "%%query --source soc\nSecurityEvent | take 1");
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "account",
            "get-access-token",
            "--output",
            "json",
            "--resource",
            "https://api.loganalytics.io",
            "--tenant",
            "contoso.onmicrosoft.com"
        ]
    );
    let log = srv.requests();
    let sent = queries(&log);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0.headers["authorization"], "Bearer eyJ.cli-token");
    assert!(log.iter().all(|r| !r.target.ends_with("/token")), "no Entra ID sign-in");

    unsafe { std::env::set_var("HUNTBOOK_AZ", &bad) };
    let mut i = interp(dir.path(), &yaml);
    let e = fails(&mut i, "%%query --source soc\nSecurityEvent | take 1", "service-error");
    assert!(e.contains("ERROR: Please run 'az login' to setup account."), "{e}");
    assert!(!e.contains("WARNING"), "{e}");
}

/// One slow request: the progress line says how long the service has been waited for,
/// once a second, in place; then the result comes as usual.
#[test]
fn a_slow_answer_shows_the_wait_as_it_grows() {
    let answer = json!({"tables": [{"name": "PrimaryResult", "columns": [{"name": "Computer", "type": "string"}], "rows": [["WS01"]]}]});
    let srv = server(vec![route(
        "POST",
        &format!("/la/v1/workspaces/{WS}/query"),
        200,
        json!({"body_contains": "Heartbeat", "delay_ms": 2400, "body": answer.to_string()}),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let mut i = interp(dir.path(), &sentinel(&srv.url(), WS, ""));
    let (outcome, io) = run(&mut i, "%%query --source soc\nHeartbeat | distinct Computer");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let updates: Vec<String> = io
        .events
        .iter()
        .filter_map(|e| match e {
            huntbook_magics::io::Event::Update(b, _) => Some(b.plain().to_string()),
            _ => None,
        })
        .filter(|t| t.contains("waiting for the service"))
        .collect();
    for seconds in ["1 s", "2 s"] {
        assert!(
            updates.iter().any(|u| u.starts_with("querying soc (workspace")
                && u.ends_with(&format!("waiting for the service: {seconds}"))),
            "{updates:?}"
        );
    }
}

#[test]
fn a_slow_service_times_out_with_the_sources_own_limit() {
    let srv = server(vec![route(
        "POST",
        &format!("/la/v1/workspaces/{WS}/query"),
        200,
        json!({"delay_ms": 3000, "body": "{}"}),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let mut i = interp(dir.path(), &sentinel(&srv.url(), WS, "    timeout: 1s\n"));
    let e = fails(&mut i, "%%query --source soc\nSecurityAlert | take 1", "service-error");
    assert!(e.contains("timed out"), "{e}");
}

#[test]
fn bad_input_says_the_cause_and_the_services_words_without_the_secret() {
    let not_found = route(
        "POST",
        "/la/v1/workspaces/00000000-0000-0000-0000-000000000000/query",
        404,
        json!({"body": r#"{"error":{"message":"The workspace could not be found","code":"WorkspaceNotFoundError"}}"#}),
    );
    let syntax = route(
        "POST",
        &format!("/la/v1/workspaces/{WS}/query"),
        400,
        json!({"body_contains": "wher ", "body": r#"{"error":{"message":"The request had some invalid properties","code":"BadArgumentError","innererror":{"code":"SyntaxError","message":"A recognition error occurred in the query.","innererror":{"code":"SYN0002","message":"Query could not be parsed at 'wher' on line [1,15]","line":1,"pos":15,"token":"wher"}}}}"#}),
    );
    let srv = server(vec![not_found, syntax]);
    let url = srv.url();
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "{}  wrong:\n    kind: sentinel\n    workspace: {WS}\n    tenant: contoso.onmicrosoft.com\n    client_id: 11111111-2222-3333-4444-555555555555\n    \
         client_secret: not-the-secret-at-all\n    authority: {url}/aad\n    endpoint: {url}/la\n  \
         lost:\n    kind: sentinel\n    workspace: 00000000-0000-0000-0000-000000000000\n    tenant: contoso.onmicrosoft.com\n    \
         client_id: 11111111-2222-3333-4444-555555555555\n    client_secret: {SECRET}\n    authority: {url}/aad\n    endpoint: {url}/la\n  \
         tenantless:\n    kind: sentinel\n    workspace: {WS}\n    auth: secret\n    client_id: x\n    client_secret: {SECRET}\n",
        sentinel(&url, WS, "")
    );
    let mut i = interp(dir.path(), &yaml);
    let e = fails(&mut i, "%connect wrong", "service-error");
    assert!(
        e.contains("AADSTS7000215: Invalid client secret provided") && !e.contains("not-the-secret-at-all"),
        "{e}"
    );
    assert!(!everything(&mut i, "%connect").contains("not-the-secret-at-all"));
    let e = fails(&mut i, "%%query --source lost\nSecurityAlert | take 1", "service-error");
    assert!(
        e.contains("workspace 00000000-0000-0000-0000-000000000000 was not found")
            && e.contains("WorkspaceNotFoundError"),
        "{e}"
    );
    ok(&mut i, "%connect soc");
    let e = fails(&mut i, "%%query\nSecurityAlert | wher x", "service-error");
    assert!(e.contains("SYN0002") && e.contains("line [1,15]"), "{e}");
    let e = fails(&mut i, "%connect tenantless", "source-error");
    assert!(e.contains("missing tenant"), "{e}");
    let e = fails(&mut i, "%connect x --kind splunk", "bad-value");
    assert!(e.contains("splunk") && e.contains("sentinel"), "{e}");
    std::fs::write(
        dir.path().join("bad.yaml"),
        "sources:\n  s: {kind: sentinal, workspace: x}\n",
    )
    .unwrap();
    let e = huntbook_magics::sources::Config::read(&dir.path().join("bad.yaml")).unwrap_err();
    assert!(
        e.contains("\"sentinal\" is not a source kind") && e.contains("did you mean sentinel?"),
        "{e}"
    );
    // The listing says what each source lacks and whether it is signed in.
    let listing = everything(&mut i, "%connect");
    assert!(
        listing.contains("tenant (its id or domain)") && listing.contains("signed in"),
        "{listing}"
    );
}

#[test]
fn defender_and_data_explorer_speak_their_own_apis() {
    let graph = std::fs::read_to_string(data(
        "fixtures/defender/graph_security_runhuntingquery_doc_example1.json",
    ))
    .unwrap();
    let kusto = std::fs::read_to_string(data("msticpy/drivers/kusto_v2_raw_response.json")).unwrap();
    let srv = server(vec![
        route(
            "POST",
            "/graph/v1.0/security/runHuntingQuery",
            200,
            json!({"body": graph}),
        ),
        route("POST", "/adx/v2/rest/query", 200, json!({"body": kusto})),
    ]);
    let url = srv.url();
    let dir = tempfile::tempdir().unwrap();
    let creds = format!(
        "    tenant: contoso.onmicrosoft.com\n    client_id: 11111111-2222-3333-4444-555555555555\n    client_secret: {SECRET}\n    authority: {url}/aad\n"
    );
    let yaml = format!(
        "sources:\n  mdr:\n    kind: defender\n    endpoint: {url}/graph\n{creds}  adx:\n    kind: kusto\n    cluster: {url}/adx\n    database: Security\n{creds}"
    );
    let mut i = interp(dir.path(), &yaml);
    ok(&mut i, "%time 2023-02-20 .. 2023-02-21");
    ok(
        &mut i,
        "procs = %%query --source mdr\nDeviceProcessEvents | where Timestamp > {start} | take 5",
    );
    assert!(i.session().get("procs").unwrap().height() > 0);
    ok(&mut i, "rows = %%query --source adx\nStormEvents | take 10");
    assert!(i.session().get("rows").unwrap().height() > 0);
    let log = srv.requests();
    let graph: Vec<_> = log.iter().filter(|r| r.target.starts_with("/graph")).collect();
    let body: Value = serde_json::from_str(&graph[0].body).unwrap();
    assert!(
        body["Query"]
            .as_str()
            .unwrap()
            .contains("Timestamp > datetime(2023-02-20T00:00:00Z)")
    );
    assert_eq!(body["Timespan"], "2023-02-20T00:00:00Z/2023-02-21T00:00:00Z");
    let adx: Vec<_> = log.iter().filter(|r| r.target.starts_with("/adx")).collect();
    let body: Value = serde_json::from_str(&adx[0].body).unwrap();
    assert_eq!(
        (body["db"].as_str(), body["csl"].as_str()),
        (Some("Security"), Some("StormEvents | take 10"))
    );
    let scopes: Vec<_> = log
        .iter()
        .filter(|r| r.target.ends_with("/token"))
        .map(|r| r.body.clone())
        .collect();
    // Tokens are for the services themselves (their audience), wherever the requests go;
    // a Data Explorer cluster is its own audience.
    assert!(
        scopes
            .iter()
            .any(|b| b.contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"))
            && scopes.iter().any(|b| b.contains("%2Fadx%2F.default")),
        "{scopes:?}"
    );
}

/// A column of session values into a library query's list parameter on a Sentinel
/// source: each value one escaped KQL literal; into a one-value parameter, an error.
#[test]
fn a_column_becomes_a_kql_list_parameter() {
    let srv = server(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let mut i = interp(dir.path(), &sentinel(&srv.url(), WS, ""));
    ok(&mut i, "%connect soc");
    ok(&mut i, "%time 2023-02-20 .. 2023-02-21");
    ok(
        &mut i,
        "ips = %%sql\nSELECT '10.1.2.3' AS ip UNION ALL SELECT 'x''y\\z' AS ip UNION ALL SELECT 'a,b' AS ip",
    );
    let (outcome, _) = run(
        &mut i,
        "%query Azure.list_aad_signins_for_ip ip_address_list={ips.ip} --print",
    );
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let text = outcome.result.unwrap().plain().to_string();
    assert!(
        text.contains(r#"where IPAddress in ('10.1.2.3', 'x\'y\\z', 'a,b')"#),
        "{text}"
    );
    let e = fails(
        &mut i,
        "%query Azure.list_aad_signins_for_ip ip_address_list=1.2.3.4 table={ips.ip} --print",
        "bad-parameter",
    );
    assert!(e.contains("3 values were given"), "{e}");
    assert!(queries(&srv.requests()).is_empty(), "--print sends no query");
}
