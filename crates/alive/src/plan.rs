//! The motion plan: what the prompt asked for, reconciled with what the
//! photo holds. Every layer the renderer draws comes from here, and every
//! decision carries a note saying why.

use serde::Serialize;

use super::classify::SkyVerdict;
use super::prompt::{Ask, CameraMove, Direction, Grade, Intent, ParticleKind, SoundKind};
use super::scene::Scene;
use super::sky::SkyKind;

/// The whole plan, in units the renderer uses (fractions of the output
/// width per second for speeds, fractions of the width for distances).
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub prompt: String,
    pub looped: bool,
    pub camera: CameraPlan,
    pub clouds: Option<CloudPlan>,
    pub grade: Option<GradePlan>,
    pub stars: bool,
    pub water: Option<WaterPlan>,
    pub particles: Vec<ParticlePlan>,
    pub fog: f32,
    pub glow: f32,
    pub light_leak: f32,
    /// Breathing of the subject (relative scale amplitude).
    pub breathe: f32,
    /// Faces blink (see `blink.rs`).
    pub blink: bool,
    /// One eye winks once instead (see `blink.rs`).
    pub wink: bool,
    /// How much faces smile (see `smile.rs`; 0 = not).
    pub smile: f32,
    /// The eyes glance aside once (see `glance.rs`).
    pub glance: bool,
    /// The head nods once (see `nod.rs`).
    pub nod: bool,
    /// A closed-mouth laugh: broad smile, narrowed eyes, the head bobbing.
    pub laugh: bool,
    /// A soft light passing over the subject.
    pub light_sweep: f32,
    /// Soft haze: lifted shadows, lower contrast and colour (0..=1).
    pub haze: f32,
    /// Foliage and grass swaying in the wind (1 = a breeze).
    pub sway: f32,
    /// Lights flickering and twinkling (1 = natural).
    pub flicker: f32,
    pub steam: Option<SteamPlan>,
    /// Light and shadow drifting over the scene: cloud shadows on a
    /// landscape, shifting window light elsewhere.
    pub shadows: Option<ShadowPlan>,
    pub sound: Vec<SoundBed>,
    /// Words of the prompt the grammar could not use.
    pub ignored: Vec<String>,
    /// Why each layer is (or is not) there.
    pub notes: Vec<String>,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct CameraPlan {
    pub motion: CameraMove,
    /// Zoom change (push/pull) or travel (pan, orbit) as a fraction of the width.
    pub amount: f32,
    /// Largest extra shift of the nearest layer against the farthest, as a fraction of the width.
    pub parallax: f32,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct CloudPlan {
    /// Drift of the sky at its top, fractions of the width per second (x, y).
    pub velocity: (f32, f32),
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct GradePlan {
    pub grade: Grade,
    pub strength: f32,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct WaterPlan {
    /// Ripple strength (1 = calm sea).
    pub strength: f32,
    /// Surface drift, fractions of the width per second.
    pub flow: (f32, f32),
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct ParticlePlan {
    pub kind: ParticleKind,
    pub density: f32,
    pub speed: f32,
    /// Sideways push, fractions of the width per second.
    pub wind: f32,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct ShadowPlan {
    /// Largest change of brightness (0.15 = ±15 %).
    pub strength: f32,
    /// Size of a patch, a fraction of the width.
    pub scale: f32,
    /// Travel in noise texels over the clip (the pattern tiles every 64).
    pub speed: f32,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct SteamPlan {
    /// Where it rises from (centre, fractions of the photo).
    pub origin: (f32, f32),
    /// Width of the source, a fraction of the photo's width.
    pub width: f32,
    /// 1 = a hot drink.
    pub strength: f32,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct SoundBed {
    pub kind: SoundKind,
    /// Relative level before loudness normalisation.
    pub level: f32,
}

impl Plan {
    /// The same clip with nothing in the scene moving on its own: the
    /// camera, breathing, passing light and colour grades stay (see
    /// [`crate::life`], which measures what the rest adds).
    pub fn without_life(&self) -> Plan {
        Plan {
            clouds: None,
            stars: false,
            water: None,
            particles: Vec::new(),
            fog: 0.0,
            sway: 0.0,
            steam: None,
            ..self.without_light()
        }
    }

    /// The same clip without the layers that only change the light
    /// (drifting shadows, flickering lights).
    pub fn without_light(&self) -> Plan {
        Plan { shadows: None, flicker: 0.0, ..self.clone() }
    }
}

fn wanted(ask: Option<Ask>, exclusive: bool, default_on: bool) -> Option<Ask> {
    match ask {
        Some(a) if a.on => Some(a),
        Some(_) => None,
        None if default_on && !exclusive => Some(Ask { on: true, strength: 1.0, direction: None }),
        None => None,
    }
}

fn dir_vec(d: Direction) -> (f32, f32) {
    match d {
        Direction::Left => (-1.0, 0.0),
        Direction::Right => (1.0, 0.0),
        Direction::Up => (0.0, -1.0),
        Direction::Down => (0.0, 1.0),
    }
}

/// Reconciles the prompt with the scene. `seed` picks free choices (such as
/// which way clouds drift when the prompt does not say).
pub fn build(prompt: &str, intent: &Intent, scene: &Scene, seed: u64, mute: bool) -> Plan {
    let mut notes = Vec::new();
    let ex = intent.exclusive;
    let tempo = intent.tempo.clamp(0.2, 3.0);
    let wind = intent.wind.filter(|w| w.on).map_or(1.0, |w| 1.0 + 0.8 * w.strength);
    let sky = scene.has_sky();
    let summary = &scene.summary;
    let people = !summary.faces.is_empty();
    let portrait = people || (!sky && summary.subject.w * summary.subject.h > 0.04);

    // Camera.
    let (motion, strength) = match intent.camera {
        Some(c) => c,
        None if ex => (CameraMove::Still, 0.0),
        None => (CameraMove::PushIn, 1.0),
    };
    let base = match motion {
        CameraMove::Still => 0.0,
        CameraMove::PushIn | CameraMove::PullBack => 0.07,
        CameraMove::Orbit => 0.02,
        _ => 0.06,
    };
    let parallax = match motion {
        CameraMove::Still => 0.0,
        _ => 0.012 * intent.parallax.unwrap_or(1.0),
    };
    let camera = CameraPlan {
        motion,
        amount: (base * strength * tempo.sqrt()).min(0.3),
        parallax: (parallax * strength.sqrt()).min(0.05),
    };
    notes.push(match intent.camera {
        Some(_) => format!("camera: {motion:?} as asked"),
        None if ex => "camera: still (the prompt names only some layers)".into(),
        None => "camera: gentle push-in with depth parallax (default)".into(),
    });

    // Clouds.
    let clouds = match wanted(intent.clouds, ex, true) {
        Some(a) if sky => {
            let d = a.direction.map(dir_vec).unwrap_or(if seed.is_multiple_of(2) { (-1.0, 0.0) } else { (1.0, 0.0) });
            let speed = 0.014 * a.strength * tempo * wind;
            notes.push(format!(
                "clouds: the photo's own sky drifts {} ({:.0} % of the sky found)",
                match a.direction {
                    Some(d) => format!("{d:?}").to_lowercase(),
                    None => format!("{} (seed)", if d.0 < 0.0 { "left" } else { "right" }),
                },
                summary.sky_share * 100.0
            ));
            Some(CloudPlan { velocity: (d.0 * speed, d.1 * speed * 0.5) })
        }
        Some(_) if intent.clouds.is_some() => {
            notes.push("clouds: asked for, but no sky was found in the photo, so nothing drifts".into());
            None
        }
        _ => None,
    };

    match summary.sky_verdict {
        SkyVerdict::Vetoed => notes.push(
            "sky: a smooth, sky-coloured area at the top was not taken for sky: the region classifier sees none there (a wall, a backdrop or a ceiling)"
                .into(),
        ),
        SkyVerdict::Rescued => {
            notes.push("sky: found by the region classifier where the hand-made finder saw none".into())
        }
        _ => {}
    }

    // Colour grade and stars.
    let grade = intent.grade.map(|g| {
        if !sky {
            notes.push(format!("grade {g:?}: no sky found; only the light on the scene changes"));
        } else {
            notes.push(format!("grade: the sky turns {g:?} over the clip"));
        }
        GradePlan { grade: g, strength: 1.0 }
    });
    let stars = sky && intent.stars.unwrap_or(false);
    if intent.stars == Some(true) && !sky {
        notes.push("stars: asked for, but there is no sky to put them in".into());
    }

    // Water.
    let water = match wanted(intent.water, ex, true) {
        Some(a) if scene.has_water() => {
            let d = a.direction.map(dir_vec).unwrap_or((0.3, 1.0));
            let f = 0.006 * tempo;
            notes
                .push(format!("water: ripples and a slow current ({:.0} % of the photo)", summary.water_share * 100.0));
            Some(WaterPlan { strength: a.strength * wind.sqrt(), flow: (d.0 * f, d.1 * f) })
        }
        Some(_) if intent.water.is_some() => {
            notes.push("water: asked for, but no water was found even with the relaxed test".into());
            None
        }
        _ => None,
    };

    // Particles.
    let mut particles: Vec<ParticlePlan> = intent
        .particles
        .iter()
        .filter(|(_, a)| a.on)
        .map(|(k, a)| {
            let side = match a.direction {
                Some(Direction::Left) => -1.0,
                Some(Direction::Right) => 1.0,
                _ => 0.0,
            };
            ParticlePlan {
                kind: *k,
                density: a.strength.clamp(0.2, 3.0),
                speed: tempo * wind,
                wind: 0.03 * side * wind + 0.01 * (wind - 1.0),
            }
        })
        .collect();
    particles.sort_by_key(|p| p.kind);
    for p in &particles {
        notes.push(format!("particles: {:?}, nearer ones larger and faster, hidden behind nearer scenery", p.kind));
    }

    let on = |a: Option<Ask>| a.filter(|a| a.on).map_or(0.0, |a| a.strength);
    let fog = on(intent.fog);
    let sunny_default = !ex && sky && summary.sun.is_some() && summary.sky_kind == SkyKind::Sunset;
    let glow = if intent.glow.is_some() {
        on(intent.glow)
    } else if sunny_default {
        0.5
    } else {
        0.0
    };
    let light_leak = on(intent.light_leak);
    let haze = (0.5 * on(intent.haze)).min(0.8);
    let breathe = match intent.breathe {
        Some(a) if a.on => a.strength,
        Some(_) => 0.0,
        None if portrait && !ex => 1.0,
        None => 0.0,
    };
    let light_sweep = if portrait && !ex { 0.6 } else { 0.0 };
    if portrait && !ex {
        notes.push(if people {
            format!("subject: {} face(s) found: the people stay near in depth, breathe gently, and a soft light passes over them", summary.faces.len())
        } else {
            "subject: no sky, a clear subject: it breathes gently and a soft light passes over it".into()
        });
    }
    // Blinks, where the face pack found each face's mesh (eyes open):
    // by default on a portrait, or when asked.
    let asked = intent.blink.map(|a| a.on);
    let laugh = intent.laugh.is_some_and(|a| a.on) && !scene.face_meshes.is_empty();
    if laugh {
        notes.push(format!(
            "faces: {} laugh with the mouth closed (a broad smile, the eyes narrowed, the head bobbing; no teeth are invented; no blink, wink or nod in the same clip)",
            scene.face_meshes.len()
        ));
    } else if intent.laugh.is_some_and(|a| a.on) {
        notes.push("faces: laugh needs the face pack's face mesh and a face it can read".into());
    }
    let wink = !laugh && intent.wink.is_some_and(|a| a.on) && !scene.face_meshes.is_empty();
    if wink {
        notes.push(format!(
            "faces: {} wink (one eye held shut a moment, once; no blink in the same clip)",
            scene.face_meshes.len()
        ));
    } else if intent.wink.is_some_and(|a| a.on) {
        notes.push("faces: wink needs the face pack's face mesh and a face with open eyes".into());
    }
    let wants_blink = wanted(intent.blink, ex, portrait).is_some() && !wink && !laugh;
    let blink = wants_blink && !scene.face_meshes.is_empty();
    if blink {
        notes.push(format!("faces: {} blink (the face pack's face mesh), not together", scene.face_meshes.len()));
    } else if wants_blink && people {
        notes.push("faces: blinks need the face pack's face mesh (scripts/install-model-packs face)".into());
    } else if asked == Some(true) {
        notes.push("faces: blink: asked for, but no face with open eyes was found".into());
    }
    // A soft smile: gentle by default on a portrait, fuller when asked.
    let smile = match wanted(intent.smile, ex, portrait) {
        Some(a) if !scene.face_meshes.is_empty() => {
            let amount = if intent.smile.is_some() { a.strength.clamp(0.3, 1.5) } else { 0.6 };
            notes.push(format!(
                "faces: {} smile softly (mouth corners and cheeks lifted; lips never part)",
                scene.face_meshes.len()
            ));
            amount
        }
        Some(_) if intent.smile.is_some() => {
            notes.push("faces: smile needs the face pack's face mesh and a face it can read (scripts/install-model-packs face)".into());
            0.0
        }
        _ => 0.0,
    };
    // A laugh smiles broadly, whatever else was said of the smile.
    let smile = if laugh { smile.max(1.5) } else { smile };
    let nod = !laugh && intent.nod.is_some_and(|a| a.on) && !scene.face_meshes.is_empty();
    if nod {
        notes.push(format!(
            "faces: {} nod once (the head dips 5 % of the face's height and comes back)",
            scene.face_meshes.len()
        ));
    } else if intent.nod.is_some_and(|a| a.on) {
        notes.push("faces: nod needs the face pack's face mesh and a face it can read".into());
    }
    let glance = wanted(intent.glance, ex, portrait).is_some() && !scene.face_meshes.is_empty();
    if glance {
        notes.push("faces: the eyes glance aside once and come back".into());
    } else if intent.glance.is_some_and(|a| a.on) {
        notes.push("faces: glance needs the face pack's face mesh and a face it can read".into());
    }

    // Wind in the leaves.
    let sway = match wanted(intent.sway, ex, true) {
        Some(a) if summary.foliage_share > 0.02 => {
            notes.push(format!(
                "sway: leaves and grass move in the wind, most at their tips ({:.0} % of the photo)",
                summary.foliage_share * 100.0
            ));
            a.strength * wind
        }
        Some(_) if intent.sway.is_some() => {
            notes.push("sway: asked for, but no leaves or grass were found".into());
            0.0
        }
        _ if intent.wind.is_some_and(|w| w.on) && summary.foliage_share > 0.02 => {
            notes.push("sway: the wind moves the leaves and grass too".into());
            wind
        }
        _ => 0.0,
    };

    // Lights.
    let flicker = match wanted(intent.flicker, ex, true) {
        Some(a) if summary.lights > 0 => {
            notes.push(format!("lights: {} light(s) in the dim photo flicker and twinkle", summary.lights));
            a.strength
        }
        Some(_) if intent.flicker.is_some() => {
            notes.push(
                "lights: asked for, but no small bright lights were found (only a dim photo's lights are taken)".into(),
            );
            0.0
        }
        _ => 0.0,
    };

    // Steam: no detector for hot drinks yet, so only when asked; it rises
    // from the top of the subject.
    let steam = match intent.steam.filter(|a| a.on) {
        Some(a) => {
            let sb = summary.subject;
            notes.push("steam: rises from the top of the subject, widening and fading".into());
            Some(SteamPlan {
                origin: ((sb.x + sb.w * 0.5) as f32, (sb.y + sb.h * 0.2) as f32),
                width: (sb.w * 0.45) as f32,
                strength: a.strength,
            })
        }
        None => None,
    };

    // Light and shadow on the move.
    let shadows = match wanted(intent.shadows, ex, true) {
        Some(a) if sky && summary.sky_share < 0.85 => {
            notes.push("shadows: cloud shadows drift over the land".into());
            Some(ShadowPlan { strength: 0.16 * a.strength, scale: 0.5, speed: 10.0 * tempo * wind })
        }
        Some(a) if !sky => {
            notes.push("light: soft light and shade drift across the scene, as from a window or passing clouds".into());
            Some(ShadowPlan { strength: 0.12 * a.strength, scale: 0.6, speed: 6.0 * tempo })
        }
        _ => None,
    };

    // Sound.
    let mut sound: Vec<SoundBed> = Vec::new();
    let add = |sound: &mut Vec<SoundBed>, kind: SoundKind, level: f32| {
        if !sound.iter().any(|s| s.kind == kind) {
            sound.push(SoundBed { kind, level });
        }
    };
    for k in &intent.sounds {
        add(&mut sound, *k, 1.0);
    }
    let night = matches!(intent.grade, Some(Grade::Night | Grade::BlueHour)) || summary.sky_kind == SkyKind::Night;
    if water.is_some() {
        add(&mut sound, SoundKind::Surf, 1.0);
    }
    for p in &particles {
        match p.kind {
            ParticleKind::Rain => add(&mut sound, SoundKind::Rain, 1.0),
            ParticleKind::Embers => add(&mut sound, SoundKind::Fire, 1.0),
            ParticleKind::Snow => add(&mut sound, SoundKind::Wind, 0.6),
            ParticleKind::Fireflies => add(&mut sound, SoundKind::Crickets, 0.8),
            _ => {}
        }
    }
    if sky {
        add(&mut sound, SoundKind::Wind, if intent.wind.is_some() { 1.0 } else { 0.5 });
        if night {
            add(&mut sound, SoundKind::Crickets, 0.7);
        } else if matches!(summary.sky_kind, SkyKind::Blue | SkyKind::Sunset) && intent.grade != Some(Grade::Storm) {
            add(&mut sound, SoundKind::Birds, 0.6);
        }
    }
    if sound.is_empty() {
        add(&mut sound, SoundKind::Room, 1.0);
    }
    let mute = mute || intent.mute;
    if mute {
        sound.clear();
        notes.push("sound: none (muted)".into());
    } else {
        let names: Vec<String> = sound.iter().map(|s| format!("{:?}", s.kind).to_lowercase()).collect();
        notes.push(format!("sound: {} (matched to the scene and the prompt)", names.join(" + ")));
    }
    for r in &intent.readings {
        notes.push(format!("prompt: '{}' read as {} ({:.2}) → {}", r.phrase, r.concept, r.similarity, r.applied));
    }
    let mut ignored = intent.ignored.clone();
    ignored.extend(intent.unsupported.iter().cloned());
    Plan {
        prompt: prompt.to_string(),
        looped: intent.looped,
        camera,
        clouds,
        grade,
        stars,
        water,
        particles,
        fog,
        glow,
        light_leak,
        breathe,
        blink,
        wink,
        smile,
        glance,
        nod,
        laugh,
        light_sweep,
        haze,
        sway,
        flicker,
        steam,
        shadows,
        sound,
        ignored,
        notes,
    }
}
