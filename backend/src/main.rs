//! The `rectify` command: serve the API, migrate, manage organisations and users, seed demo data.

use std::io::BufRead;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

use actix_web::web;
use clap::{Parser, Subcommand};
use diesel::prelude::*;

use rectify::auth::{password, Role};
use rectify::config::{redact_url, Config, S3Config};
use rectify::db::{self, DbConn};
use rectify::demo;
use rectify::domain::organisations::{self, NewOrganisation, OrgKind};
use rectify::domain::users::{self, NewUser, UserPatch};
use rectify::schema::{organisations as org_t, users as user_t};
use rectify::state::AppState;

#[derive(Parser)]
#[command(name = "rectify", version, about = "Rectify: tracking the rectification of inspection findings")]
struct Cli {
    /// A KEY=VALUE file of RECTIFY_* settings (environment variables win). Also RECTIFY_CONFIG.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Re-compute every organisation's hash chain; report the first broken link (exit status 1 then).
    Verify,
}

#[derive(Subcommand)]
enum EvidenceCommand {
    /// Re-hash every stored file and report any missing or altered one (exit status 1 then).
    Verify,
    /// Remove interrupted uploads and objects without a row older than --grace seconds.
    Sweep {
        #[arg(long)]
        grace: Option<u64>,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API on RECTIFY_BIND.
    Serve {
        /// Seed the demo organisations and accounts if they are not there yet.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Demo data.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Import a ledger document (categories → problems → measures, as ledger.json) into an
    /// organisation: into --inspection, or a new inspection made from the document's
    /// `inspection` block. All or nothing.
    Import {
        file: PathBuf,
        /// Organisation name or id.
        #[arg(long)]
        org: String,
        /// An existing inspection to add to.
        #[arg(long)]
        inspection: Option<i64>,
        /// Check and preview only.
        #[arg(long)]
        dry_run: bool,
        /// What to do with what the inspection already holds (same titles): skip, update or add.
        #[arg(long, value_parser = parse_on_existing)]
        on_existing: Option<rectify::domain::ledger::import::OnExisting>,
    },
    /// Evidence storage.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Check that no state of the ledger contradicts another (a closed-out problem holds only
    /// done measures, a status its approvals, …); lists each contradiction (exit status 1 then).
    Check,
    /// Produce deadline reminders now (the server does it every RECTIFY_REMINDER_INTERVAL);
    /// safe beside running servers: each reminder arrives once.
    Remind {
        /// The day to remind for, in every organisation (default: today in each one's time zone).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
    /// Write a backup of the whole installation (every table and evidence object, with a
    /// manifest of hashes) to FILE; consistent while the server runs.
    Backup { file: PathBuf },
    /// Restore a backup into the configured database, which must be empty, and evidence
    /// storage. Exit status 3: the database is not empty; 4: the file is damaged or altered;
    /// 5: made by a newer version.
    Restore { file: PathBuf },
    /// Copy the whole installation into another, empty database (SQLite ↔ PostgreSQL). The
    /// evidence stays in the configured storage unless --to-data-dir or --to-s3-bucket names
    /// where the new installation keeps it.
    Copy {
        /// The new database: postgres://user:password@host/db or sqlite://path.
        #[arg(long)]
        to: String,
        /// Copy the evidence into DIR/objects (the new installation's RECTIFY_DATA_DIR).
        #[arg(long, conflicts_with = "to_s3_bucket")]
        to_data_dir: Option<PathBuf>,
        /// Copy the evidence into this S3-compatible bucket (credentials from AWS_ACCESS_KEY_ID
        /// and AWS_SECRET_ACCESS_KEY).
        #[arg(long)]
        to_s3_bucket: Option<String>,
        #[arg(long, requires = "to_s3_bucket")]
        to_s3_endpoint: Option<String>,
        #[arg(long, requires = "to_s3_bucket", default_value = "us-east-1")]
        to_s3_region: String,
    },
    /// Print the OpenAPI document (or write it to a file).
    Openapi {
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. Without --password-stdin a random password is generated and printed once.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// Organisation name or id.
        #[arg(long)]
        org: String,
        /// One or more of admin, coordinator, staff, responsible_leader, leader, discipline, bureau_supervisor.
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
        #[arg(long, default_value = "")]
        title: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password (ends the user's sessions).
    SetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable a user (ends the user's sessions).
    Disable {
        #[arg(long)]
        username: String,
    },
    /// List users.
    List {
        /// Organisation name or id.
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create a bureau, or a school under a bureau.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["bureau", "school"])]
        kind: String,
        /// The supervising bureau (name or id); required for a school.
        #[arg(long)]
        parent: Option<String>,
        #[arg(long)]
        timezone: Option<String>,
    },
    /// List organisations.
    List,
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Create the demo bureau, schools, departments, accounts and the reference ledger (once).
    Seed {
        /// `county`: also 40 schools × 3 inspections × 30 problems × 4 measures, for load tests.
        #[arg(long, value_parser = ["county"])]
        scale: Option<String>,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("unknown role {s:?}"))
}

// glibc's malloc kept the 19 MiB argon2 blocks of a login burst in per-thread arenas (RSS grew
// by ~600 MiB and stayed); mimalloc returns freed memory to the system (bench/memory.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration: {e}");
            return ExitCode::from(2);
        }
    };
    rectify::init_logging(config.log_format);
    let command = match cli.command {
        Command::Backup { file } => return backup_command(rectify::backup::backup(&config, &file).map(|s| (s, file))),
        Command::Restore { file } => return restore_command(&config, &file),
        Command::Copy { to, to_data_dir, to_s3_bucket, to_s3_endpoint, to_s3_region } => {
            return copy_command(
                &config,
                to,
                to_data_dir,
                to_s3_bucket.map(|bucket| S3Config {
                    bucket,
                    endpoint: to_s3_endpoint,
                    region: to_s3_region,
                    // The same patience with the target as with the configured storage.
                    connect_timeout: config.s3.as_ref().map_or(5, |s| s.connect_timeout),
                    timeout: config.s3.as_ref().map_or(30, |s| s.timeout),
                    retries: config.s3.as_ref().map_or(2, |s| s.retries),
                }),
            );
        }
        command => command,
    };
    match run(command, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n => format!("{n} bytes"),
    }
}

fn describe(s: &rectify::backup::Summary) -> String {
    format!("{} rows in {} tables, {} evidence objects ({})", s.rows, s.tables, s.objects, human_bytes(s.bytes))
}

fn backup_failed(e: rectify::backup::Error) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(e.exit_code())
}

