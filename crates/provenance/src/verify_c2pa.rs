//! The C2PA half of `verify`: the `c2pa` crate validates, we translate its
//! manifest store JSON into a [`VerifyReport`].

use serde_json::Value;

use super::verify::{explain_code, ActionSummary, IngredientSummary, Problem, SignerSummary, Status, VerifyReport};
use vivify_media::error::{Error, Result};

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

/// Fills the C2PA fields of `report` for the file in `stream` (of type `mime`).
pub(super) fn read(
    stream: impl std::io::Read + std::io::Seek + Send,
    mime: &str,
    trust: &[Vec<u8>],
    report: &mut VerifyReport,
) -> Result<()> {
    let mut settings = serde_json::json!({"verify": {"verify_trust": true}});
    if !trust.is_empty() {
        let pems: Vec<String> = trust.iter().map(|p| String::from_utf8_lossy(p).into_owned()).collect();
        settings["trust"] = serde_json::json!({"user_anchors": pems.join("\n")});
    }
    let ctx =
        c2pa::Context::new().with_settings(settings).map_err(|e| Error::Credentials(format!("trust anchors: {e}")))?;
    let reader = match c2pa::Reader::from_context(ctx).with_stream(mime, stream) {
        Ok(r) => r,
        Err(c2pa::Error::JumbfNotFound | c2pa::Error::ProvenanceMissing | c2pa::Error::UnsupportedType) => {
            return Ok(());
        }
        Err(e) => {
            report.status = Status::Invalid;
            report.problems.push(Problem { code: "manifest.unreadable".into(), explanation: format!("{e}") });
            return Ok(());
        }
    };
    let store: Value = serde_json::from_str(&reader.json()).unwrap_or(Value::Null);
    report.manifests = store.get("manifests").and_then(Value::as_object).map_or(0, |m| m.len());
    let active = s(&store, "active_manifest").and_then(|l| store.get("manifests")?.get(&l).cloned());
    report.status = match reader.validation_state() {
        c2pa::ValidationState::Trusted => Status::Trusted,
        c2pa::ValidationState::Valid => Status::Valid,
        c2pa::ValidationState::Invalid => Status::Invalid,
    };
    report.trusted = report.status == Status::Trusted;
    let failures = store
        .pointer("/validation_results/activeManifest/failure")
        .and_then(Value::as_array)
        .cloned()
        .or_else(|| store.get("validation_status").and_then(Value::as_array).cloned())
        .unwrap_or_default();
    for f in failures {
        let Some(code) = s(&f, "code") else { continue };
        if code == "signingCredential.untrusted" && report.status != Status::Invalid {
            continue; // said by the verdict
        }
        report.problems.push(Problem { explanation: explain_code(&code).to_string(), code });
    }
    let Some(m) = active else { return Ok(()) };
    report.claim_generator =
        m.get("claim_generator_info").and_then(Value::as_array).and_then(|a| a.first()).map(|g| {
            format!("{} {}", s(g, "name").unwrap_or_default(), s(g, "version").unwrap_or_default()).trim().into()
        });
    if let Some(sig) = m.get("signature_info") {
        report.signer = Some(SignerSummary {
            issuer: s(sig, "issuer"),
            common_name: s(sig, "common_name"),
            alg: s(sig, "alg"),
            time: s(sig, "time"),
        });
    }
    for a in m.get("assertions").and_then(Value::as_array).into_iter().flatten() {
        let label = s(a, "label").unwrap_or_default();
        if !label.starts_with("c2pa.actions") {
            continue;
        }
        for act in a.pointer("/data/actions").and_then(Value::as_array).into_iter().flatten() {
            let software = act.get("softwareAgent").and_then(|sa| {
                sa.as_str().map(str::to_string).or_else(|| {
                    Some(format!("{} {}", s(sa, "name")?, s(sa, "version").unwrap_or_default()).trim().to_string())
                })
            });
            let summary = ActionSummary {
                action: s(act, "action").unwrap_or_default(),
                when: s(act, "when"),
                software,
                description: s(act, "description"),
                source_type: s(act, "digitalSourceType"),
            };
            if report.source_type.is_none() {
                report.source_type = summary.source_type.clone();
            }
            report.actions.push(summary);
        }
    }
    for i in m.get("ingredients").and_then(Value::as_array).into_iter().flatten() {
        report.ingredients.push(IngredientSummary {
            title: s(i, "title").unwrap_or_default(),
            format: s(i, "format"),
            relationship: s(i, "relationship"),
            had_credentials: i.get("active_manifest").is_some() || i.get("manifest_data").is_some(),
        });
    }
    Ok(())
}
