//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "Exit codes: 0 ok, 1 failure, 2 usage error, 3 invalid, unsupported, missing or unreadable input \
(or bad signing credentials, or not a regular file), 4 Content Credentials invalid or tampered (verify), 5 no Content Credentials (verify), \
6 refused by the safety policy, 7 moderation conflict (decided or appealed by someone else first, not your case), \
8 an output already exists (use --force), 130 cancelled (Ctrl-C), 143 terminated (SIGTERM).";

#[derive(Parser, Debug)]
#[command(name = "vivify", version, about = "Live Photos and Motion Photos from any video, and back", after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Bring a photo to life: a few seconds of video with moving sky, water, particles, camera and sound.
    #[command(after_help = AFTER_HELP)]
    Alive(AliveArgs),
    /// Make a Live Photo and/or Motion Photo from a video.
    #[command(after_help = AFTER_HELP)]
    Live(LiveArgs),
    /// Convert Live Photo pairs to Motion Photos or back, without re-encoding.
    #[command(after_help = AFTER_HELP)]
    Convert(ConvertArgs),
    /// Say what files are and which format rules they break.
    #[command(after_help = AFTER_HELP)]
    Inspect(InspectArgs),
    /// Take the still and the video out of a motion photo or .pvt package.
    #[command(after_help = AFTER_HELP)]
    Extract(ExtractArgs),
    /// Say whether files carry valid Content Credentials and how they were made (exit 0 valid, 4 invalid, 5 none).
    #[command(after_help = AFTER_HELP)]
    Verify(VerifyArgs),
    /// Run one safety check alone: the prompt check or the photo check (exit 6 when it refuses).
    #[command(after_help = AFTER_HELP)]
    Moderate(ModerateArgs),
    /// The last check before publishing a video vivify made: same bytes as checked, caption, blocklist, label, Content Credentials (exit 6 when refused).
    #[command(after_help = AFTER_HELP)]
    Share(ShareArgs),
    /// Report a file or item for breaking the rules.
    #[command(after_help = AFTER_HELP)]
    Report(ReportArgs),
    /// Handle reports as a moderator: the queue, cases, decisions, appeals, the audit log.
    #[command(after_help = AFTER_HELP)]
    Reports(ReportsArgs),
    /// Appeal a removal (the uploader, within six months).
    #[command(after_help = AFTER_HELP)]
    Appeal(AppealArgs),
    /// The local blocklist of pictures that must not be animated or shared.
    #[command(after_help = AFTER_HELP)]
    Blocklist(BlocklistArgs),
    /// Create or show the local signing identity used for Content Credentials.
    #[command(after_help = AFTER_HELP)]
    Keys(KeysArgs),
    /// Bring the bundled example photo to life (MP4, Live Photo, Motion Photo, contact sheet), and turn a rendered clip into a Live Photo.
    #[command(after_help = AFTER_HELP)]
    Demo(DemoArgs),
    /// List the optional model packs: which are installed, what each adds, how to install the others.
    #[command(after_help = AFTER_HELP)]
    Models(ModelsArgs),
    /// The studio: the web app and HTTP API on this machine (http://127.0.0.1:8080 by default).
    #[command(after_help = AFTER_HELP)]
    Serve(ServeArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on; anything but loopback needs --token.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
    /// Folder for uploads, outputs, the job queue and the safety database; default: the vivify data folder.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Access token every request must carry (at least 16 letters, digits, - or _); also from VIVIFY_TOKEN.
    #[arg(long, env = "VIVIFY_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Render threads; default: one per core. 0 runs the API alone.
    #[arg(long)]
    pub workers: Option<usize>,
    /// Jobs that may wait before new ones are answered 429.
    #[arg(long, default_value_t = 32)]
    pub queue: usize,
    #[command(flatten)]
    pub sign: SignArgs,
    /// Safety policy (TOML); default: policy.toml in the config folder, else the built-in one.
    #[arg(long, value_name = "TOML")]
    pub policy: Option<PathBuf>,
    /// What this process does: `all` (answers requests and renders), `api` (answers requests; jobs wait for workers), `worker` (renders jobs from the shared store; no port opened).
    #[arg(long, value_enum, default_value_t = ServeRole::All)]
    pub role: ServeRole,
    /// On SIGTERM or Ctrl-C: `hand-back` stops running jobs at their next step and returns them to the queue for other workers (quick); `finish` lets them finish first.
    #[arg(long, value_enum, default_value_t = OnStop::HandBack)]
    pub on_stop: OnStop,
    /// Seconds a worker holds a job between heartbeats; a job whose worker stops answering for this long is taken over by another.
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(2..=3600))]
    pub lease: u64,
    /// Keep jobs, uploads, shares, moderators and the safety database (items, reports, cases, audit log, blocklist) in PostgreSQL (postgres://user@host/db), shared by many servers and workers; default: SQLite files in the data folder. TLS when the URL asks (?sslmode=verify-full&sslrootcert=CA.pem; a build with --features postgres-tls). Also from VIVIFY_DATABASE_URL.
    #[arg(long, env = "VIVIFY_DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub database: Option<String>,
    /// Keep uploads and job outputs in shared object storage: s3://bucket/prefix (credentials, region and endpoint from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT, AWS_ALLOW_HTTP) or file:///shared/folder; the data folder is then this process's working space. Default: the data folder holds them. Needs a build with --features s3 (or object-storage for file:// alone). Also from VIVIFY_STORAGE_URL.
    #[arg(long, env = "VIVIFY_STORAGE_URL", value_name = "URL")]
    pub storage: Option<String>,
    /// How a share's viewers get the file: `api` (through this server) or `presigned` (a redirect to a pre-signed S3 URL, valid 15 minutes; needs --storage s3://…).
    #[arg(long, value_enum, default_value_t = ShareLinksArg::Api)]
    pub share_links: ShareLinksArg,
    /// Add (or reset) a moderator: reads the password (12+ characters) from the first line of standard input, stores its argon2 hash in the data folder, and exits.
    #[arg(long, value_name = "NAME")]
    pub add_moderator: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShareLinksArg {
    Api,
    Presigned,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnStop {
    HandBack,
    Finish,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ServeRole {
    All,
    Api,
    Worker,
}

#[derive(Args, Debug)]
pub struct ModelsArgs {
    /// Also check every pack file's SHA-256 against its manifest (exit 3 when one is damaged).
    #[arg(long)]
    pub verify: bool,
    /// Print the packs as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AliveAs {
    Video,
    Live,
    Motion,
    All,
}

#[derive(Args, Debug)]
pub struct AliveArgs {
    /// The photo (JPEG, PNG or HEIC); `-` reads standard input.
    pub photo: PathBuf,
    /// What should happen, in plain words ("clouds drift left, sky turns to sunset, snow").
    #[arg(short, long)]
    pub prompt: Option<String>,
    /// Output MP4 (default: PHOTO.alive.mp4 here); Live and Motion outputs take its name.
    /// `-` writes the MP4 to standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// What to write: an MP4, a Live Photo pair (JPEG or HEIC + MOV), a Motion Photo (NAME.MP.jpg or .MP.heic), or all.
    #[arg(long = "as", value_enum, default_value_t = AliveAs::Video)]
    pub as_: AliveAs,
    /// Length in seconds.
    #[arg(long, default_value_t = 3.0)]
    pub duration: f32,
    /// WxH, `source` (the photo's size), `story` (1080x1920 framed on the subject) or `auto`.
    #[arg(long, default_value = "auto")]
    pub size: vivify::alive::SizeSpec,
    /// Frames per second.
    #[arg(long, default_value_t = 30)]
    pub fps: u32,
    /// Make every layer loop seamlessly (the last frame flows into the first).
    #[arg(long = "loop")]
    pub looped: bool,
    /// Seed for the free choices (particle positions, drift side, sound details).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// No ambient sound.
    #[arg(long)]
    pub mute: bool,
    /// Print the scene analysis and the motion plan, and write a contact sheet and a mask/depth image.
    #[arg(long)]
    pub explain: bool,
    /// Folder for the --explain images (default: beside the output).
    #[arg(long)]
    pub explain_dir: Option<PathBuf>,
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
    /// Corner for the visible "AI-generated" label.
    #[arg(long, default_value = "bottom-left")]
    pub label_corner: vivify::alive::label::Corner,
    /// Leave the visible label out (only with signed Content Credentials; the XMP label stays).
    #[arg(long)]
    pub no_visible_label: bool,
    #[command(flatten)]
    pub sign: SignArgs,
    /// Safety policy (TOML); default: policy.toml in the config folder, else the built-in one.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Print a JSON report (with the plan) on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Who signs the Content Credentials.
#[derive(Args, Debug, Clone)]
pub struct SignArgs {
    /// Signing certificate chain (PEM, leaf first); default: config.toml [signing], else the local identity.
    #[arg(long, requires = "sign_key", value_name = "PEM")]
    pub sign_cert: Option<PathBuf>,
    /// The certificate's private key (PKCS#8 PEM).
    #[arg(long, requires = "sign_cert", value_name = "PEM")]
    pub sign_key: Option<PathBuf>,
    /// Write no Content Credentials (the XMP source type is still written).
    #[arg(long, conflicts_with_all = ["sign_cert", "sign_key"])]
    pub no_sign: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LiveFormat {
    Live,
    Motion,
    Both,
}

#[derive(Args, Debug)]
pub struct LiveArgs {
    /// Input video (MP4 or MOV, H.264 or HEVC); `-` reads standard input.
    pub video: PathBuf,
    /// Output directory.
    #[arg(short, long, default_value = ".")]
    pub output: PathBuf,
    /// Start of the moment in seconds (default: chosen automatically).
    #[arg(long)]
    pub start: Option<f64>,
    /// End of the moment in seconds.
    #[arg(long)]
    pub end: Option<f64>,
    /// Time of the key photo in seconds (default: the sharpest frame near the middle).
    #[arg(long)]
    pub still: Option<f64>,
    /// What to write: a Live pair (JPEG + MOV), a Motion Photo (NAME.MP.jpg), or both.
    #[arg(long, value_enum, default_value_t = LiveFormat::Both)]
    pub format: LiveFormat,
    /// Also write a .pvt package (folder with still, movie and metadata.plist).
    #[arg(long)]
    pub pvt: bool,
    /// Add Samsung's SEF trailer to the Motion Photo.
    #[arg(long)]
    pub samsung: bool,
    /// Leave the audio out.
    #[arg(long)]
    pub mute: bool,
    /// Re-encode the video even when the cut could be copied.
    #[arg(long)]
    pub reencode: bool,
    /// Say why this moment and this key frame were chosen.
    #[arg(long)]
    pub explain: bool,
    #[command(flatten)]
    pub sign: SignArgs,
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
    /// Print a JSON report on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ConvertTo {
    Motion,
    Live,
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// Files or folders (Live pairs are matched by content identifier, not name).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Target format: `motion` for Live pairs, `live` for motion photos.
    #[arg(long, value_enum)]
    pub to: ConvertTo,
    /// Output directory.
    #[arg(short, long, default_value = ".")]
    pub output: PathBuf,
    /// Walk folders recursively.
    #[arg(short, long)]
    pub recursive: bool,
    /// Add Samsung's SEF trailer to Motion Photos.
    #[arg(long)]
    pub samsung: bool,
    #[command(flatten)]
    pub sign: SignArgs,
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
    /// Print a JSON summary on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Files or .pvt folders; `-` reads standard input.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print the reports as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// A motion photo (JPEG or HEIC) or a .pvt folder.
    pub file: PathBuf,
    /// Output directory.
    #[arg(short, long, default_value = ".")]
    pub output: PathBuf,
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
    /// Print the written paths as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Output directory.
    #[arg(short, long, default_value = "out")]
    pub output: PathBuf,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// A trust anchor (root certificate, PEM); repeatable. config.toml [verify] trust adds more.
    #[arg(long, value_name = "ROOT.pem")]
    pub trust: Vec<PathBuf>,
    /// Print the reports as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub action: KeysAction,
}

#[derive(Subcommand, Debug)]
pub enum KeysAction {
    /// Create a local ES256 certificate authority and signing certificate in the config folder.
    Init {
        /// Replace an existing identity (the old one is moved aside, not deleted).
        #[arg(long)]
        force: bool,
        /// Print the paths as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show where the signing identity is and what its certificates say.
    Show {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
pub struct ModerateArgs {
    /// A photo to run the photo check on (hashes against the blocklist, faces, image classifier).
    #[arg(required_unless_present = "prompt", conflicts_with = "prompt")]
    pub image: Option<PathBuf>,
    /// The prompt (or caption) to check.
    #[arg(long)]
    pub prompt: Option<String>,
    /// How many faces the photo shows (sexual requests on photos of people are intimate-image abuse).
    #[arg(long)]
    pub faces: Option<usize>,
    /// Safety policy (TOML); default: policy.toml in the config folder, else the built-in one.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Print the verdict as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ShareArgs {
    /// The video (or Live/Motion Photo) as vivify wrote it.
    pub file: PathBuf,
    /// The caption it will be posted with (checked like a prompt).
    #[arg(long)]
    pub caption: Option<String>,
    /// Safety policy (TOML); default: policy.toml in the config folder, else the built-in one.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The file, or the item id vivify printed (first 12 hex digits of its SHA-256).
    pub subject: String,
    /// What rule it breaks: sexual, sexual_minors, nonconsensual_intimate, violence_graphic, self_harm, hate,
    /// harassment, illegal_goods_weapons, spam, privacy, other.
    #[arg(long)]
    pub reason: String,
    /// Why, in your words (where, what, which law for illegal content).
    #[arg(long, default_value = "")]
    pub details: String,
    /// Who reports (name or e-mail), to be told the outcome; may be left out.
    #[arg(long, default_value = "anonymous")]
    pub reporter: String,
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ReportsArgs {
    #[command(subcommand)]
    pub action: ReportsAction,
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum ReportsAction {
    /// Cases, most urgent first.
    List {
        /// Only cases in this state: open, reviewing, actioned, dismissed.
        #[arg(long)]
        state: Option<String>,
    },
    /// Take the next case: yours under review, else the most urgent open one.
    Next {
        #[arg(long)]
        moderator: String,
    },
    /// One case with its reports, statement of reasons and full audit log.
    Show { case: i64 },
    /// Decide a case under review, or an appeal.
    Decide {
        case: i64,
        #[arg(long)]
        moderator: String,
        /// remove or dismiss (a case under review); uphold or reverse (an open appeal).
        #[arg(long)]
        action: String,
        /// The rule broken, when it is not the report's reason (a category code).
        #[arg(long)]
        category: Option<String>,
        /// The facts the decision rests on (they go into the statement of reasons).
        #[arg(long)]
        facts: String,
        /// Decide a case another moderator is reviewing (the takeover is logged).
        #[arg(long)]
        takeover: bool,
    },
    /// Refold every case from its events and compare; exit 1 on any difference.
    Check,
}

#[derive(Args, Debug)]
pub struct AppealArgs {
    pub case: i64,
    #[arg(long)]
    pub reason: String,
    /// Who appeals (the uploader).
    #[arg(long, default_value = "uploader")]
    pub by: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct BlocklistArgs {
    #[command(subcommand)]
    pub action: BlocklistAction,
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum BlocklistAction {
    /// Add a picture (its SHA-256 and PDQ hashes, mirrored too) or any file (SHA-256).
    Add {
        file: PathBuf,
        /// The category it breaks (a category code).
        #[arg(long)]
        category: String,
        /// Where the entry comes from (e.g. a case or a hash list).
        #[arg(long, default_value = "manual")]
        source: String,
    },
    /// Every entry, newest first.
    List,
    /// Lift an entry (it stays listed with the date).
    Lift { id: i64 },
}