fn backup_command(result: Result<(rectify::backup::Summary, PathBuf), rectify::backup::Error>) -> ExitCode {
    match result {
        Ok((s, file)) => {
            println!("backup written to {}: {}", file.display(), describe(&s));
            ExitCode::SUCCESS
        }
        Err(e) => backup_failed(e),
    }
}

fn restore_command(config: &Config, file: &std::path::Path) -> ExitCode {
    match rectify::backup::restore(config, file) {
        Ok((m, s)) => {
            println!(
                "restored {} made {} on {} into {}: {}",
                file.display(),
                m.created_at,
                m.source_backend,
                redact_url(&config.database_url),
                describe(&s)
            );
            if s.later_migrations > 0 {
                println!("then applied {} newer migration(s)", s.later_migrations);
            }
            ExitCode::SUCCESS
        }
        Err(e) => backup_failed(e),
    }
}

fn copy_command(config: &Config, to: String, to_data_dir: Option<PathBuf>, to_s3: Option<S3Config>) -> ExitCode {
    let same_storage = to_data_dir.is_none() && to_s3.is_none();
    let mut target = config.clone();
    target.database_url = to;
    if let Some(dir) = to_data_dir {
        target.data_dir = dir;
        target.s3 = None;
    }
    if to_s3.is_some() {
        target.s3 = to_s3;
    }
    match rectify::backup::copy(config, &target, same_storage) {
        Ok(s) => {
            println!("copied into {}: {}", redact_url(&target.database_url), describe(&s));
            if same_storage {
                println!("the evidence stays where it is; keep this installation's RECTIFY_DATA_DIR / RECTIFY_S3_* settings");
            }
            ExitCode::SUCCESS
        }
        Err(e) => backup_failed(e),
    }
}

