//! `vivify moderate`: one safety check alone, for scripts and tests; and
//! choosing the policy file for the commands that check.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use vivify::safety::{Decision, Policy};

use crate::args::ModerateArgs;

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

pub fn moderate(a: ModerateArgs) -> Result<ExitCode> {
    let policy = policy(a.policy.as_deref())?;
    let v = vivify::safety::prompt::check_prompt(&a.prompt, a.faces, &policy)?;
    let refusal = v.refusal();
    if a.json {
        let out = serde_json::json!({ "verdict": v, "refusal": refusal });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        match (&refusal, v.decision) {
            (Some(r), _) => println!("refused: {r}"),
            (None, Decision::Flag) => println!(
                "allowed, flagged for review ({}), ref {}",
                v.category.map_or("other", |c| c.code()),
                v.reference
            ),
            _ => println!("allowed"),
        }
    }
    Ok(if refusal.is_some() { ExitCode::from(6) } else { ExitCode::SUCCESS })
}
