//! `vivify moderate` (one safety check alone, for scripts and tests) and
//! `vivify share` (the last check before publishing); and choosing the
//! policy file and the checks for the commands that check.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use vivify::safety::store::{data_dir, Database, Store, DATABASE_ENV, DB_FILE};
use vivify::safety::{classifier, Checks, Decision, Policy, Refusal, Verdict};

use crate::args::{ModerateArgs, ShareArgs};

/// The policy: `--policy FILE`, else `policy.toml` in the config folder,
/// else the built-in one.
pub fn policy(flag: Option<&Path>) -> Result<Policy> {
    if let Some(p) = flag {
        return Ok(Policy::load(p)?);
    }
    let in_config: Option<PathBuf> = vivify::provenance::config::config_dir().map(|d| d.join("policy.toml"));
    match in_config.filter(|p| p.is_file()) {
        Some(p) => Ok(Policy::load(&p)?),
        None => Ok(Policy::default()),
    }
}

/// The policy, the safety database in the data folder, and the image
/// classifier when the safety pack is installed.
pub fn checks(policy_flag: Option<&Path>) -> Result<Checks> {
    Ok(Checks {
        policy: policy(policy_flag)?,
        // A shared PostgreSQL database when VIVIFY_DATABASE_URL names one.
        db: match std::env::var_os(DATABASE_ENV) {
            Some(_) => Some(Database::from_env()?),
            None => data_dir().map(|d| Database::File(d.join(DB_FILE))),
        },
        classifier: classifier::installed()?,
    })
}

fn say_verdict(out: &mut dyn Write, v: &Verdict, refusal: Option<&Refusal>) -> std::io::Result<()> {
    match (refusal, v.decision) {
        (Some(r), _) => writeln!(out, "refused: {r}"),
        (None, Decision::Flag) => writeln!(
            out,
            "allowed, flagged for review ({}), ref {}",
            v.category.map_or("other", |c| c.code()),
            v.reference
        ),
        _ => writeln!(out, "allowed"),
    }?;
    // For moderators: which part of the check decided (the refusal the
    // user sees never names it).
    if let (Some(part), Some(rule)) = (v.part, v.rule.as_deref()) {
        let score = v.score.map(|s| format!(", score {s:.3}")).unwrap_or_default();
        writeln!(out, "decided by the {part} ({rule}{score})")?;
    }
    Ok(())
}

pub fn moderate(a: ModerateArgs) -> Result<ExitCode> {
    let refused = match (&a.image, &a.prompt) {
        (Some(image), _) => {
            let checks = checks(a.policy.as_deref())?;
            let c = vivify::safety::image::check_file(image, &checks)?;
            let refusal = c.verdict.refusal();
            if a.json {
                let out = serde_json::json!({ "check": c, "refusal": refusal });
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                let mut out = std::io::stdout().lock();
                writeln!(
                    out,
                    "{}: {}x{}, {} face(s), PDQ quality {}, classifier {}",
                    c.file,
                    c.width,
                    c.height,
                    c.faces,
                    c.facts.pdq_quality,
                    c.classifier.as_deref().unwrap_or("not installed")
                )?;
                say_verdict(&mut out, &c.verdict, refusal.as_ref())?;
            }
            refusal.is_some()
        }
        (None, Some(prompt)) => {
            let policy = policy(a.policy.as_deref())?;
            let v = vivify::safety::prompt::check_prompt(prompt, a.faces, &policy)?;
            let refusal = v.refusal();
            if a.json {
                let out = serde_json::json!({ "verdict": v, "refusal": refusal });
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                say_verdict(&mut std::io::stdout().lock(), &v, refusal.as_ref())?;
            }
            refusal.is_some()
        }
        (None, None) => unreachable!("clap requires an image or --prompt"),
    };
    Ok(if refused { ExitCode::from(6) } else { ExitCode::SUCCESS })
}

pub fn share(a: ShareArgs) -> Result<ExitCode> {
    let policy = policy(a.policy.as_deref())?;
    let mut store = Store::open_default()?;
    let cleared = vivify::safety::share::check_share(&a.file, a.caption.as_deref(), &mut store, &policy)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&cleared)?);
    } else {
        for s in &cleared.steps {
            println!("  ok  {}: {}", s.check, s.detail);
        }
        println!("{}: cleared for sharing as item {} (ref {})", a.file.display(), cleared.item.id, cleared.reference);
    }
    Ok(ExitCode::SUCCESS)
}
