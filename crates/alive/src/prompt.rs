//! The prompt grammar: plain English words and short phrases mapped to what
//! should move. A prompt is split into clauses (commas, "and", "then",
//! "while"); inside a clause, directions and strengths attach to the thing
//! the clause is about ("clouds drift left slowly"), "no"/"without" negate
//! the next thing, and "only"/"just" keep everything not named still. Words
//! the grammar cannot use are returned, never dropped in silence. The full
//! vocabulary is in `docs/PROMPTS.md`.

use serde::Serialize;

/// Longest prompt we read, in characters.
pub const MAX_PROMPT_CHARS: usize = 1000;

/// A colour grade the sky can move to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Grade {
    GoldenHour,
    Sunset,
    BlueHour,
    Night,
    Storm,
    Pink,
}

/// Particles and overlays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum ParticleKind {
    Snow,
    Rain,
    Petals,
    Leaves,
    Fireflies,
    Embers,
    Dust,
}

/// Camera moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CameraMove {
    Still,
    PushIn,
    PullBack,
    PanLeft,
    PanRight,
    PanUp,
    PanDown,
    Orbit,
}

/// Ambient sound beds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum SoundKind {
    Surf,
    Wind,
    Rain,
    City,
    Birds,
    Fire,
    Crickets,
    Room,
}

/// A direction in the picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Left,
    Right,
    Up,
    Down,
}

/// What the prompt asks for, before the photo is looked at.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Intent {
    /// Only the named layers move.
    pub exclusive: bool,
    pub tempo: f32,
    pub clouds: Option<Ask>,
    pub grade: Option<Grade>,
    pub stars: Option<bool>,
    pub water: Option<Ask>,
    pub particles: Vec<(ParticleKind, Ask)>,
    pub fog: Option<Ask>,
    pub glow: Option<Ask>,
    pub light_leak: Option<Ask>,
    /// A soft, low-contrast haze ("dreamy").
    pub haze: Option<Ask>,
    pub wind: Option<Ask>,
    /// Foliage and grass swaying.
    pub sway: Option<Ask>,
    /// Steam or smoke rising from the subject.
    pub steam: Option<Ask>,
    /// Lights and candles flickering.
    pub flicker: Option<Ask>,
    /// Light and shadow drifting over the scene.
    pub shadows: Option<Ask>,
    pub camera: Option<(CameraMove, f32)>,
    pub parallax: Option<f32>,
    pub breathe: Option<Ask>,
    /// Faces blinking (needs the face pack's face mesh).
    pub blink: Option<Ask>,
    /// One eye winking once (needs the face pack's face mesh).
    pub wink: Option<Ask>,
    /// Faces smiling (needs the face pack's face mesh).
    pub smile: Option<Ask>,
    /// Eyes glancing aside (needs the face pack's face mesh).
    pub glance: Option<Ask>,
    /// The head nodding once (needs the face pack's face mesh).
    pub nod: Option<Ask>,
    /// A closed-mouth laugh: a broad smile, narrowed eyes, the head
    /// bobbing (needs the face pack's face mesh).
    pub laugh: Option<Ask>,
    pub sounds: Vec<SoundKind>,
    pub mute: bool,
    pub looped: bool,
    /// Words the grammar did not use.
    pub ignored: Vec<String>,
    /// Understood but not possible (with why).
    pub unsupported: Vec<String>,
    /// Clauses read by meaning (with the text pack; see `meaning.rs`).
    pub readings: Vec<super::meaning::Reading>,
}

