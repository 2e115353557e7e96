//! Where vivify keeps its files: a variable naming the folder wins, else the
//! platform's place for an application's config or data.

use std::path::PathBuf;

/// `$override_var`, else `$xdg_var/vivify` or `~/xdg_fallback/vivify` on
/// Linux and other Unixes, `~/Library/Application Support/vivify` on macOS,
/// `%windows_var%\vivify` on Windows.
pub fn app_dir(override_var: &str, xdg_var: &str, xdg_fallback: &str, windows_var: &str) -> Option<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(d) = env(override_var) {
        return Some(d);
    }
    let base = if cfg!(windows) {
        env(windows_var)
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|h| h.join("Library/Application Support"))
    } else {
        env(xdg_var).or_else(|| env("HOME").map(|h| h.join(xdg_fallback)))
    };
    base.map(|b| b.join("vivify"))
}
