//! Embedding signed C2PA manifests with the `c2pa` crate (pure-Rust crypto,
//! no network: no time-stamp server, no remote manifests).

use std::io::{Read, Seek, Write};

use serde_json::{json, Value};

use super::keys::{Alg, Credentials};
use super::{Claim, IngredientData, SOFTWARE_NAME, SOFTWARE_VERSION};
use vivify_media::error::{Error, Result};

fn c2pa_err(what: &str, e: c2pa::Error) -> Error {
    Error::provenance_from(what.to_string(), e)
}

fn alg(a: Alg) -> c2pa::SigningAlg {
    match a {
        Alg::Es256 => c2pa::SigningAlg::Es256,
        Alg::Es384 => c2pa::SigningAlg::Es384,
        Alg::Es512 => c2pa::SigningAlg::Es512,
        Alg::Ps256 => c2pa::SigningAlg::Ps256,
        Alg::Ed25519 => c2pa::SigningAlg::Ed25519,
    }
}

/// The C2PA label an ingredient gets, so actions can point at it.
fn ingredient_label(i: usize) -> String {
    format!("vivify-ingredient-{i}")
}

/// The manifest definition (JSON) for `claim`.
pub(super) fn definition(claim: &Claim, title: &str, mime: &str) -> Value {
    let (y, mo, d, h, mi, s) = super::der::civil(super::keys::now_unix());
    let iso = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z");
    let actions: Vec<Value> = claim
        .actions
        .iter()
        .map(|a| {
            let mut v = json!({
                "action": a.name,
                "when": iso,
                "softwareAgent": {"name": SOFTWARE_NAME, "version": SOFTWARE_VERSION},
                "description": a.description,
            });
            if let Some(t) = a.source_type {
                v["digitalSourceType"] = json!(t.uri());
            }
            if let Some(i) = a.ingredient {
                v["parameters"] = json!({"ingredientIds": [ingredient_label(i)]});
            }
            v
        })
        .collect();
    json!({
        "claim_generator_info": [{"name": SOFTWARE_NAME, "version": SOFTWARE_VERSION}],
        "title": title,
        "format": mime,
        "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}],
    })
}

/// Signs the file in `src` (of type `mime`) into `dst` with `creds`.
pub(super) fn sign_stream<R, W>(
    creds: &Credentials,
    claim: &Claim,
    mime: &str,
    title: &str,
    src: &mut R,
    dst: &mut W,
) -> Result<()>
where
    R: Read + Seek + Send,
    W: Write + Read + Seek + Send,
{
    let mut builder = c2pa::Builder::from_context(c2pa::Context::new())
        .with_definition(definition(claim, title, mime).to_string())
        .map_err(|e| c2pa_err("manifest", e))?;
    for (i, ing) in claim.ingredients.iter().enumerate() {
        let meta = json!({
            "title": ing.title,
            "relationship": ing.relationship.as_str(),
            "label": ingredient_label(i),
        })
        .to_string();
        let added = match &ing.data {
            IngredientData::Bytes(b) => {
                builder.add_ingredient_from_stream(meta, ing.mime, &mut std::io::Cursor::new(b.as_slice())).map(|_| ())
            }
            IngredientData::File(p) => {
                let (mut f, _) = vivify_media::input::open(p)?;
                builder.add_ingredient_from_stream(meta, ing.mime, &mut f).map(|_| ())
            }
        };
        added.map_err(|e| c2pa_err(&format!("ingredient {}", ing.title), e))?;
    }
    let signer =
        c2pa::create_signer::from_keys(&creds.chain_pem, &creds.key_pem, alg(creds.alg), None).map_err(|e| {
            Error::Credentials(format!("{} / {}: {e}", creds.cert_path.display(), creds.key_path.display()))
        })?;
    src.rewind()?;
    builder.sign(signer.as_ref(), mime, src, dst).map_err(|e| c2pa_err("signing", e))?;
    Ok(())
}