impl Intent {
    /// What the prompt turns on, one name per layer, camera move, grade and
    /// sound ("snow", "grade:sunset", "camera:pan-left", "sound:rain"),
    /// sorted: what the labelled prompt sets are scored on.
    pub fn layers(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut on = |name: &str, a: Option<Ask>| {
            if a.is_some_and(|a| a.on) {
                out.push(name.into());
            }
        };
        on("clouds", self.clouds);
        on("water", self.water);
        on("fog", self.fog);
        on("glow", self.glow);
        on("light-leak", self.light_leak);
        on("haze", self.haze);
        on("wind", self.wind);
        on("sway", self.sway);
        on("steam", self.steam);
        on("flicker", self.flicker);
        on("shadows", self.shadows);
        on("breathe", self.breathe);
        on("blink", self.blink);
        on("wink", self.wink);
        on("smile", self.smile);
        on("glance", self.glance);
        on("nod", self.nod);
        on("laugh", self.laugh);
        for (k, a) in &self.particles {
            if a.on {
                out.push(format!("{k:?}").to_lowercase());
            }
        }
        if let Some(g) = self.grade {
            out.push(format!("grade:{}", kebab(&format!("{g:?}"))));
        }
        if self.stars == Some(true) {
            out.push("stars".into());
        }
        if let Some((m, _)) = self.camera {
            out.push(format!("camera:{}", kebab(&format!("{m:?}"))));
        }
        if self.parallax.is_some_and(|p| p > 0.0) {
            out.push("parallax".into());
        }
        for s in &self.sounds {
            out.push(format!("sound:{s:?}").to_lowercase());
        }
        if self.mute {
            out.push("quiet".into());
        }
        if self.looped {
            out.push("loop".into());
        }
        out.sort();
        out
    }
}

/// "PanLeft" → "pan-left".
fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('-');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// One request: wanted or refused, with a strength and maybe a direction.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Ask {
    pub on: bool,
    pub strength: f32,
    pub direction: Option<Direction>,
}

/// What a word or phrase means.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Word {
    Filler,
    Clouds,
    Sky,
    Grade(Grade),
    Stars,
    Water,
    Waves,
    Particle(ParticleKind),
    Fog,
    Glow,
    LightLeak,
    Dreamy,
    Wind,
    Sway,
    Steam,
    Flicker,
    Shadows,
    Camera(CameraMove),
    Pan,
    CameraNoun,
    Parallax,
    Cinematic,
    Breathe,
    Blink,
    Wink,
    Smile,
    Glance,
    Nod,
    Laugh,
    Sound(SoundKind),
    Quiet,
    Audio,
    Dir(Direction),
    Slow,
    Fast,
    Very,
    Not,
    Only,
    Loop,
    Face,
}

/// Phrases first (longest wins), then single words.
const PHRASES: &[(&str, Word)] = &[
    ("golden hour", Word::Grade(Grade::GoldenHour)),
    ("blue hour", Word::Grade(Grade::BlueHour)),
    ("light leaks", Word::LightLeak),
    ("light leak", Word::LightLeak),
    ("cherry blossoms", Word::Particle(ParticleKind::Petals)),
    ("zoom in", Word::Camera(CameraMove::PushIn)),
    ("push in", Word::Camera(CameraMove::PushIn)),
    ("dolly in", Word::Camera(CameraMove::PushIn)),
    ("zoom out", Word::Camera(CameraMove::PullBack)),
    ("pull back", Word::Camera(CameraMove::PullBack)),
    ("pull out", Word::Camera(CameraMove::PullBack)),
    ("dolly out", Word::Camera(CameraMove::PullBack)),
    ("still camera", Word::Camera(CameraMove::Still)),
    ("static camera", Word::Camera(CameraMove::Still)),
    ("locked camera", Word::Camera(CameraMove::Still)),
    ("sun rays", Word::Glow),
    ("god rays", Word::Glow),
    ("a bit", Word::Slow),
    ("a little", Word::Slow),
];

