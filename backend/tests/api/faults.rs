//! Faults injected into a running server: killed (SIGKILL) in the middle of sign-offs, imports
//! and uploads; PostgreSQL restarted under load; the evidence disk full; the S3 endpoint down or
//! hanging. Each ends with `rectify check`, `rectify audit verify` and `rectify evidence verify`
//! finding nothing wrong. (Report releases do not exist yet, so no kill lands in one.)

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::*;
use crate::demo_ledger::reference;
use crate::evidence::PDF;
use crate::ledger::build;
use rectify::db::Backend;

/// A PDF of about `size` bytes.
fn pdf_of(size: usize) -> Vec<u8> {
    [PDF, &vec![b' '; size.saturating_sub(PDF.len())]].concat()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// Every organisation's evidence bytes, as counted against its quota.
fn storage_used(db: &TestDb) -> i64 {
    use diesel::prelude::*;
    use diesel::r2d2::ManageConnection;
    use rectify::schema::organisations;
    let mut conn = rectify::db::Manager::new(&db.url).connect().unwrap();
    organisations::table.select(organisations::storage_used).load::<i64>(&mut conn).unwrap().iter().sum()
}

// ---------------------------------------------------------------------------------------------
// SIGKILL in the middle of work

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Work {
    Upload,
    Submit,
    Signoff,
    Import,
}

enum Answer {
    Done(Value),
    Refused,
    /// No answer: the server was killed first.
    Lost,
}

/// A request sent before the kill: what it was about (an evidence title, a measure id, a
/// category title) and what became of it.
struct Sent {
    work: Work,
    about: String,
    answer: Answer,
}

#[derive(Clone, Default)]
struct Journal(Arc<Mutex<Vec<Sent>>>);

impl Journal {
    /// Notes an answer and passes it on; `None` when none came (the server is gone).
    fn note(&self, work: Work, about: impl Into<String>, r: Result<Resp, String>) -> Option<Resp> {
        let answer = match &r {
            Ok(r) if r.status < 300 => Answer::Done(r.json.clone()),
            Ok(_) => Answer::Refused,
            Err(_) => Answer::Lost,
        };
        self.0.lock().unwrap().push(Sent { work, about: about.into(), answer });
        r.ok()
    }

    fn answered(&self, work: Work) -> usize {
        answered(&self.0.lock().unwrap(), work)
    }
}

fn answered(sent: &[Sent], work: Work) -> usize {
    sent.iter().filter(|s| s.work == work && matches!(s.answer, Answer::Done(_))).count()
}

/// The measures waiting for the caller: of `kinds`, from `/me/tasks`.
fn tasks(c: &Client, token: &str, kinds: &[&str]) -> Option<Vec<i64>> {
    let r = c.try_call("GET", "/api/v1/me/tasks", Some(token), None, &[]).ok()?;
    let items = r.json["items"].as_array()?;
    Some(items.iter().filter(|t| kinds.contains(&t["kind"].as_str().unwrap_or(""))).filter_map(|t| t["measure_id"].as_i64()).collect())
}

/// A teacher: evidence for each of their measures, then hands it in; until the server is gone.
fn teacher(c: Client, who: &str, token: String, journal: Journal) {
    let mut seen = HashSet::new();
    let mut n = 0;
    loop {
        let Some(todo) = tasks(&c, &token, &["work_on"]) else { return };
        let todo: Vec<i64> = todo.into_iter().filter(|m| seen.insert(*m)).collect();
        if todo.is_empty() {
            return;
        }
        for m in todo {
            n += 1;
            let title = format!("断电前上传 {who}-{n}");
            let form = multipart(&[("title", &title)], Some(("会议纪要.pdf", &pdf_of(64 << 10))));
            let path = format!("/api/v1/measures/{m}/evidence");
            let Some(r) = journal.note(Work::Upload, &title, c.try_upload("POST", &path, &token, form, &[])) else { return };
            if r.status != 201 {
                continue;
            }
            let Ok(measure) = c.try_call("GET", &format!("/api/v1/measures/{m}"), Some(&token), None, &[]) else { return };
            let version = measure.header("etag").unwrap_or("\"0\"").to_string();
            let submit = c.try_call("POST", &format!("/api/v1/measures/{m}/submit"), Some(&token), None, &[("If-Match", &version)]);
            if journal.note(Work::Submit, m.to_string(), submit).is_none() {
                return;
            }
        }
    }
}

/// The reviewers of every stage approve whatever waits for them; until the server is gone.
fn reviewers(c: Client, tokens: Vec<String>, journal: Journal) {
    let mut tried = HashSet::new();
    loop {
        let mut acted = false;
        for (who, token) in tokens.iter().enumerate() {
            let Some(todo) = tasks(&c, token, &["approve", "sign", "verify"]) else { return };
            for m in todo {
                let Ok(measure) = c.try_call("GET", &format!("/api/v1/measures/{m}"), Some(token), None, &[]) else { return };
                let Some(version) = measure.header("etag").map(str::to_string) else { continue };
                if !tried.insert((who, m, version.clone())) {
                    continue;
                }
                acted = true;
                let body = json!({"decision": "approve", "comment": "材料齐全"});
                let r = c.try_call("POST", &format!("/api/v1/measures/{m}/signoffs"), Some(token), Some(body), &[("If-Match", &version)]);
                if journal.note(Work::Signoff, m.to_string(), r).is_none() {
                    return;
                }
            }
        }
        if !acted {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A category of the reference ledger (9 problems, 27 measures) under a new title.
fn import_document(title: &str) -> Value {
    let mut category = reference()["categories"][1].clone();
    category["title"] = json!(title);
    // Numbered after what the inspection holds, not as in the report.
    category.as_object_mut().unwrap().remove("ordinal");
    for p in category["problems"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("ordinal");
    }
    json!({"categories": [category]})
}

/// The coordinator imports category after category; until the server is gone.
fn importer(c: Client, token: String, inspection: i64, journal: Journal) {
    for n in 1.. {
        let title = format!("断电前导入的方面 {n}");
        let path = format!("/api/v1/inspections/{inspection}/import?on_existing=add");
        if journal.note(Work::Import, &title, c.try_call("POST", &path, Some(&token), Some(import_document(&title)), &[])).is_none() {
            return;
        }
    }
}

/// Teachers upload and hand in, reviewers sign off, the coordinator imports, all at once on the
/// demo ledger; the server is killed (SIGKILL) once each kind of work has been answered twice, and
/// started again on the same database and files. Every answered request is there afterwards,
/// whole; a request that got no answer is there whole or not at all; no file without its row.
fn killed_in_the_middle_of_work(backend: Backend) {
    let Some(db) = TestDb::with_demo_ledger(backend) else { return };
    let db = Arc::new(db);
    // The sweeper removes at once what a kill left (at start-up, before any new upload).
    let mut server = ServerProcess::start(db.clone(), &[("RECTIFY_SWEEP_GRACE", "0")]);
    let zgb = server.login("zgb");
    let inspection = id(&server.get("/api/v1/inspections", &zgb).json["items"][0]);

    let journal = Journal::default();
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    for who in ["jiangf", "qinlm", "zengxy"] {
        let (c, token, j) = (server.client.clone(), server.login(who), journal.clone());
        workers.push(std::thread::spawn(move || teacher(c, who, token, j)));
    }
    let (c, j) = (server.client.clone(), journal.clone());
    let tokens = ["qinss", "xuzg", "lixy", "zhanghc", "daixb"].iter().map(|u| server.login(u)).collect();
    workers.push(std::thread::spawn(move || reviewers(c, tokens, j)));
    let (c, token, j) = (server.client.clone(), zgb.clone(), journal.clone());
    workers.push(std::thread::spawn(move || importer(c, token, inspection, j)));

    let started = Instant::now();
    while [Work::Upload, Work::Submit, Work::Signoff, Work::Import].iter().any(|w| journal.answered(*w) < 2) {
        assert!(started.elapsed() < Duration::from_secs(120), "each kind of work answered within two minutes");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Somewhere in the middle of what follows.
    std::thread::sleep(Duration::from_millis(rand::random::<u64>() % 200));
    server.kill();
    for w in workers {
        w.join().unwrap();
    }
    server.restart();

    let sent = std::mem::take(&mut *journal.0.lock().unwrap());
    let count = |work: Work| sent.iter().filter(|s| s.work == work).count();
    eprintln!(
        "killed after {} uploads, {} submissions, {} sign-offs, {} imports answered; sent {}, {}, {}, {}",
        answered(&sent, Work::Upload),
        answered(&sent, Work::Submit),
        answered(&sent, Work::Signoff),
        answered(&sent, Work::Import),
        count(Work::Upload),
        count(Work::Submit),
        count(Work::Signoff),
        count(Work::Import),
    );

    // Uploads: answered ones recorded once, refused ones not at all, lost ones at most once.
    let mut by_title: HashMap<String, Vec<i64>> = HashMap::new();
    for offset in (0..).step_by(200) {
        let page = server.get(&format!("/api/v1/evidence?include_deleted=true&limit=200&offset={offset}"), &zgb).ok(200).clone();
        for e in page["items"].as_array().unwrap() {
            by_title.entry(e["title"].as_str().unwrap().to_string()).or_default().push(id(e));
        }
        if page["items"].as_array().unwrap().len() < 200 {
            break;
        }
    }
    for s in sent.iter().filter(|s| s.work == Work::Upload) {
        let found = by_title.get(&s.about).cloned().unwrap_or_default();
        match &s.answer {
            Answer::Done(v) => assert_eq!(found, [id(v)], "{}: answered 201, recorded once", s.about),
            Answer::Refused => assert!(found.is_empty(), "{}: refused, not recorded", s.about),
            Answer::Lost => assert!(found.len() <= 1, "{}: recorded at most once", s.about),
        }
    }
    // Submissions stay handed in; sign-offs stay signed.
    for s in sent.iter().filter(|s| matches!(s.answer, Answer::Done(_))) {
        let m = &s.about;
        match s.work {
            Work::Submit => {
                let status = server.get(&format!("/api/v1/measures/{m}"), &zgb).ok(200)["status"].clone();
                assert!(status != "not_started" && status != "in_progress", "measure {m} was handed in, now {status}");
            }
            Work::Signoff => {
                let Answer::Done(v) = &s.answer else { unreachable!() };
                let list = server.get(&format!("/api/v1/measures/{m}/signoffs"), &zgb).ok(200).clone();
                let ids: Vec<i64> = list["items"].as_array().unwrap().iter().map(id).collect();
                assert!(ids.contains(&id(&v["signoff"])), "sign-off {} of measure {m} is kept: {ids:?}", v["signoff"]["id"]);
            }
            _ => {}
        }
    }
    // Imports: all of a document, or none of it.
    let categories = server.get(&format!("/api/v1/inspections/{inspection}/categories"), &zgb).ok(200).clone();
    let category: HashMap<&str, i64> = categories.as_array().unwrap().iter().map(|c| (c["title"].as_str().unwrap(), id(c))).collect();
    let problems = server.get(&format!("/api/v1/inspections/{inspection}/problems"), &zgb).ok(200).clone();
    let stats = server.get(&format!("/api/v1/inspections/{inspection}/stats"), &zgb).ok(200).clone();
    let problems_in = |c: i64| problems.as_array().unwrap().iter().filter(|p| p["category_id"] == c).count();
    let measures_in =
        |c: i64| stats["by_category"].as_array().unwrap().iter().find(|g| g["id"] == c).map_or(0, |g| g["total"].as_i64().unwrap());
    for s in sent.iter().filter(|s| s.work == Work::Import) {
        match (&s.answer, category.get(s.about.as_str())) {
            (Answer::Done(_), None) => panic!("{}: answered 201 but not there", s.about),
            (Answer::Refused, Some(_)) => panic!("{}: refused but there", s.about),
            (_, Some(&c)) => assert_eq!((problems_in(c), measures_in(c)), (9, 27), "{}: whole", s.about),
            _ => {}
        }
    }
    // No object without its row: what a kill left between storing and recording is swept.
    let report = db.assert_clean(&[]);
    let files: usize = report.split(" files checked").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    let objects = db.data_dir().join("objects");
    let swept = (0..50).any(|_| {
        let done = files_under(&objects.join("evidence")).len() == files && files_under(&objects.join("tmp")).is_empty();
        if !done {
            std::thread::sleep(Duration::from_millis(100));
        }
        done
    });
    assert!(swept, "{} objects for {files} recorded files", files_under(&objects.join("evidence")).len());
    // And the server takes work again.
    let m = tasks(&server, &server.login("jiangf"), &["work_on"]).unwrap()[0];
    server.post(&format!("/api/v1/measures/{m}/comments"), &zgb, json!({"body": "重启后继续整改"})).ok(201);
}

#[test]
fn killed_in_the_middle_of_work_sqlite() {
    killed_in_the_middle_of_work(Backend::Sqlite);
}

#[test]
fn killed_in_the_middle_of_work_postgres() {
    killed_in_the_middle_of_work(Backend::Postgres);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL restarted under load

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The directory of PostgreSQL's `initdb` and `pg_ctl` (Debian's newest, or `pg_config`'s).
fn postgres_bin() -> Option<PathBuf> {
    let has_tools = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| rd.flatten().filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin")))).collect())
        .unwrap_or_default();
    debian.sort();
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    debian.into_iter().rev().map(|(_, d)| d).chain(from_pg_config).find(|d| has_tools(d))
}

/// A PostgreSQL server of the test's own (`initdb` into a temporary directory), so that it can
/// be stopped and started without disturbing the one other tests share. As root, it runs as the
/// `postgres` user (PostgreSQL refuses root).
struct PrivateCluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl PrivateCluster {
    fn start() -> Option<PrivateCluster> {
        let Some(bin) = postgres_bin() else {
            let why = "PostgreSQL's initdb and pg_ctl are not installed (/usr/lib/postgresql/*/bin)";
            assert!(std::env::var("RECTIFY_TEST_REQUIRE_POSTGRES").map_or(true, |v| v != "1"), "RECTIFY_TEST_REQUIRE_POSTGRES=1 but {why}");
            eprintln!("skipped: {why}");
            return None;
        };
        let dir = std::env::temp_dir().join(format!("rectify_pg_{}_{}", std::process::id(), rand::random::<u32>()));
        std::fs::create_dir_all(&dir).unwrap();
        if running_as_root() {
            assert!(Command::new("chown").arg("postgres:").arg(&dir).status().unwrap().success(), "chown to the postgres user");
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cluster = PrivateCluster { bin, dir, port };
        let data = cluster.dir.join("data");
        assert!(cluster.run("initdb", &["-D", data.to_str().unwrap(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "-N"]));
        cluster.start_server();
        Some(cluster)
    }

    /// Runs one of PostgreSQL's programs (as `postgres` when root); whether it succeeded.
    fn run(&self, program: &str, args: &[&str]) -> bool {
        let program = self.bin.join(program);
        let mut cmd = if running_as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let out = cmd.args(args).output().unwrap();
        if !out.status.success() {
            eprintln!("{} {args:?}: {}", program.display(), String::from_utf8_lossy(&out.stderr));
        }
        out.status.success()
    }

    fn pg_ctl(&self, args: &[&str]) -> bool {
        let data = self.dir.join("data");
        self.run("pg_ctl", &[&["-D", data.to_str().unwrap(), "-w"][..], args].concat())
    }

    fn start_server(&self) {
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.dir.display());
        let log = self.dir.join("postgres.log");
        assert!(self.pg_ctl(&["-l", log.to_str().unwrap(), "-o", &options, "start"]), "pg_ctl start");
    }

    /// Fast shutdown: sessions are ended, open transactions rolled back.
    fn stop_server(&self) {
        assert!(self.pg_ctl(&["-m", "fast", "stop"]), "pg_ctl stop");
    }

    fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        self.pg_ctl(&["-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One request of a load: when it left (since the load began), how long its answer took, and
/// the answer (`Err`: none came).
struct Timed {
    at: Duration,
    took: Duration,
    write: bool,
    answer: Result<Resp, String>,
}

#[test]
fn a_postgresql_restart_under_load_answers_503_at_once_and_the_server_recovers_by_itself() {
    let Some(cluster) = PrivateCluster::start() else { return };
    let db = Arc::new(TestDb::create_on_postgres(&cluster.admin_url()));
    db.migrate_and_seed();
    let app = TestApp::serve_config(db.clone(), test_config(&db));
    let b = build(&app);
    let zgb = app.login("zgb");
    let m = b.measures[0];

    // A steady load: two clients reading, one writing comments, each sending as soon as answered.
    let running = Arc::new(AtomicBool::new(true));
    let t0 = Instant::now();
    let clients: Vec<JoinHandle<Vec<Timed>>> = [false, false, true]
        .into_iter()
        .enumerate()
        .map(|(i, write)| {
            let (c, token, running) = (app.client.clone(), zgb.clone(), running.clone());
            std::thread::spawn(move || {
                let mut log = Vec::new();
                for n in 0.. {
                    if !running.load(Ordering::Relaxed) {
                        break;
                    }
                    let at = t0.elapsed();
                    let answer = match (write, i) {
                        (true, _) => c.try_call(
                            "POST",
                            &format!("/api/v1/measures/{m}/comments"),
                            Some(&token),
                            Some(json!({"body": format!("第{n}条意见")})),
                            &[],
                        ),
                        (false, 0) => c.try_call("GET", "/api/v1/measures?limit=20", Some(&token), None, &[]),
                        (false, _) => c.try_call("GET", &format!("/api/v1/measures/{m}/comments"), Some(&token), None, &[]),
                    };
                    log.push(Timed { at, took: t0.elapsed() - at, write, answer });
                }
                log
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let down = t0.elapsed();
    cluster.stop_server();
    std::thread::sleep(Duration::from_secs(3));
    cluster.start_server();
    let up = t0.elapsed();
    std::thread::sleep(Duration::from_secs(5));
    running.store(false, Ordering::Relaxed);
    let log: Vec<Timed> = clients.into_iter().flat_map(|c| c.join().unwrap()).collect();

    // Every request was answered, quickly: 2xx, or 503 `database_unavailable`; never a hang or a 500.
    let status = |t: &Timed| t.answer.as_ref().map_or(0, |r| r.status);
    let slowest = log.iter().map(|t| t.took).max().unwrap();
    let unavailable = |write: bool| log.iter().filter(|t| t.write == write && status(t) == 503).count();
    // Back by itself once PostgreSQL is: the first success soon after, then only successes.
    let recovered = log.iter().filter(|t| t.at > up && status(t) / 100 == 2).map(|t| t.at - up).min();
    eprintln!(
        "{} requests, {} reads and {} writes answered 503 (PostgreSQL down {down:?} – {up:?}), {} other failures; \
         recovered {recovered:?} after PostgreSQL was back; slowest answer {slowest:?}",
        log.len(),
        unavailable(false),
        unavailable(true),
        log.iter().filter(|t| status(t) / 100 != 2 && status(t) != 503).count(),
    );
    for t in &log {
        let r = t.answer.as_ref().unwrap_or_else(|e| panic!("no answer at {:?}: {e}", t.at));
        if r.status >= 300 {
            r.problem(503, "database_unavailable");
        }
    }
    assert!(slowest < Duration::from_secs(3), "the slowest answer took {slowest:?}");
    assert!(unavailable(false) > 0 && unavailable(true) > 0, "the outage was felt by reads and writes");
    let recovered = up + recovered.expect("recovered");
    assert!(recovered - up < Duration::from_secs(4), "recovered {:?} after PostgreSQL was back", recovered - up);
    let after: Vec<&Timed> = log.iter().filter(|t| t.at > recovered + Duration::from_secs(1)).collect();
    assert!(!after.is_empty() && after.iter().all(|t| status(t) / 100 == 2), "only successes once recovered");

    // Every comment answered 201 is kept; none is there twice.
    let kept = app.get(&format!("/api/v1/measures/{m}/comments"), &zgb).ok(200).clone();
    let kept: Vec<i64> = kept.as_array().unwrap().iter().map(id).collect();
    for t in log.iter().filter(|t| t.write) {
        let r = t.answer.as_ref().unwrap();
        if r.status == 201 {
            assert!(kept.contains(&id(&r.json)), "comment {} was answered 201", r.json["id"]);
        }
    }
    assert_eq!(kept.len(), kept.iter().collect::<HashSet<_>>().len());
    drop(app);
    db.assert_clean(&[]);
}

// ---------------------------------------------------------------------------------------------
// The evidence disk full

/// A small tmpfs mounted on `dir` (needs root), unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(dir).output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs(dir.to_path_buf())),
            Ok(o) => {
                eprintln!("skipped: cannot mount a tmpfs (run as root): {}", String::from_utf8_lossy(&o.stderr).trim());
                None
            }
            Err(e) => {
                eprintln!("skipped: cannot run mount: {e}");
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the disk holding `path` with that one file, but for about `free` bytes.
fn fill(path: &Path, free: u64) {
    let mut f = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 64 << 10];
    let mut written = 0u64;
    while let Ok(n) = f.write(&chunk) {
        if n == 0 {
            break;
        }
        written += n as u64;
    }
    f.set_len(written.saturating_sub(free)).unwrap();
}

#[test]
fn a_full_evidence_disk_answers_507_records_nothing_and_the_rest_keeps_working() {
    let db = Arc::new(TestDb::create(Backend::Sqlite).unwrap());
    db.migrate_and_seed();
    // The evidence files (and their spool) on a 1 MiB disk of their own; the database elsewhere.
    let objects = db.data_dir().join("objects");
    let Some(disk) = Tmpfs::mount(&objects, "1m") else { return };
    let app = TestApp::serve_config(db.clone(), test_config(&db));
    let b = build(&app);
    let zgb = app.login("zgb");
    let m = b.measures[0];
    let filler = objects.join("filler");
    fill(&filler, 100 << 10);
    let used = storage_used(&db);

    let file = pdf_of(300 << 10);
    let send = || {
        app.upload(
            "POST",
            &format!("/api/v1/measures/{m}/evidence"),
            &zgb,
            multipart(&[("title", "会议纪要")], Some(("纪要.pdf", &file))),
            &[],
        )
    };
    let r = send();
    r.problem(507, "storage_full");
    assert!(!r.body.contains("/tmp") && !r.body.contains("os error"), "nothing internal: {}", r.body);
    assert_eq!(app.get("/api/v1/evidence?include_deleted=true", &zgb).ok(200)["total"], 0, "no evidence recorded");
    assert_eq!(files_under(&objects.join("tmp")), Vec::<PathBuf>::new(), "no spooled file left");
    assert_eq!(files_under(&objects.join("evidence")), Vec::<PathBuf>::new(), "no object stored");
    assert_eq!(storage_used(&db), used, "nothing counted against the quota");

    // The rest of the API works meanwhile: reads, and writes to the database.
    assert!(app.get("/api/v1/measures", &zgb).ok(200)["total"].as_i64().unwrap() > 0);
    app.post(&format!("/api/v1/measures/{m}/comments"), &zgb, json!({"body": "存储已满，材料稍后上传"})).ok(201);

    // Space freed: the same upload goes through.
    std::fs::remove_file(&filler).unwrap();
    send().ok(201);
    assert_eq!(storage_used(&db), used + file.len() as i64);
    drop(app);
    let report = db.assert_clean(&[]);
    assert!(report.contains("1 files checked, 1 intact"), "{report}");
    drop(disk);
}

// ---------------------------------------------------------------------------------------------
// The S3 endpoint down or hanging

/// A TCP server that accepts connections and never answers: an S3 endpoint that hangs.
struct Blackhole {
    addr: SocketAddr,
    open: Arc<AtomicBool>,
    accepting: Option<JoinHandle<()>>,
}

impl Blackhole {
    fn start() -> Blackhole {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let still = open.clone();
        let accepting = std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming() {
                if !still.load(Ordering::Relaxed) {
                    break;
                }
                held.extend(conn.ok());
            }
        });
        Blackhole { addr, open, accepting: Some(accepting) }
    }
}

impl Drop for Blackhole {
    fn drop(&mut self) {
        self.open.store(false, Ordering::Relaxed);
        let _ = TcpStream::connect(self.addr); // wakes the accepting thread
        let _ = self.accepting.take().map(JoinHandle::join);
    }
}

enum S3Fault {
    /// Nothing listens: connections are refused.
    Down,
    /// Connections are accepted, requests never answered.
    Hanging,
}

/// Uploads and downloads while the S3 endpoint fails: each answers 503 `storage_unavailable`
/// within the configured bound, nothing is recorded, and the server stays responsive without
/// gathering threads.
fn s3_fails(fault: S3Fault) {
    // A file recorded while the evidence lived on the local disk: its download goes to S3 below.
    let app = TestApp::start(Backend::Sqlite).unwrap();
    let b = build(&app);
    let zgb = app.login("zgb");
    let m = b.measures[0];
    let stored = id(app
        .upload("POST", &format!("/api/v1/measures/{m}/evidence"), &zgb, multipart(&[("title", "甲")], Some(("a.pdf", PDF))), &[])
        .ok(201));
    let db = app.db.clone();
    drop(app);
    let used = storage_used(&db);

    let hole = matches!(fault, S3Fault::Hanging).then(Blackhole::start);
    let endpoint = match &hole {
        Some(h) => format!("http://{}", h.addr),
        None => format!("http://127.0.0.1:{}", TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()),
    };
    let (timeout, retries) = (2u64, 1u64);
    let server = ServerProcess::start(
        db.clone(),
        &[
            ("RECTIFY_S3_BUCKET", "evidence"),
            ("RECTIFY_S3_ENDPOINT", &endpoint),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("RECTIFY_S3_CONNECT_TIMEOUT", "1"),
            ("RECTIFY_S3_TIMEOUT", &timeout.to_string()),
            ("RECTIFY_S3_RETRIES", &retries.to_string()),
        ],
    );
    // At most every attempt timing out, and two seconds for the backoff between and the rest.
    let bound = Duration::from_secs((retries + 1) * timeout + 2);

    // Eight uploads and eight downloads at once; /healthz and a database-only list are asked
    // meanwhile.
    let before = server.threads();
    let requests: Vec<JoinHandle<(Duration, Resp)>> = (0..16)
        .map(|i| {
            let (c, token) = (server.client.clone(), zgb.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                let r = if i % 2 == 0 {
                    c.upload(
                        "POST",
                        &format!("/api/v1/measures/{m}/evidence"),
                        &token,
                        multipart(&[("title", "乙")], Some(("b.pdf", PDF))),
                        &[],
                    )
                } else {
                    c.get(&format!("/api/v1/evidence/{stored}/content"), &token)
                };
                (started.elapsed(), r)
            })
        })
        .collect();
    let (mut slowest_probe, mut peak) = (Duration::ZERO, before);
    loop {
        for path in ["/healthz", "/api/v1/measures?limit=5"] {
            let started = Instant::now();
            assert_eq!(server.call("GET", path, Some(&zgb), None, &[]).status, 200, "{path}");
            slowest_probe = slowest_probe.max(started.elapsed());
        }
        peak = peak.max(server.threads());
        if requests.iter().all(|r| r.is_finished()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut slowest = Duration::ZERO;
    for (took, r) in requests.into_iter().map(|r| r.join().unwrap()) {
        r.problem(503, "storage_unavailable");
        slowest = slowest.max(took);
    }
    // Every thread the failing requests used is given back: none stays waiting on S3 (idle
    // worker threads end after 10 s).
    let settled = Instant::now();
    while server.threads() > before && settled.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let after = server.threads();
    eprintln!(
        "16 requests answered 503 within {slowest:?} (bound {bound:?}); slowest /healthz or list meanwhile {slowest_probe:?}; \
         threads {before} before, {peak} at most, {after} {:?} after",
        settled.elapsed()
    );
    assert!(slowest < bound, "answered in {slowest:?}, more than {bound:?}");
    assert!(slowest_probe < Duration::from_secs(1), "the server kept answering other requests: slowest {slowest_probe:?}");
    assert!(after <= before, "threads gather: {before} before, {after} after");

    // Nothing was recorded or left behind.
    assert_eq!(server.get("/api/v1/evidence?include_deleted=true", &zgb).ok(200)["total"], 1);
    assert_eq!(files_under(&db.data_dir().join("spool")), Vec::<PathBuf>::new(), "no spooled file left");
    assert_eq!(storage_used(&db), used);
    drop(server);
    drop(hole);
    // (Checked on the local disk, where the one recorded file is.)
    let report = db.assert_clean(&[]);
    assert!(report.contains("1 files checked, 1 intact"), "{report}");
}

#[test]
fn an_s3_endpoint_that_is_down_fails_uploads_and_downloads_with_503() {
    s3_fails(S3Fault::Down);
}

#[test]
fn an_s3_endpoint_that_hangs_fails_uploads_and_downloads_within_the_timeout() {
    s3_fails(S3Fault::Hanging);
}