fn connect(config: &Config) -> Result<DbConn, String> {
    use diesel::r2d2::ManageConnection;
    db::Manager::new(&config.database_url)
        .connect()
        .map_err(|e| format!("cannot open the database {}: {e}", redact_url(&config.database_url)))
}

fn read_password(from_stdin: bool) -> Result<(String, bool), String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
        Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
    } else {
        Ok((rectify::auth::tokens::random_secret(12), true))
    }
}

fn org_by_name_or_id(conn: &mut DbConn, key: &str) -> Result<i64, String> {
    let found = match key.parse::<i64>() {
        Ok(id) => org_t::table.find(id).select(org_t::id).first::<i64>(conn).optional(),
        Err(_) => org_t::table.filter(org_t::name.eq(key)).select(org_t::id).first::<i64>(conn).optional(),
    };
    found.map_err(|e| e.to_string())?.ok_or_else(|| format!("no organisation {key:?}"))
}

fn user_by_name(conn: &mut DbConn, username: &str) -> Result<(i64, i64, i64), String> {
    user_t::table
        .filter(user_t::username.eq(users::normalise_username(username)))
        .select((user_t::id, user_t::organisation_id, user_t::version))
        .first(conn)
        .optional()
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no user {username:?}"))
}

fn run(command: Command, mut config: Config) -> Result<(), String> {
    match command {
        Command::Openapi { output } => {
            let json = rectify::api::openapi().to_pretty_json().map_err(|e| e.to_string())? + "\n";
            match output {
                Some(path) => std::fs::write(&path, json).map_err(|e| format!("{}: {e}", path.display())),
                None => {
                    print!("{json}");
                    Ok(())
                }
            }
        }
        Command::Migrate => {
            let n = db::migrate(&mut connect(&config)?)?;
            println!("applied {n} migration(s) to {}", redact_url(&config.database_url));
            Ok(())
        }
        Command::Serve { demo } => {
            config.load_or_create_secret()?;
            let mut conn = connect(&config)?;
            let applied = db::migrate(&mut conn)?;
            tracing::info!(applied, database = %redact_url(&config.database_url), "migrations applied");
            if demo {
                seed_demo(&mut conn, &config)?;
            }
            db::analyze(&mut conn, false)?;
            let users: i64 = user_t::table.count().get_result(&mut conn).map_err(|e| e.to_string())?;
            if users == 0 {
                eprintln!(
                    "No users yet. Create an organisation and the first admin:\n  \
                     rectify org create --name '某县教育局' --kind bureau\n  \
                     rectify user create --org '某县教育局' --username admin --display-name '系统管理员' --role admin\n\
                     or start with `rectify serve --demo` for the demo data."
                );
            }
            drop(conn);
            let pool = db::build_pool(&config.database_url, config.db_pool_size, std::time::Duration::from_secs(config.db_timeout))?;
            let listener = TcpListener::bind(&config.bind).map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
            tracing::info!(address = %config.bind, "serving; API docs at /api/docs");
            let state = web::Data::new(AppState::new(config, pool)?);
            actix_web::rt::System::new().block_on(async move { rectify::server(state, listener)?.await }).map_err(|e| e.to_string())
        }
        Command::Demo(DemoCommand::Seed { scale }) => {
            let mut conn = connect(&config)?;
            db::migrate(&mut conn)?;
            seed_demo(&mut conn, &config)?;
            if scale.is_some() {
                let started = std::time::Instant::now();
                let n = demo::seed_county(&mut conn).map_err(problem)?;
                db::analyze(&mut conn, true)?;
                println!("county: {n} new schools ({} measures each) in {:.1} s", 3 * 30 * 4, started.elapsed().as_secs_f64());
            }
            Ok(())
        }
        Command::Org(OrgCommand::Create { name, kind, parent, timezone }) => {
            let mut conn = connect(&config)?;
            db::migrate(&mut conn)?;
            let parent_id = parent.map(|p| org_by_name_or_id(&mut conn, &p)).transpose()?;
            let kind = if kind == "bureau" { OrgKind::Bureau } else { OrgKind::School };
            let org = organisations::create(&mut conn, &demo::system_caller(0), NewOrganisation { name, kind, parent_id, timezone })
                .map_err(problem)?;
            println!("created organisation {} ({})", org.id, org.name);
            Ok(())
        }
        Command::Org(OrgCommand::List) => {
            let mut conn = connect(&config)?;
            let rows: Vec<(i64, String, String, Option<i64>)> = org_t::table
                .order(org_t::id)
                .select((org_t::id, org_t::name, org_t::kind, org_t::parent_id))
                .load(&mut conn)
                .map_err(|e| e.to_string())?;
            for (id, name, kind, parent) in rows {
                println!("{id}\t{kind}\t{name}\t{}", parent.map(|p| p.to_string()).unwrap_or_default());
            }
            Ok(())
        }
        Command::User(cmd) => user_command(cmd, &config),
        Command::Import { file, org, inspection, dry_run, on_existing } => {
            import_command(&config, &file, &org, inspection, dry_run, on_existing)
        }
        Command::Evidence(cmd) => evidence_command(cmd, &config),
        Command::Backup { .. } | Command::Restore { .. } | Command::Copy { .. } => {
            unreachable!("main runs the backup commands, which have exit statuses of their own")
        }
        Command::Remind { date } => {
            let mut conn = connect(&config)?;
            db::migrate(&mut conn)?;
            let n = rectify::domain::notifications::remind(&mut conn, date).map_err(problem)?;
            match date {
                Some(day) => println!("{n} reminders sent for {day}"),
                None => println!("{n} reminders sent for today in each organisation's time zone"),
            }
            Ok(())
        }
        Command::Check => {
            let mut conn = connect(&config)?;
            db::migrate(&mut conn)?;
            let r = rectify::domain::ledger::invariants::contradictions(&mut conn).map_err(problem)?;
            for c in &r.contradictions {
                println!("{c}");
            }
            println!(
                "{} inspections, {} problems, {} measures, {} contradictions",
                r.inspections,
                r.problems,
                r.measures,
                r.contradictions.len()
            );
            if r.contradictions.is_empty() {
                Ok(())
            } else {
                Err("states of the ledger contradict each other".into())
            }
        }
        Command::Audit(AuditCommand::Verify) => {
            let mut conn = connect(&config)?;
            db::migrate(&mut conn)?;
            let r = rectify::domain::audit::verify(&mut conn, None).map_err(problem)?;
            for b in &r.breaks {
                println!("organisation {}: {} at event #{} (id {:?})", b.organisation_id, b.problem, b.seq, b.event_id);
            }
            println!("{} organisations, {} events, {}", r.organisations, r.events, if r.intact { "intact" } else { "BROKEN" });
            if r.intact {
                Ok(())
            } else {
                Err("the audit log has been altered".into())
            }
        }
    }
}

