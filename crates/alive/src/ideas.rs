//! Prompt ideas for one photo, from what its scene holds: a sky that can
//! drift and change colour, water, leaves, lights in the dark, faces. The
//! studio shows them as suggestion chips. Every idea is kept only if the
//! prompt grammar reads all of its words, so a chip never asks for
//! something `alive` would ignore; with each comes why it was offered.

use std::path::Path;

use serde::Serialize;
use vivify_media::error::{Error, Result};
use vivify_picture::photo::Photo;

use crate::scene::Scene;
use crate::sky::SkyKind;
use crate::{people, plan, prompt, DEFAULT_PROMPT, MIN_SIDE};

/// Share of the photo a region needs before it is worth an idea.
const WORTH: f32 = 0.04;

/// One suggestion.
#[derive(Clone, Debug, Serialize)]
pub struct Idea {
    /// A prompt `alive` reads whole.
    pub prompt: String,
    /// What in the photo it comes from.
    pub why: String,
}

/// The ideas for a photo, and what `alive` would do with no prompt at all.
#[derive(Clone, Debug, Serialize)]
pub struct Ideas {
    pub ideas: Vec<Idea>,
    /// The default plan's notes ("clouds: the photo's own sky drifts …").
    pub default_plan: Vec<String>,
}

/// Looks at the photo at `input` (no video is made).
pub fn ideas(input: &Path) -> Result<Ideas> {
    let run = || {
        let photo = Photo::open(input)?;
        if photo.rgb.width.min(photo.rgb.height) < MIN_SIDE {
            return Err(Error::Unsupported(format!(
                "the photo is {}x{}; at least {MIN_SIDE} pixels a side are needed",
                photo.rgb.width, photo.rgb.height
            )));
        }
        let person = people::PersonMatte::installed().and_then(|m| m.ok());
        let scene = Scene::analyse_with(&photo.rgb, false, person.as_ref())?;
        let faces_move = crate::face_mesh::FaceMesh::installed().is_some_and(|m| m.is_ok());
        let intent = prompt::parse(DEFAULT_PROMPT);
        let default_plan = plan::build(DEFAULT_PROMPT, &intent, &scene, 1, false).notes;
        Ok(Ideas { ideas: from_scene(&scene, faces_move), default_plan })
    };
    run().map_err(|e| e.in_file(input))
}

fn pct(share: f32) -> String {
    format!("{:.0} %", share * 100.0)
}

/// The ideas a scene suggests, most particular first.
fn from_scene(scene: &Scene, faces_move: bool) -> Vec<Idea> {
    let s = &scene.summary;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |prompt: &str, why: String| out.push((prompt.to_string(), why));
    if !s.faces.is_empty() {
        let who = if s.faces.len() == 1 { "a face".to_string() } else { format!("{} faces", s.faces.len()) };
        if faces_move {
            add("blink and smile", format!("{who} found"));
            add("she nods", format!("{who} found"));
        } else {
            add("gentle zoom in", format!("{who} found (blinks and smiles need the face pack)"));
        }
    }
    if s.sky_share >= WORTH {
        let sky = format!("sky: {} of the photo", pct(s.sky_share));
        match s.sky_kind {
            SkyKind::Night => add("stars twinkle in the night sky", sky.clone()),
            SkyKind::Sunset => add("the sunset glows", sky.clone()),
            _ => {
                add("the sky turns golden", sky.clone());
                add("sunset", sky.clone());
            }
        }
        add("clouds drift left", sky);
    }
    if s.water_share >= WORTH {
        add("water ripples", format!("water: {} of the photo", pct(s.water_share)));
    }
    if s.foliage_share >= WORTH {
        add("leaves sway in the wind", format!("leaves and grass: {} of the photo", pct(s.foliage_share)));
    }
    if s.lights > 0 {
        add("lights twinkle", format!("{} small lights in a dim photo", s.lights));
    }
    if s.brightness < 0.3 {
        add("fog drifts", "a dark photo".into());
    } else {
        add("snow falls", "any scene".into());
    }
    add("gentle zoom in", "any photo".into());
    add("loop", "for a clip that repeats without a seam".into());
    let mut seen = std::collections::HashSet::new();
    out.into_iter()
        .filter(|(p, _)| seen.insert(p.clone()))
        .filter(|(p, _)| {
            let i = prompt::parse(p);
            i.ignored.is_empty() && i.unsupported.is_empty()
        })
        .map(|(prompt, why)| Idea { prompt, why })
        .collect()
}
