//! Embeds the describing phrases of `crates/alive/data/concepts.tsv` with
//! the installed text pack and writes `crates/alive/data/concepts.bank`
//! (prompts by meaning, issue 15). Run by `scripts/build-prompt-banks`
//! after the phrases change; deterministic (the same weights and phrases
//! give the same bytes), and `tests/model_packs.rs` checks the committed
//! bank against the model.

use std::path::Path;

use vivify_alive::meaning::concept_rows;
use vivify_models::text::minilm::SentenceModel;

fn main() {
    let model = match SentenceModel::installed() {
        Some(Ok(m)) => m,
        Some(Err(e)) => panic!("the text pack: {e}"),
        None => panic!("the text pack is not installed: scripts/install-model-packs text"),
    };
    let items: Vec<(String, String)> =
        concept_rows().into_iter().map(|(_, _, phrase)| (phrase.clone(), phrase)).collect();
    let bank = model.bank(&items).expect("bank");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/concepts.bank");
    let tmp = out.with_extension("bank.tmp");
    std::fs::write(&tmp, bank.to_bytes()).expect("write");
    std::fs::rename(&tmp, &out).expect("rename");
    println!("{} phrases of {} values -> {}", items.len(), bank.dims, out.display());
}