fn evidence_command(cmd: EvidenceCommand, config: &Config) -> Result<(), String> {
    let mut conn = connect(config)?;
    db::migrate(&mut conn)?;
    drop(conn);
    let pool = db::build_pool(&config.database_url, 2, std::time::Duration::from_secs(config.db_timeout))?;
    let storage = rectify::storage::Storage::open(config)?;
    actix_web::rt::System::new().block_on(async move {
        match cmd {
            EvidenceCommand::Verify => {
                let checks = rectify::sweeper::verify_all(&pool, &storage).await.map_err(problem)?;
                let bad: Vec<_> = checks.iter().filter(|c| c.state != rectify::sweeper::FileState::Intact).collect();
                for c in &bad {
                    println!("{:?}\t{}\t{}\texpected sha256 {}", c.state, c.object_key, c.file_name, c.sha256);
                }
                println!("{} files checked, {} intact, {} missing or altered", checks.len(), checks.len() - bad.len(), bad.len());
                if bad.is_empty() {
                    Ok(())
                } else {
                    Err(format!("{} evidence files are missing or altered", bad.len()))
                }
            }
            EvidenceCommand::Sweep { grace } => {
                let grace = std::time::Duration::from_secs(grace.unwrap_or(config.sweep_grace));
                let r = rectify::sweeper::sweep(&pool, &storage, grace).await.map_err(problem)?;
                println!("removed {} interrupted uploads and {} objects without a row", r.spooled_files, r.orphan_objects);
                Ok(())
            }
        }
    })
}