fn word(w: &str) -> Option<Word> {
    use Word::*;
    Some(match w {
        "a" | "an" | "the" | "this" | "that" | "these" | "photo" | "picture" | "image" | "scene" | "to" | "into"
        | "in" | "on" | "of" | "is" | "are" | "be" | "it" | "its" | "my" | "me" | "some" | "please" | "make"
        | "let" | "bring" | "life" | "come" | "alive" | "living" | "moment" | "drift" | "drifts" | "drifting"
        | "move" | "moves" | "moving" | "flow" | "flows" | "flowing" | "roll" | "rolls" | "rolling" | "fall"
        | "falls" | "falling" | "float" | "floats" | "floating" | "turn" | "turns" | "turning" | "become"
        | "becomes" | "change" | "changes" | "changing" | "go" | "goes" | "across" | "from" | "towards" | "toward"
        | "with" | "more" | "add" | "motion" | "movement" | "gently" | "softly" | "over" | "at" | "shine"
        | "shining" | "glowing" | "cup" | "mug" | "coffee" | "tea" | "soup" | "bowl" | "drink" | "up" => {
            // "up" is a direction after "pan" or a subject; standalone it
            // is filler ("light up"). The clause logic handles both.
            if w == "up" {
                Dir(Direction::Up)
            } else if matches!(w, "gently" | "softly") {
                Slow
            } else {
                Filler
            }
        }
        "cloud" | "clouds" | "cloudy" => Clouds,
        "sky" | "skies" => Sky,
        "sunset" | "dusk" | "evening" | "orange" => Grade(self::Grade::Sunset),
        "sunrise" | "dawn" | "golden" | "warm" | "warmer" => Grade(self::Grade::GoldenHour),
        "night" | "nighttime" | "midnight" | "dark" | "darker" => Grade(self::Grade::Night),
        "twilight" | "blue" => Grade(self::Grade::BlueHour),
        "storm" | "stormy" | "thunder" | "thunderstorm" => Grade(self::Grade::Storm),
        "pink" | "purple" | "pastel" => Grade(self::Grade::Pink),
        "stars" | "star" | "starry" | "starlit" => Stars,
        "water" | "sea" | "ocean" | "lake" | "river" | "pond" | "ripple" | "ripples" | "rippling" => Water,
        "wave" | "waves" | "surf" | "tide" => Waves,
        "snow" | "snowing" | "snowfall" | "snowflakes" | "snowy" | "winter" => Particle(ParticleKind::Snow),
        "rain" | "raining" | "rainy" | "drizzle" | "raindrops" => Particle(ParticleKind::Rain),
        "petals" | "petal" | "blossoms" | "blossom" | "sakura" | "spring" => Particle(ParticleKind::Petals),
        "leaves" | "leaf" | "autumn" | "foliage" => Particle(ParticleKind::Leaves),
        "fireflies" | "firefly" => Particle(ParticleKind::Fireflies),
        "embers" | "sparks" | "fire" | "campfire" | "fireplace" | "bonfire" | "cozy" | "cosy" => {
            Particle(ParticleKind::Embers)
        }
        "dust" | "motes" | "dusty" => Particle(ParticleKind::Dust),
        "fog" | "foggy" | "mist" | "misty" | "haze" | "hazy" => Fog,
        "glow" | "sun" | "sunny" | "sunshine" | "sunlight" | "sunbeams" | "bloom" | "light" => Glow,
        "leaks" => LightLeak,
        "dreamy" | "dream" | "dreamlike" | "ethereal" | "magical" => Dreamy,
        "wind" | "windy" | "breeze" | "breezy" | "gust" | "gusts" => Wind,
        "zoom" | "push" | "dolly" | "closer" => Camera(CameraMove::PushIn),
        "pan" | "panning" | "tilt" => Pan,
        "camera" | "cam" | "shot" => CameraNoun,
        "orbit" | "orbiting" | "circle" | "around" => Camera(CameraMove::Orbit),
        "parallax" | "3d" | "depth" => Parallax,
        "cinematic" | "epic" | "film" | "movie" => Cinematic,
        "breathe" | "breathing" | "breath" | "handheld" => Breathe,
        "blink" | "blinks" | "blinking" => Blink,
        "wink" | "winks" | "winking" => Wink,
        "smile" | "smiles" | "smiling" => Smile,
        "glance" | "glances" | "glancing" => Glance,
        "sway" | "sways" | "swaying" | "rustle" | "rustles" | "rustling" | "grass" | "trees" | "tree" | "branches"
        | "bushes" | "plants" | "reeds" => Sway,
        "shadow" | "shadows" | "shade" | "dappled" => Shadows,
        "steam" | "steaming" | "steamy" | "smoke" | "smoking" | "smoky" | "vapour" | "vapor" => Steam,
        "flicker" | "flickers" | "flickering" | "candle" | "candles" | "candlelight" | "lights" | "lamps"
        | "lanterns" | "twinkle" | "twinkles" | "twinkling" | "sparkle" | "sparkling" | "glitter" => Flicker,
        "birds" | "bird" | "birdsong" | "chirping" | "forest" | "nature" => Sound(SoundKind::Birds),
        "city" | "traffic" | "street" | "urban" => Sound(SoundKind::City),
        "crickets" | "cicadas" | "insects" => Sound(SoundKind::Crickets),
        "quiet" | "silent" | "silence" | "mute" | "muted" => Quiet,
        "sound" | "sounds" | "audio" | "ambience" | "ambient" | "music" => Audio,
        "left" | "leftward" | "leftwards" | "west" => Dir(Direction::Left),
        "right" | "rightward" | "rightwards" | "east" => Dir(Direction::Right),
        "upward" | "upwards" | "rise" | "rising" | "rises" => Dir(Direction::Up),
        "down" | "downward" | "downwards" | "sink" | "sinking" => Dir(Direction::Down),
        "slow" | "slowly" | "gentle" | "subtle" | "subtly" | "calm" | "calmly" | "soft" | "light-" | "lazy"
        | "lazily" | "peaceful" | "serene" | "relaxing" => Slow,
        "fast" | "quick" | "quickly" | "dramatic" | "dramatically" | "strong" | "strongly" | "heavy" | "heavily"
        | "wild" | "big" | "intense" | "rapid" | "rapidly" => Fast,
        "very" | "really" | "extra" | "super" => Very,
        "no" | "not" | "without" | "dont" | "don't" | "never" | "stop" => Not,
        "only" | "just" => Only,
        "loop" | "looping" | "loops" | "seamless" | "seamlessly" | "forever" => Loop,
        "nod" | "nods" | "nodding" => Nod,
        "laugh" | "laughs" | "laughing" | "chuckle" | "chuckles" | "chuckling" | "giggle" | "giggles" | "giggling" => {
            Laugh
        }
        "talk" | "talks" | "talking" | "speak" | "speaks" | "speaking" => Face,
        _ => return None,
    })
}

