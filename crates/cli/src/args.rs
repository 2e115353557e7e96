//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "Exit codes: 0 ok, 1 failure, 2 usage error, 3 invalid or unsupported input.";

#[derive(Parser, Debug)]
#[command(name = "vivify", version, about = "Live Photos and Motion Photos from any video, and back", after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
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
    /// Render the bundled example clip and turn it into a Live Photo and a Motion Photo.
    #[command(after_help = AFTER_HELP)]
    Demo(DemoArgs),
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