fn parse_on_existing(s: &str) -> Result<rectify::domain::ledger::import::OnExisting, String> {
    rectify::domain::ledger::import::OnExisting::parse(s).ok_or_else(|| format!("{s}: one of skip, update, add"))
}

fn import_command(
    config: &Config,
    file: &std::path::Path,
    org: &str,
    inspection: Option<i64>,
    dry_run: bool,
    on_existing: Option<rectify::domain::ledger::import::OnExisting>,
) -> Result<(), String> {
    use rectify::domain::ledger::import;
    use rectify::domain::ledger::inspections::{self, NewInspection};
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", file.display()))?;
    let mut conn = connect(config)?;
    db::migrate(&mut conn)?;
    let organisation_id = org_by_name_or_id(&mut conn, org)?;
    let caller = demo::system_caller(organisation_id);
    if dry_run {
        // Checked against the inspection's content when one is named, else as a new one.
        let report = match inspection {
            Some(id) => import::import(&mut conn, &caller, id, &doc, true, on_existing, &mut |_, _| {}).map_err(problem)?,
            None => {
                let dir = import::Directory::load(&mut conn, organisation_id).map_err(problem)?;
                import::check(&doc, &dir, &import::ExistingLedger::default(), true, on_existing).1
            }
        };
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
        return Ok(());
    }
    let (id, r) = db::write_tx(&mut conn, |conn| {
        let id = match inspection {
            Some(id) => id,
            None => {
                let i = &doc["inspection"];
                let inspector = i["inspector"].as_str().unwrap_or("巡察组").to_string();
                let date = |k: &str| i[k].as_str().and_then(|s| s.parse().ok());
                let new = NewInspection {
                    organisation_id: Some(organisation_id),
                    title: format!("{inspector}巡察反馈问题整改"),
                    inspector,
                    onsite_start: date("started_on"),
                    onsite_end: date("ended_on"),
                    feedback_date: date("feedback_on"),
                    deadline: None,
                    status: None,
                    leading_group: Vec::new(),
                    ledger: None,
                };
                inspections::create(conn, &caller, new)?.id
            }
        };
        let report = import::import(conn, &caller, id, &doc, false, on_existing, &mut |done, total| {
            let width = 30;
            let filled = done * width / total.max(1);
            eprint!("\r导入 importing [{}{}] {done}/{total}", "#".repeat(filled), " ".repeat(width - filled));
            if done == total {
                eprintln!();
            }
        })?;
        Ok((id, report))
    })
    .map_err(problem)?;
    let n = |c: import::ImportCounts| format!("{} categories, {} problems, {} measures", c.categories, c.problems, c.measures);
    println!("imported into inspection {id}: {}", n(r.created));
    if r.existing.total() > 0 {
        println!("already there: {}; updated: {}; unchanged: {}; skipped: {}", n(r.existing), n(r.updated), n(r.unchanged), n(r.skipped));
    }
    Ok(())
}

