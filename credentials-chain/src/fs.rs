//! The one door to the file system: the real one, or a directory standing in for `/` (the
//! conformance vectors serve their `fs/` folder this way; an embedder can sandbox the same way).

use std::io;
use std::path::{Component, Path, PathBuf};

/// Reads files for the providers. `Fs::real()` reads the machine's files; `Fs::rooted(dir)`
/// resolves every path (absolute or relative) inside `dir`.
#[derive(Clone, Debug, Default)]
pub struct Fs {
    root: Option<PathBuf>,
}

impl Fs {
    /// The machine's file system.
    pub fn real() -> Self {
        Self::default()
    }

    /// A file system whose `/` is `root`. `..` cannot climb out of it.
    pub fn rooted(root: impl Into<PathBuf>) -> Self {
        Self { root: Some(root.into()) }
    }

    /// Where `path` really is.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        let Some(root) = &self.root else { return path.to_path_buf() };
        let mut out = root.clone();
        for part in path.components() {
            match part {
                Component::Normal(p) => out.push(p),
                Component::ParentDir if out != *root => {
                    out.pop();
                }
                _ => {}
            }
        }
        out
    }

    /// The whole file.
    pub fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(self.resolve(path))
    }

    /// Replaces the file's contents (the SSO token cache after a refresh), creating its folder.
    pub fn write(&self, path: &Path, contents: &[u8]) -> io::Result<()> {
        let path = self.resolve(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, contents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooted_paths_stay_inside_the_root() {
        let fs = Fs::rooted("/tmp/root");
        assert_eq!(fs.resolve(Path::new("/home/.aws/config")), Path::new("/tmp/root/home/.aws/config"));
        assert_eq!(fs.resolve(Path::new("token.jwt")), Path::new("/tmp/root/token.jwt"));
        assert_eq!(fs.resolve(Path::new("/../../etc/passwd")), Path::new("/tmp/root/etc/passwd"));
        assert_eq!(Fs::real().resolve(Path::new("/etc/x")), Path::new("/etc/x"));
    }
}
