//! `vivify serve`: the studio on this machine. Arguments become the
//! studio's settings (the same signing identity, policy and safety database
//! the other commands use); the server runs until a signal, which hands
//! running jobs back to the queue (or, with `--on-stop finish`, lets them
//! finish) before the process ends. `--role` splits
//! the API from the workers for many servers on one PostgreSQL store.

use std::process::ExitCode;

use anyhow::{Context, Result};
use vivify::safety::store::{data_dir, Database, DB_FILE};
use vivify_studio::{Server, Settings, ShareLinks, StudioError, Workers};

use crate::args::{OnStop, ServeArgs, ServeRole, ShareLinksArg};

pub fn serve(a: ServeArgs) -> Result<ExitCode> {
    let data = match a.data.clone().or_else(data_dir) {
        Some(d) => d,
        None => anyhow::bail!(vivify::Error::Param("no data folder: give --data DIR (or set VIVIFY_DATA_DIR)".into())),
    };
    std::fs::create_dir_all(&data).with_context(|| format!("cannot create the data folder {}", data.display()))?;
    if let Some(name) = &a.add_moderator {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).context("reading the password from standard input")?;
        let password = line.trim_end_matches(['\n', '\r']);
        vivify_studio::add_moderator(&data, a.database.as_deref(), name, password).map_err(studio_error)?;
        eprintln!("vivify: moderator '{}' can sign in at /moderate (data in {})", name.trim(), data.display());
        return Ok(ExitCode::SUCCESS);
    }
    let mut settings = Settings::new(&data);
    settings.token = a.token.clone().filter(|t| !t.is_empty());
    if let Some(n) = a.workers {
        settings.workers = n;
    }
    settings.queue_limit = a.queue.max(1);
    settings.lease = std::time::Duration::from_secs(a.lease);
    settings.signing = crate::credentials::signing(&a.sign)?;
    let mut checks = crate::moderate::checks(a.policy.as_deref())?;
    // The studio's items, reports and blocklist live with its data, so
    // `VIVIFY_DATA_DIR=DIR vivify reports` sees what its users reported (or
    // in its PostgreSQL database, which `VIVIFY_DATABASE_URL=… vivify
    // reports` reads).
    checks.db = Some(Database::File(data.join(DB_FILE)));
    settings.checks = checks;
    if let Some(url) = a.database.as_deref().filter(|d| !d.is_empty()) {
        settings.use_postgres(url);
    }
    if let Some(url) = a.storage.as_deref().filter(|s| !s.is_empty()) {
        settings.objects = Some(std::sync::Arc::new(vivify_studio::objects::Objects::open(url).map_err(studio_error)?));
    }
    settings.share_links = match a.share_links {
        ShareLinksArg::Api => ShareLinks::Api,
        ShareLinksArg::Presigned => ShareLinks::Presigned,
    };
    match a.role {
        ServeRole::Worker => {
            let n = settings.workers.max(1);
            let pool = Workers::start(settings).map_err(studio_error)?;
            eprintln!(
                "vivify worker: {n} worker(s) on the shared store (data in {}; SIGTERM hands jobs back)",
                data.display()
            );
            let finish = a.on_stop == OnStop::Finish;
            crate::progress::on_stop(Box::new(move || if finish { pool.stop() } else { pool.hand_back() }));
        }
        role => {
            if role == ServeRole::Api {
                settings.workers = 0;
            }
            let workers = settings.workers;
            let server = Server::start(settings, a.listen).map_err(studio_error)?;
            let link = match &a.token {
                Some(t) if !t.is_empty() => format!("http://{}/?token={t}", server.addr),
                _ => format!("http://{}/", server.addr),
            };
            eprintln!("vivify studio: {link}  (data in {}, {workers} worker(s); Ctrl-C stops)", data.display());
            let finish = a.on_stop == OnStop::Finish;
            crate::progress::on_stop(Box::new(move || if finish { server.stop() } else { server.hand_back() }));
        }
    }
    // A signal stops the studio gracefully (running jobs go back to the
    // queue), then ends the process; until then it serves.
    loop {
        std::thread::park();
    }
}

/// A wrong flag or value is a usage error (exit 2); anything else a failure.
fn studio_error(e: StudioError) -> anyhow::Error {
    match e {
        StudioError::Config(m) => anyhow::Error::from(vivify::Error::Param(m)),
        other => anyhow::Error::from(other),
    }
}