fn user_command(cmd: UserCommand, config: &Config) -> Result<(), String> {
    let mut conn = connect(config)?;
    db::migrate(&mut conn)?;
    match cmd {
        UserCommand::Create { username, display_name, org, roles, title, password_stdin } => {
            let organisation_id = org_by_name_or_id(&mut conn, &org)?;
            let (pw, generated) = read_password(password_stdin)?;
            let input = NewUser {
                username,
                display_name,
                title,
                organisation_id: Some(organisation_id),
                department_id: None,
                roles,
                password: pw.clone(),
            };
            users::precheck_new(&input).map_err(problem)?;
            let user = users::create(&mut conn, &demo::system_caller(organisation_id), input, password::hash(&pw)).map_err(problem)?;
            println!("created user {} ({})", user.id, user.username);
            if generated {
                println!("password: {pw}\n(shown once; the user should change it after signing in)");
            }
            Ok(())
        }
        UserCommand::SetPassword { username, password_stdin } => {
            let (id, org, version) = user_by_name(&mut conn, &username)?;
            let (pw, generated) = read_password(password_stdin)?;
            password::check_policy(&pw, &users::normalise_username(&username), "/password").map_err(|e| e.message)?;
            users::reset_password(&mut conn, &demo::system_caller(org), id, &version.into(), password::hash(&pw)).map_err(problem)?;
            println!("password set for {username}; existing sessions ended");
            if generated {
                println!("password: {pw}");
            }
            Ok(())
        }
        UserCommand::Disable { username } => {
            let (id, org, version) = user_by_name(&mut conn, &username)?;
            users::update(
                &mut conn,
                &demo::system_caller(org),
                id,
                &version.into(),
                UserPatch { active: Some(false), ..Default::default() },
            )
            .map_err(problem)?;
            println!("disabled {username}; existing sessions ended");
            Ok(())
        }
        UserCommand::List { org } => {
            let mut query = user_t::table.into_boxed();
            if let Some(o) = org {
                query = query.filter(user_t::organisation_id.eq(org_by_name_or_id(&mut conn, &o)?));
            }
            let rows: Vec<(i64, String, String, i64, bool)> = query
                .order(user_t::id)
                .select((user_t::id, user_t::username, user_t::display_name, user_t::organisation_id, user_t::active))
                .load(&mut conn)
                .map_err(|e| e.to_string())?;
            let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
            let mut roles = users::roles_of(&mut conn, &ids).map_err(problem)?;
            for (id, username, name, org, active) in rows {
                let r: Vec<&str> = roles.remove(&id).unwrap_or_default().iter().map(|r| r.as_str()).collect();
                println!("{id}\t{username}\t{name}\torg {org}\t{}\t{}", r.join(","), if active { "active" } else { "disabled" });
            }
            Ok(())
        }
    }
}

fn problem(e: rectify::error::AppError) -> String {
    let mut out = format!("{}: {}", e.code, e.detail);
    for f in &e.errors {
        out += &format!("\n  {} {}: {}", f.pointer, f.code, f.message);
    }
    out
}

/// The demo organisations, accounts and ledger, then its work in every state (once).
fn seed_demo(conn: &mut db::DbConn, config: &Config) -> Result<(), String> {
    print_seed(demo::seed(conn, true).map_err(|e| e.to_string())?);
    let storage = rectify::storage::Storage::open(config)?;
    if demo::workflow::seed(conn, &storage, config.storage_quota).map_err(problem)? {
        println!("demo work seeded: measures at every stage, a closed-out problem, a returned measure, a pending extension");
    }
    Ok(())
}

fn print_seed(s: demo::Seeded) {
    if s.created {
        println!("demo data created. Every demo account's password is {}", demo::DEMO_PASSWORD);
    } else {
        println!("demo data already present (password {})", demo::DEMO_PASSWORD);
    }
    for (username, name, roles) in s.accounts {
        println!("  {username:<10} {name}\t{roles}");
    }
}