/// Splits text into lowercase words; drops zero-width and control marks.
fn tokens(text: &str) -> Vec<String> {
    let cleaned: String = text
        .chars()
        .take(MAX_PROMPT_CHARS)
        .filter(|c| !matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}' | '\u{202a}'..='\u{202e}'))
        .flat_map(char::to_lowercase)
        .collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in cleaned.chars() {
        if c.is_alphanumeric() || c == '\'' {
            cur.push(c);
        } else {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if matches!(c, ',' | ';' | '.' | '!' | '?' | ':') {
                out.push(",".into());
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out.into_iter().map(|w| w.replace('\'', "")).filter(|w| !w.is_empty()).collect()
}

fn is_clause_break(w: &str) -> bool {
    matches!(w, "," | "and" | "then" | "while" | "plus" | "also" | "as")
}

/// The thing a clause is about, for directions and strengths.
#[derive(Clone, Copy, PartialEq)]
enum Topic {
    None,
    Clouds,
    Water,
    Particle(usize),
    Camera,
    Wind,
    Sway,
    Steam,
    Flicker,
    Shadows,
    Other,
}

/// Parses a prompt.
pub fn parse(text: &str) -> Intent {
    let mut it = Intent { tempo: 1.0, ..Intent::default() };
    let toks = tokens(text);
    let mut i = 0;
    // Clause state.
    let mut topic = Topic::None;
    let mut negate = false;
    let mut strength: Option<f32> = None;
    let mut very = false;
    let mut pending_dir: Option<Direction> = None;
    let mut pan = false;
    while i < toks.len() {
        if is_clause_break(&toks[i]) {
            finish_clause(&mut it, topic, strength, pending_dir);
            topic = Topic::None;
            negate = false;
            strength = None;
            very = false;
            pending_dir = None;
            pan = false;
            i += 1;
            continue;
        }
        let (w, used) = match PHRASES.iter().find(|(p, _)| {
            let parts: Vec<&str> = p.split(' ').collect();
            toks.len() >= i + parts.len() && parts.iter().enumerate().all(|(k, part)| toks[i + k] == *part)
        }) {
            Some((p, w)) => (Some(*w), p.split(' ').count()),
            None => (word(&toks[i]), 1),
        };
        let on = !negate;
        let ask = |s: Option<f32>| Ask { on, strength: s.unwrap_or(1.0), direction: None };
        match w {
            None => it.ignored.push(toks[i].clone()),
            Some(Word::Filler) => {}
            Some(Word::Clouds) | Some(Word::Sky) => {
                if w == Some(Word::Clouds) || it.clouds.is_none() {
                    it.clouds = Some(ask(strength));
                }
                topic = Topic::Clouds;
            }
            Some(Word::Grade(g)) => {
                it.grade = if on { Some(g) } else { None };
                if g == Grade::Night && on && it.stars.is_none() {
                    it.stars = Some(true);
                }
                topic = if topic == Topic::None { Topic::Other } else { topic };
            }
            Some(Word::Stars) => it.stars = Some(on),
            Some(Word::Water) | Some(Word::Waves) => {
                let s = if w == Some(Word::Waves) { 1.5 } else { 1.0 } * strength.unwrap_or(1.0);
                it.water = Some(Ask { on, strength: s, direction: None });
                if w == Some(Word::Waves) && on {
                    push_unique(&mut it.sounds, SoundKind::Surf);
                }
                topic = Topic::Water;
            }
            Some(Word::Particle(k)) => {
                it.particles.retain(|(p, _)| *p != k);
                it.particles.push((k, ask(strength)));
                if on {
                    match k {
                        ParticleKind::Rain => push_unique(&mut it.sounds, SoundKind::Rain),
                        ParticleKind::Embers => push_unique(&mut it.sounds, SoundKind::Fire),
                        _ => {}
                    }
                }
                topic = Topic::Particle(it.particles.len() - 1);
            }
            Some(Word::Fog) => it.fog = Some(ask(strength)),
            Some(Word::Glow) => it.glow = Some(ask(strength)),
            Some(Word::LightLeak) => it.light_leak = Some(ask(strength)),
            Some(Word::Dreamy) => {
                it.glow = Some(ask(Some(1.0)));
                it.light_leak = Some(ask(Some(1.0)));
                it.haze = Some(ask(strength));
                it.tempo *= 0.75;
            }
            Some(Word::Wind) => {
                it.wind = Some(ask(strength));
                if on {
                    push_unique(&mut it.sounds, SoundKind::Wind);
                }
                topic = Topic::Wind;
            }
            Some(Word::Sway) => {
                it.sway = Some(ask(strength));
                topic = Topic::Sway;
            }
            Some(Word::Steam) => {
                it.steam = Some(ask(strength));
                topic = Topic::Steam;
            }
            Some(Word::Flicker) => {
                it.flicker = Some(ask(strength));
                topic = Topic::Flicker;
            }
            Some(Word::Shadows) => {
                it.shadows = Some(ask(strength));
                topic = Topic::Shadows;
            }
            Some(Word::Camera(m)) => {
                it.camera = Some(if on { (m, strength.unwrap_or(1.0)) } else { (CameraMove::Still, 0.0) });
                topic = Topic::Camera;
            }
            Some(Word::CameraNoun) => {
                if !on {
                    it.camera = Some((CameraMove::Still, 0.0));
                }
                topic = Topic::Camera;
            }
            Some(Word::Pan) => {
                pan = true;
                topic = Topic::Camera;
                if !on {
                    it.camera = Some((CameraMove::Still, 0.0));
                } else if it.camera.is_none() {
                    it.camera = Some((CameraMove::PanRight, strength.unwrap_or(1.0)));
                }
            }
            Some(Word::Parallax) => it.parallax = Some(if on { 1.6 } else { 0.0 }),
            Some(Word::Cinematic) => {
                it.camera = Some((CameraMove::PushIn, 1.2));
                it.parallax = Some(1.5);
            }
            Some(Word::Breathe) => it.breathe = Some(ask(strength)),
            Some(Word::Blink) => it.blink = Some(ask(strength)),
            Some(Word::Wink) => it.wink = Some(ask(strength)),
            Some(Word::Smile) => it.smile = Some(ask(strength)),
            Some(Word::Glance) => it.glance = Some(ask(strength)),
            Some(Word::Nod) => it.nod = Some(ask(strength)),
            Some(Word::Laugh) => it.laugh = Some(ask(strength)),
            Some(Word::Sound(k)) => {
                if on {
                    push_unique(&mut it.sounds, k);
                } else {
                    it.sounds.retain(|s| *s != k);
                }
            }
            Some(Word::Quiet) => it.mute = on,
            Some(Word::Audio) => it.mute = !on,
            Some(Word::Dir(d)) => {
                if pan || topic == Topic::Camera {
                    let m = match d {
                        Direction::Left => CameraMove::PanLeft,
                        Direction::Right => CameraMove::PanRight,
                        Direction::Up => CameraMove::PanUp,
                        Direction::Down => CameraMove::PanDown,
                    };
                    if pan {
                        it.camera = Some((m, strength.unwrap_or(1.0)));
                    }
                } else {
                    pending_dir = Some(d);
                }
            }
            Some(Word::Slow) => {
                strength = Some(if very { 0.35 } else { 0.6 });
                very = false;
            }
            Some(Word::Fast) => {
                strength = Some(if very { 2.2 } else { 1.6 });
                very = false;
            }
            Some(Word::Very) => very = true,
            Some(Word::Not) => {
                negate = true;
                i += used;
                continue;
            }
            Some(Word::Only) => it.exclusive = true,
            Some(Word::Loop) => it.looped = true,
            Some(Word::Face) => it.unsupported.push(format!(
                "'{}': blinks, winks, smiles, glances, nods and closed-mouth laughs are drawn on faces (with the face pack); talking is not (a moving mouth would invent teeth and words)",
                toks[i]
            )),
        }
        // A negation covers the next thing named, then ends.
        if !matches!(w, Some(Word::Filler) | Some(Word::Slow) | Some(Word::Fast) | Some(Word::Very)) {
            negate = false;
        }
        i += used;
    }
    finish_clause(&mut it, topic, strength, pending_dir);
    it
}

/// Applies what a clause said about its topic once the whole clause is read
/// (strengths and directions may come after the noun: "clouds drift left slowly").
fn finish_clause(it: &mut Intent, topic: Topic, strength: Option<f32>, dir: Option<Direction>) {
    let apply = |a: &mut Ask| {
        if let Some(s) = strength {
            a.strength = s;
        }
        if dir.is_some() {
            a.direction = dir;
        }
    };
    match topic {
        Topic::Clouds => {
            if let Some(a) = it.clouds.as_mut() {
                apply(a);
            }
        }
        Topic::Water => {
            if let Some(a) = it.water.as_mut() {
                if let Some(s) = strength {
                    a.strength *= s;
                }
                if dir.is_some() {
                    a.direction = dir;
                }
            }
        }
        Topic::Particle(k) => {
            if let Some((_, a)) = it.particles.get_mut(k) {
                apply(a);
            }
        }
        Topic::Wind => {
            if let Some(a) = it.wind.as_mut() {
                apply(a);
            }
        }
        Topic::Sway | Topic::Steam | Topic::Flicker | Topic::Shadows => {
            let a = match topic {
                Topic::Sway => it.sway.as_mut(),
                Topic::Steam => it.steam.as_mut(),
                Topic::Flicker => it.flicker.as_mut(),
                _ => it.shadows.as_mut(),
            };
            if let (Some(a), Some(s)) = (a, strength) {
                a.strength = s;
            }
        }
        Topic::Camera => {
            if let (Some(s), Some(c)) = (strength, it.camera.as_mut()) {
                c.1 = s;
            }
        }
        Topic::None => {
            // "slowly" on its own sets the pace of everything.
            if let Some(s) = strength {
                it.tempo *= s;
            }
            if let Some(d) = dir {
                // A bare direction moves the clouds.
                let a = it.clouds.get_or_insert(Ask { on: true, strength: 1.0, direction: None });
                a.direction = Some(d);
            }
        }
        Topic::Other => {
            if let Some(s) = strength {
                it.tempo *= s;
            }
        }
    }
}

fn push_unique(v: &mut Vec<SoundKind>, k: SoundKind) {
    if !v.contains(&k) {
        v.push(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blinks_and_smiles_are_asked_for_or_stopped() {
        assert!(parse("she blinks").blink.is_some_and(|a| a.on));
        assert!(parse("no blink").blink.is_some_and(|a| !a.on));
        assert!(parse("smiling softly").smile.is_some_and(|a| a.on));
        let wink = parse("she winks");
        assert!(wink.blink.is_none() && wink.wink.is_some_and(|a| a.on) && wink.unsupported.is_empty());
        assert!(parse("he nods").nod.is_some_and(|a| a.on));
        assert!(parse("she laughs").laugh.is_some_and(|a| a.on));
        assert!(parse("he talks").unsupported.iter().any(|u| u.contains("talks")));
    }

    #[test]
    fn clouds_left_slowly() {
        let it = parse("Clouds drift left, slowly");
        let c = it.clouds.expect("clouds");
        assert_eq!(c.direction, Some(Direction::Left));
        assert!(it.ignored.is_empty(), "{:?}", it.ignored);
        // "slowly" after a comma is its own clause: the whole clip slows.
        assert!(it.tempo < 1.0);
        let it = parse("clouds drift left slowly");
        assert!(it.clouds.expect("clouds").strength < 1.0);
    }

    #[test]
    fn grade_camera_particles_and_unknown_words() {
        let it = parse("sky turns to sunset, gentle zoom in, snow and waves, xylophone");
        assert_eq!(it.grade, Some(Grade::Sunset));
        let (m, s) = it.camera.expect("camera");
        assert_eq!(m, CameraMove::PushIn);
        assert!(s < 1.0);
        assert!(it.particles.iter().any(|(k, a)| *k == ParticleKind::Snow && a.on));
        assert!(it.water.expect("water").on);
        assert_eq!(it.ignored, vec!["xylophone".to_string()]);
    }

    #[test]
    fn negation_and_only() {
        let it = parse("only the clouds, no camera motion, no sound");
        assert!(it.exclusive);
        assert_eq!(it.camera.map(|c| c.0), Some(CameraMove::Still));
        assert!(it.mute);
        assert!(it.ignored.is_empty(), "{:?}", it.ignored);
        let it = parse("pan left");
        assert_eq!(it.camera.map(|c| c.0), Some(CameraMove::PanLeft));
        let it = parse("make her talk");
        assert_eq!(it.unsupported.len(), 1);
        assert_eq!(it.ignored, vec!["her".to_string()]);
    }

    #[test]
    fn zero_width_marks_do_not_hide_words() {
        let it = parse("sn\u{200b}ow");
        assert!(it.particles.iter().any(|(k, _)| *k == ParticleKind::Snow));
    }

    #[test]
    fn the_life_layers_are_asked_for_in_plain_words() {
        let it = parse("steam rises from the cup");
        assert!(it.steam.is_some_and(|a| a.on), "{it:?}");
        assert!(it.ignored.is_empty(), "{:?}", it.ignored);
        let it = parse("the grass sways gently, windy");
        assert_eq!(it.sway.map(|a| a.strength), Some(0.6));
        assert!(it.wind.is_some_and(|a| a.on));
        let it = parse("candles flicker, no shadows");
        assert!(it.flicker.is_some_and(|a| a.on));
        assert!(it.shadows.is_some_and(|a| !a.on));
        assert!(it.ignored.is_empty(), "{:?}", it.ignored);
        // "hot" is not steam: a hot summer day has none.
        assert!(parse("a hot summer day").steam.is_none());
    }
}
