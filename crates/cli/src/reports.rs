//! `vivify report`, `reports`, `appeal` and `blocklist`: the moderation
//! side, translated to and from the library's safety database.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Result};
use vivify::safety::store::cases::{Action, AppealOutcome, CaseView, NewReport};
use vivify::safety::store::events::CaseState;
use vivify::safety::store::Store;
use vivify::safety::Category;

use crate::args::{AppealArgs, BlocklistAction, BlocklistArgs, ReportArgs, ReportsAction, ReportsArgs};

fn category(code: &str) -> Result<Category> {
    Category::from_code(code).ok_or_else(|| {
        vivify::error::Error::Param(format!(
            "'{code}' is not a category; use one of: {}",
            Category::ALL.iter().map(|c| c.code()).collect::<Vec<_>>().join(", ")
        ))
        .into()
    })
}

fn print_case(json: bool, c: &CaseView, full: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, c)?;
        writeln!(out)?;
        return Ok(());
    }
    let f = &c.folded;
    writeln!(
        out,
        "case {}: {} · priority {} · item {} ({}, {}){}{}",
        c.id,
        f.state.as_str(),
        f.priority,
        c.item.id,
        c.item.kind,
        c.item.status,
        f.assigned_to.as_ref().map(|m| format!(" · with {m}")).unwrap_or_default(),
        if f.appeal.as_str() == "none" { String::new() } else { format!(" · appeal {}", f.appeal.as_str()) },
    )?;
    writeln!(out, "  file: {}", c.item.path)?;
    for r in &c.reports {
        writeln!(out, "  report {} by {} ({}): {}", r.id, r.reporter, r.reason, r.details)?;
    }
    if full {
        writeln!(out, "  audit log:")?;
        for e in &c.events {
            let data = if e.kind == "notification_sent" {
                format!("to {}: {}", e.data["to"].as_str().unwrap_or(""), e.data["text"].as_str().unwrap_or(""))
            } else {
                let mut d = e.data.clone();
                if let Some(o) = d.as_object_mut() {
                    o.remove("statement");
                }
                d.to_string()
            };
            writeln!(
                out,
                "    #{} {} {} {}{} {data}",
                e.id,
                e.at,
                e.actor,
                e.kind,
                if e.automated { " (automated)" } else { "" }
            )?;
        }
    }
    if let Some(s) = &c.statement {
        writeln!(out, "  statement of reasons: {}", s["text"].as_str().unwrap_or(""))?;
    }
    Ok(())
}

pub fn report(a: ReportArgs) -> Result<ExitCode> {
    let policy = crate::moderate::policy(a.policy.as_deref())?;
    let mut store = Store::open_default()?;
    let item = store.subject(&a.subject, &policy)?;
    let case = store.report(
        &item.id,
        &NewReport { reporter: a.reporter, reason: category(&a.reason)?, details: a.details, automated: false },
    )?;
    if !a.json {
        println!(
            "Report received: case {} ({}, priority {}){}.",
            case.id,
            case.folded.state.as_str(),
            case.folded.priority,
            if case.folded.hidden { ", item hidden until a moderator reviews it" } else { "" }
        );
        return Ok(ExitCode::SUCCESS);
    }
    print_case(true, &case, true)?;
    Ok(ExitCode::SUCCESS)
}

pub fn reports(a: ReportsArgs) -> Result<ExitCode> {
    let mut store = Store::open_default()?;
    match a.action {
        ReportsAction::List { state } => {
            let state = state
                .map(|s| {
                    CaseState::parse(&s).ok_or_else(|| {
                        vivify::error::Error::Param(format!("'{s}': states are open, reviewing, actioned, dismissed"))
                    })
                })
                .transpose()?;
            let cases = store.cases(state)?;
            if a.json {
                let list: Vec<_> = cases
                    .iter()
                    .map(|(id, f, item)| serde_json::json!({ "case": id, "item": item, "status": f }))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if cases.is_empty() {
                println!("no cases");
            } else {
                for (id, f, item) in cases {
                    println!("case {id}: {} · priority {} · item {item}", f.state.as_str(), f.priority);
                }
            }
        }
        ReportsAction::Next { moderator } => match store.next_case(&moderator)? {
            Some(c) => print_case(a.json, &c, false)?,
            None if a.json => println!("null"),
            None => println!("the queue is empty"),
        },
        ReportsAction::Show { case } => print_case(a.json, &store.case(case)?, true)?,
        ReportsAction::Decide { case, moderator, action, category: cat, facts, takeover } => {
            let cat = cat.as_deref().map(category).transpose()?;
            let c = match action.as_str() {
                "remove" => store.decide(case, &moderator, Action::Remove, cat, &facts, takeover)?,
                "dismiss" => store.decide(case, &moderator, Action::Dismiss, cat, &facts, takeover)?,
                "uphold" => store.decide_appeal(case, &moderator, AppealOutcome::Uphold, &facts)?,
                "reverse" => store.decide_appeal(case, &moderator, AppealOutcome::Reverse, &facts)?,
                other => {
                    return Err(vivify::error::Error::Param(format!(
                        "--action {other}: use remove or dismiss for a case, uphold or reverse for an appeal"
                    ))
                    .into())
                }
            };
            print_case(a.json, &c, false)?;
        }
        ReportsAction::Check => {
            let c = store.check_consistency()?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&c)?);
            } else {
                println!("{} cases, {} events, {} problems", c.cases, c.events, c.problems.len());
                for p in &c.problems {
                    println!("  {p}");
                }
            }
            if !c.problems.is_empty() {
                bail!("{}: the case table does not match its event log", store.location());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn appeal(a: AppealArgs) -> Result<ExitCode> {
    let mut store = Store::open_default()?;
    let c = store.appeal(a.case, &a.by, &a.reason)?;
    if a.json {
        print_case(true, &c, true)?;
    } else {
        println!("Appeal received for case {}; a person will decide it.", c.id);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn blocklist(a: BlocklistArgs) -> Result<ExitCode> {
    let mut store = Store::open_default()?;
    match a.action {
        BlocklistAction::Add { file, category: cat, source } => {
            let policy = crate::moderate::policy(None)?;
            let ids = store.block_file(&file, category(&cat)?, &source, &policy)?;
            if a.json {
                println!("{}", serde_json::json!({ "entries": ids }));
            } else {
                println!(
                    "{}: {} blocklist entries ({})",
                    file.display(),
                    ids.len(),
                    if ids.len() > 1 { "file hash and picture hashes" } else { "file hash" }
                );
            }
        }
        BlocklistAction::List => {
            let list = store.blocklist()?;
            crate::commands::print_reports(a.json, &list, |out, e| {
                writeln!(
                    out,
                    "{} {} {} {} ({}){}",
                    e.id,
                    e.kind,
                    e.value,
                    e.category,
                    e.source,
                    e.lifted_at.as_ref().map(|d| format!(", lifted {d}")).unwrap_or_default()
                )
            })?;
        }
        BlocklistAction::Lift { id } => {
            store.unblock(id)?;
            if !a.json {
                println!("entry {id} lifted");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
