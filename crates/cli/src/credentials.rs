//! Content Credentials on the command line: choosing the signing identity
//! for commands that write files, `vivify keys`, and `vivify verify`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use vivify::provenance::verify::{verify as verify_file, Status, VerifyReport};
use vivify::provenance::{SignWith, Signing};

use crate::args::{KeysArgs, SignArgs, VerifyArgs};

/// The signing identity for a command that writes outputs. The first time,
/// a local identity is created in the config folder (said on stderr).
pub fn signing(a: &SignArgs) -> Result<Signing> {
    if a.no_sign {
        return Ok(Signing::unsigned());
    }
    #[cfg(feature = "c2pa")]
    {
        let with =
            SignWith { cert: a.sign_cert.clone(), key: a.sign_key.clone(), config_dir: None, create_local: true };
        let r = with.resolve()?;
        if let Some(dir) = &r.created {
            eprintln!(
                "vivify: created a local signing identity in {} for Content Credentials \
                 (`vivify keys show`; give root.pem to anyone who should trust it)",
                dir.display()
            );
        }
        Ok(r.signing)
    }
    #[cfg(not(feature = "c2pa"))]
    {
        if a.sign_cert.is_some() {
            anyhow::bail!(vivify::Error::Param("this vivify was built without C2PA signing (feature c2pa)".into()));
        }
        eprintln!("vivify: warning: built without C2PA; outputs carry the XMP label but no Content Credentials");
        Ok(Signing::unsigned())
    }
}

pub fn keys(a: KeysArgs) -> Result<ExitCode> {
    #[cfg(feature = "c2pa")]
    {
        use crate::args::KeysAction;
        use vivify::provenance::{config, keys};
        let dir = SignWith::default().dir()?;
        let files = keys::IdentityFiles::in_dir(&config::keys_dir(&dir));
        match a.action {
            KeysAction::Init { force, json } => {
                keys::init(&files.dir, &vivify::provenance::holder(), force)
                    .with_context(|| format!("no new identity was made in {}", files.dir.display()))?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&files)?);
                } else {
                    println!("signing certificate: {}", files.signer_cert.display());
                    println!("signing key:         {}", files.signer_key.display());
                    println!("root (trust anchor): {}", files.root_cert.display());
                    println!(
                        "Give root.pem to people who should trust your files: vivify verify --trust root.pem FILE"
                    );
                }
            }
            KeysAction::Show { json } => {
                let c = config::Config::load(&dir)?;
                let (cert, key) = match (c.signing.cert, c.signing.key) {
                    (Some(c), Some(k)) => (c, k),
                    _ => (files.signer_cert.clone(), files.signer_key.clone()),
                };
                if !cert.is_file() {
                    anyhow::bail!(vivify::Error::Credentials(format!(
                        "no signing identity at {}; run `vivify keys init`",
                        cert.display()
                    )));
                }
                let chain = keys::read_pem_certs(&cert)?;
                let summaries: Vec<_> = chain.iter().filter_map(|d| keys::summarize(d)).collect();
                let usable = keys::load(&cert, &key, keys::now_unix()).map(|_| ()).map_err(|e| e.to_string());
                let root = files.root_cert.is_file().then(|| files.root_cert.display().to_string());
                if json {
                    let v = serde_json::json!({
                        "config_dir": dir, "cert": cert, "key": key, "root": root,
                        "certificates": summaries, "usable": usable.is_ok(), "problem": usable.as_ref().err(),
                    });
                    println!("{}", serde_json::to_string_pretty(&v)?);
                } else {
                    println!("certificate: {}\nkey:         {}", cert.display(), key.display());
                    for s in &summaries {
                        println!(
                            "  {}\n    issued by {}\n    valid {} to {}\n    sha256 {}",
                            s.subject, s.issuer, s.not_before, s.not_after, s.sha256
                        );
                    }
                    if let Some(r) = root {
                        println!("trust anchor to share: {r}");
                    }
                    match usable {
                        Ok(()) => println!("usable for signing: yes"),
                        Err(e) => println!("usable for signing: NO: {e}"),
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    }
    #[cfg(not(feature = "c2pa"))]
    {
        let _ = a;
        anyhow::bail!(vivify::Error::Param("this vivify was built without C2PA signing (feature c2pa)".into()))
    }
}

/// 0 when every file is valid, 4 when any is invalid, else 5 when any has
/// no credentials.
pub fn verify(a: VerifyArgs) -> Result<ExitCode> {
    let mut anchors: Vec<PathBuf> = a.trust.clone();
    anchors.extend(SignWith::default().config_trust()?);
    let mut pems = Vec::new();
    for p in &anchors {
        let bytes = std::fs::read(p).with_context(|| format!("trust anchor {}", p.display()))?;
        if !String::from_utf8_lossy(&bytes).contains("BEGIN CERTIFICATE") {
            anyhow::bail!(vivify::Error::Credentials(format!("{}: not a PEM certificate", p.display())));
        }
        pems.push(bytes);
    }
    let mut reports = Vec::new();
    let mut code = 0u8;
    for f in &a.files {
        match verify_file(f, &pems) {
            Ok(r) => {
                code = code.max(match r.status {
                    Status::Invalid => 4,
                    Status::None => 5,
                    Status::Valid | Status::Trusted => 0,
                });
                reports.push(r);
            }
            Err(e) => {
                eprintln!("vivify: {e}");
                code = code.max(crate::exit_code(&anyhow::Error::from(e)));
            }
        }
    }
    // Invalid outranks missing: 4 before 5.
    if reports.iter().any(|r| r.status == Status::Invalid) {
        code = 4;
    }
    crate::commands::print_reports(a.json, &reports, print_verify)?;
    Ok(ExitCode::from(code))
}

fn print_verify(out: &mut dyn Write, r: &VerifyReport) -> std::io::Result<()> {
    writeln!(out, "{}: {}", r.file, r.verdict)?;
    for p in &r.problems {
        writeln!(out, "  problem: {} ({})", p.explanation, p.code)?;
    }
    if let Some(s) = &r.signer {
        let who = s.common_name.clone().or_else(|| s.issuer.clone()).unwrap_or_else(|| "unknown".into());
        let by = s.issuer.as_deref().map(|i| format!(", issued by {i}")).unwrap_or_default();
        let when = s.time.as_deref().map_or_else(|| " (no trusted time-stamp)".to_string(), |t| format!(" at {t}"));
        writeln!(out, "  signed by {who}{by}{when}")?;
    }
    if let Some(g) = &r.claim_generator {
        writeln!(out, "  made with {g}")?;
    }
    for act in &r.actions {
        let when = act.when.as_deref().map(|w| format!(" ({w})")).unwrap_or_default();
        let what = act.description.as_deref().map(|d| format!(": {d}")).unwrap_or_default();
        writeln!(out, "  action {}{when}{what}", act.action)?;
    }
    for i in &r.ingredients {
        let creds = if i.had_credentials { ", with its own Content Credentials" } else { "" };
        writeln!(
            out,
            "  ingredient {} ({}, {}{creds})",
            i.title,
            i.format.as_deref().unwrap_or("?"),
            i.relationship.as_deref().unwrap_or("?")
        )?;
    }
    if let Some(x) = &r.xmp {
        let st = x.source_words.as_deref().unwrap_or("no source type");
        let tool = x.creator_tool.as_deref().map(|t| format!(", creator tool {t}")).unwrap_or_default();
        writeln!(out, "  XMP label: {st}{tool}")?;
    }
    Ok(())
}
