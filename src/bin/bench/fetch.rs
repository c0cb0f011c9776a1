//! `atelier-bench fetch`: what `atelier-gen plan --fetch-inputs` costs for
//! an input of nixpkgs' size (issue 17). A synthetic tree of nixpkgs' shape
//! (or a real tree, `--tree DIR`) is packed as a `.tar.gz`, served on
//! 127.0.0.1 as a `tarball` lock entry, and a cold `atelier-gen plan
//! --fetch-inputs` (download, unpack, NAR hash, keep) is timed against
//! `curl -s URL | tar -xz` of the same tarball plus `nix-hash --type sha256
//! --base32` of the unpacked tree (when nix-hash is installed), alternately
//! in the same run. Printed: medians, their ratio, the disk kept, and the
//! share of the tree evaluation reads (`lib/`, `nixos/lib/eval-config.nix`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

use super::http::Server;
use super::{dir_bytes, mib, secs, value};

/// The consumer flake for the synthetic tree: the input is nixpkgs (so a
/// fetch keeps it pruned unless `--keep-full-inputs` is given), and its
/// data path comes from the input's `lib`, so planning needs its source.
const SYNTH_FLAKE: &str = r#"{
  inputs.nixpkgs.url = "https://example.invalid/nixpkgs.tar.gz";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.bench = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit atelier; dataDir = nixpkgs.lib.dataDir "chat"; };
      modules = [ ./host.nix ];
    };
  };
}
"#;

/// The consumer flake for `--tree DIR` (nixpkgs' lib, or nixpkgs): the
/// data path uses `lib.trivial.release`, which reads `lib/.version`.
const TREE_FLAKE: &str = r#"{
  inputs.nixpkgs.url = "https://example.invalid/nixpkgs.tar.gz";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.bench = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit atelier; dataDir = "/srv/fetched-${nixpkgs.lib.trivial.release}/chat"; };
      modules = [ ./host.nix ];
    };
  };
}
"#;

const HOST: &str = r#"{ atelier, dataDir, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "chat";
      extraConfig = cfg: { atelier.services.chat.data.sqlite = "${dataDir}/chat.db"; };
    })
  ];
  atelier.services.chat.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = { repository = "/srv/restic"; passwordFile = "/run/keys/restic"; };
  };
}
"#;

/// The synthetic tree's `flake.nix` and `lib/default.nix` (of the shape
/// atelier-gen uses of nixpkgs' lib: a set with `extend`).
const TREE_ROOT_FLAKE: &str = "{ outputs = { self, ... }: { lib = import ./lib; }; }\n";
const TREE_LIB: &str = "let\n  lib = {\n    dataDir = name: \"/srv/fetched/${name}\";\n    extend = f: let final = lib // f final lib; in final;\n  };\nin\nlib\n";

/// splitmix64: deterministic, so every run builds the same tree.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// An index below `n`.
    #[allow(clippy::cast_possible_truncation)] // below `n`, which is a usize
    fn index(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Log-uniform in `[lo, hi)`: many small files, few large ones.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn log_uniform(&mut self, lo: u64, hi: u64) -> u64 {
        (lo as f64 * (hi as f64 / lo as f64).powf(self.unit())) as u64
    }
    fn word(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz"[self.index(26)]))
            .collect()
    }
}

/// 4 MiB of Nix-like text (keywords, attribute names, and a share of
/// random hash-like words), which gzip compresses about as much as
/// nixpkgs' sources. Files are slices of it at random offsets.
fn text(rng: &mut Rng) -> Vec<u8> {
    const TOKENS: &[&str] = &[
        "{ ",
        "}",
        " = ",
        ";\n",
        "  ",
        "pkgs",
        "lib",
        "stdenv",
        "fetchFromGitHub",
        "buildInputs",
        "nativeBuildInputs",
        "version",
        "\"",
        "mkDerivation",
        "meta",
        "with ",
        "inherit ",
        "rec ",
        "let\n",
        "in\n",
        "description",
        "homepage",
        "license",
        "licenses.mit",
        "maintainers",
        "platforms.linux",
        "src",
        "owner",
        "repo",
        "rev",
        "hash",
        "./",
        ".nix",
        "[ ",
        " ]",
        "# ",
        "callPackage",
        "pname",
        "optional",
        "substituteInPlace",
        "postPatch",
        "installPhase",
        "runHook",
        "makeWrapper",
        "python3Packages",
        "doCheck = false",
        "\n",
    ];
    let mut out = Vec::with_capacity(4 << 20);
    while out.len() < 4 << 20 {
        if rng.below(12) == 0 {
            let base32 = b"0123456789abcdfghijklmnpqrsvwxyz";
            out.extend_from_slice(b"sha256-");
            for _ in 0..rng.below(44) + 8 {
                out.push(base32[rng.index(32)]);
            }
        } else {
            out.extend_from_slice(TOKENS[rng.index(TOKENS.len())].as_bytes());
        }
    }
    out
}

fn write_slice(path: &Path, size: u64, text: &[u8], rng: &mut Rng) -> Result<()> {
    use std::io::Write as _;
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p)?;
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut left = usize::try_from(size)?;
    while left > 0 {
        let n = left.min(text.len() / 2);
        let off = usize::try_from(rng.below((text.len() - n) as u64 + 1))?;
        f.write_all(&text[off..off + n])?;
        left -= n;
    }
    f.flush()?;
    Ok(())
}

/// A tree of nixpkgs' shape under `dir`: about `files` files, `bytes`
/// bytes. Like nixpkgs: `lib/` (~300 files), `nixos/modules/` (~12 %),
/// `doc/` (~1 %), the rest `pkgs/by-name/xy/NAME/package.nix` and
/// `pkgs/CATEGORY/SUB/NAME/default.nix`; sizes log-uniform 100 B–16 KiB
/// (97.5 %) and 16 KiB–1 MiB (2.5 %), the bytes left over in generated
/// package sets of up to 24 MiB (as hackage-packages.nix is).
fn synthesize(dir: &Path, files: u64, bytes: u64) -> Result<()> {
    let mut rng = Rng(17);
    let text = text(&mut rng);
    std::fs::create_dir_all(dir.join("lib"))?;
    std::fs::write(dir.join("flake.nix"), TREE_ROOT_FLAKE)?;
    std::fs::write(dir.join("lib/default.nix"), TREE_LIB)?;
    std::fs::create_dir_all(dir.join("nixos/lib"))?;
    std::fs::write(
        dir.join("nixos/lib/eval-config.nix"),
        "{ modules ? [ ], ... }: { inherit modules; }\n",
    )?;
    let mut plan: Vec<(String, u64)> = Vec::new();
    let cats = [
        "applications",
        "development",
        "servers",
        "tools",
        "os-specific",
        "data",
    ];
    for i in 0..files {
        let size = if rng.below(1000) < 975 {
            rng.log_uniform(100, 16 << 10)
        } else {
            rng.log_uniform(16 << 10, 1 << 20)
        };
        let len = 3 + rng.index(8);
        let name = format!("{}{i}", rng.word(len));
        let path = match i {
            i if i < 300 => format!(
                "lib/{}/{name}.nix",
                ["", "tests", "systems", "fileset"][(i % 4) as usize]
            ),
            i if i < files / 100 + 300 => format!("doc/{}/{name}.md", rng.word(5)),
            i if i % 8 == 0 => format!(
                "nixos/modules/{}/{}/{name}.nix",
                ["services", "programs", "system", "hardware"][rng.index(4)],
                rng.word(2)
            ),
            i if i % 5 < 3 => format!("pkgs/by-name/{}/{name}/package.nix", &name[..2]),
            _ => format!(
                "pkgs/{}/{}/{name}/default.nix",
                cats[rng.index(cats.len())],
                rng.word(2)
            ),
        };
        plan.push((path.replace("//", "/"), size));
    }
    let sum: u64 = plan.iter().map(|(_, s)| s).sum();
    if sum > bytes {
        // A smaller tree than the distribution gives: every file scaled.
        for (_, s) in &mut plan {
            *s = *s * bytes / sum;
        }
    } else {
        let mut left = bytes - sum;
        let mut n = 0;
        while left > 0 {
            let size = left.min(24 << 20);
            plan.push((format!("pkgs/development/generated-{n}/packages.nix"), size));
            left -= size;
            n += 1;
        }
    }
    for (path, size) in plan {
        write_slice(&dir.join(path), size, &text, &mut rng)?;
    }
    Ok(())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn timed(cmd: &mut Command, what: &str) -> Result<(Duration, String)> {
    let t = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {what}"))?;
    let took = t.elapsed();
    ensure!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((took, String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// `du -sk DIR` (disk blocks used, not apparent sizes), in bytes.
fn du(dir: &Path) -> Result<u64> {
    let out = Command::new("du").arg("-sk").arg(dir).output()?;
    ensure!(out.status.success(), "du -sk {} failed", dir.display());
    let kib: u64 = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .context("du printed nothing")?
        .parse()?;
    Ok(kib * 1024)
}

/// Arguments: `[--files N] [--mib N] [--runs N] [--tree DIR] [--dir DIR]`.
#[allow(clippy::too_many_lines)]
pub fn main(args: &[String]) -> Result<()> {
    let mut files = 45_000u64;
    let mut total_mib = 420u64;
    let mut runs = 3usize;
    let mut tree: Option<PathBuf> = None;
    let mut base: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = value(&mut it, a)?;
        match a.as_str() {
            "--files" => files = v.parse().context("--files is a number")?,
            "--mib" => total_mib = v.parse().context("--mib is a number")?,
            "--runs" => runs = v.parse().context("--runs is a number")?,
            "--tree" => {
                tree = Some(std::fs::canonicalize(&v).with_context(|| format!("--tree {v}"))?);
            }
            "--dir" => base = Some(PathBuf::from(v)),
            other => bail!("unknown option {other}"),
        }
    }
    ensure!(
        files > 300 && runs > 0,
        "--files must be > 300 and --runs > 0"
    );
    let gen = std::env::current_exe()?.with_file_name("atelier-gen");
    ensure!(
        gen.exists(),
        "{} is missing; build both with `cargo build --release --bins`",
        gen.display()
    );
    let tmp = tempfile::Builder::new()
        .prefix("atelier-bench-fetch-")
        .tempdir_in(base.unwrap_or_else(std::env::temp_dir))?;
    let root = tmp.path();

    // The source tree and its tarball (one top-level directory, as GitHub
    // and channel tarballs have).
    let (src, expect) = if let Some(t) = &tree {
        (t.clone(), "/srv/fetched-".to_owned())
    } else {
        let src = root.join("nixpkgs-synthetic");
        let t = Instant::now();
        synthesize(&src, files, total_mib << 20)?;
        eprintln!("synthetic tree written in {:.1}s", secs(t.elapsed()));
        (src, "\"/srv/fetched/chat/chat.db\"".to_owned())
    };
    let tarball = root.join("big.tar.gz");
    let top = src.file_name().context("the tree has no name")?;
    super::check(
        Command::new("tar")
            .arg("-C")
            .arg(src.parent().context("the tree has no parent")?)
            .arg("-czf")
            .arg(&tarball)
            .arg(top),
    )?;
    let digest = atelier::flake::nar::nar_sha256(&src)?;
    let nar_hash = atelier::flake::nar::to_sri(&digest);
    let n_files = walkdir::WalkDir::new(&src)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count();
    let apparent = dir_bytes(&src);
    let body = std::fs::read(&tarball)?;
    println!(
        "tree {}: {n_files} files, {:.1} MiB (apparent), tarball {:.1} MiB, narHash {nar_hash}",
        src.display(),
        mib(apparent),
        mib(body.len() as u64)
    );
    let server = Server::start(vec![("/nixpkgs.tar.gz".into(), body)]);
    let url = server.url("/nixpkgs.tar.gz");

    let flake = root.join("flake");
    std::fs::create_dir_all(&flake)?;
    let flake_nix = if tree.is_some() {
        TREE_FLAKE
    } else {
        SYNTH_FLAKE
    };
    std::fs::write(flake.join("flake.nix"), flake_nix)?;
    std::fs::write(flake.join("host.nix"), HOST)?;
    let node = serde_json::json!({
        "locked": { "type": "tarball", "url": url, "narHash": nar_hash },
        "original": { "type": "tarball", "url": url }
    });
    let lock = serde_json::json!({
        "version": 7, "root": "root",
        "nodes": { "root": { "inputs": { "nixpkgs": "nixpkgs" } }, "nixpkgs": node }
    });
    std::fs::write(
        flake.join("flake.lock"),
        serde_json::to_string_pretty(&lock)?,
    )?;

    let nix_hash = Command::new("nix-hash")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let plan = |cache: &Path, fetch: bool, keep_full: bool| {
        let mut c = Command::new(&gen);
        c.env_remove("ATELIER_FETCH_INPUTS")
            .arg("--no-cache")
            .arg("--cache-dir")
            .arg(cache)
            .arg("plan")
            .arg(&flake)
            .args(["--host", "bench", "--json"]);
        if fetch {
            c.arg("--fetch-inputs");
        }
        if keep_full {
            c.arg("--keep-full-inputs");
        }
        c
    };

    let (mut cold, mut cold_full, mut warm, mut curl_tar, mut hash) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut kept, mut kept_full) = (0, 0);
    let mut unpacked = 0;
    for round in 0..runs {
        // atelier-gen, cold: a fresh cache, so the input is fetched (and,
        // being nixpkgs, kept pruned).
        let cache = root.join(format!("cache-{round}"));
        let (t, out) = timed(
            &mut plan(&cache, true, false),
            "atelier-gen plan --fetch-inputs",
        )?;
        ensure!(out.contains(&expect), "unexpected plan: {out}");
        cold.push(t);
        kept = du(&cache.join("inputs"))?;
        // Warm: the kept source, no download (what every later run costs).
        let (t, out) = timed(
            &mut plan(&cache, false, false),
            "atelier-gen plan (kept source)",
        )?;
        ensure!(out.contains(&expect), "unexpected plan: {out}");
        warm.push(t);
        std::fs::remove_dir_all(&cache)?;
        // Cold again, all of it kept (--keep-full-inputs).
        let (t, out) = timed(
            &mut plan(&cache, true, true),
            "atelier-gen plan --fetch-inputs --keep-full-inputs",
        )?;
        ensure!(out.contains(&expect), "unexpected plan: {out}");
        cold_full.push(t);
        kept_full = du(&cache.join("inputs"))?;
        std::fs::remove_dir_all(&cache)?;

        // The baseline: curl | tar -xz, then nix-hash of the tree.
        let out_dir = root.join(format!("curl-{round}"));
        std::fs::create_dir_all(&out_dir)?;
        let (t, _) = timed(
            Command::new("sh")
                .arg("-c")
                .arg("curl -sf \"$1\" | tar -xz -C \"$2\"")
                .arg("sh")
                .arg(&url)
                .arg(&out_dir),
            "curl | tar -xz",
        )?;
        curl_tar.push(t);
        unpacked = du(&out_dir)?;
        if nix_hash {
            let (t, out) = timed(
                Command::new("nix-hash")
                    .args(["--type", "sha256", "--base32"])
                    .arg(out_dir.join(top)),
                "nix-hash",
            )?;
            ensure!(
                out.trim() == atelier::flake::nar::to_base32(&digest),
                "nix-hash disagrees with atelier's NAR hash: {}",
                out.trim()
            );
            hash.push(t);
        }
        std::fs::remove_dir_all(&out_dir)?;
    }
    drop(server);

    let (cold, cold_full, warm, curl_tar) = (
        median(cold),
        median(cold_full),
        median(warm),
        median(curl_tar),
    );
    println!("median of {runs} (alternating):");
    println!(
        "  atelier-gen plan --fetch-inputs, cold (download+unpack+NAR hash+prune+keep+plan): {:.2}s",
        secs(cold)
    );
    println!(
        "  atelier-gen plan --fetch-inputs --keep-full-inputs, cold (all of it kept):       {:.2}s",
        secs(cold_full)
    );
    println!(
        "  atelier-gen plan, source kept (no fetch):                                        {:.2}s",
        secs(warm)
    );
    println!(
        "  curl -s URL | tar -xz:                                                           {:.2}s",
        secs(curl_tar)
    );
    let baseline = if hash.is_empty() {
        println!("  (nix-hash not installed: the baseline has no hash step)");
        curl_tar
    } else {
        let hash = median(hash);
        println!(
            "  nix-hash --type sha256 --base32 DIR:                                             {:.2}s",
            secs(hash)
        );
        curl_tar + hash
    };
    let with = if nix_hash { " + nix-hash" } else { "" };
    for (what, cold) in [("pruned", cold), ("whole", cold_full)] {
        let fetch = cold.saturating_sub(warm);
        println!(
            "{what}: fetch cost (cold - kept) / baseline (curl|tar{with}) = {:.2} ({:.2}s / {:.2}s); cold / baseline = {:.2}",
            secs(fetch) / secs(baseline),
            secs(fetch),
            secs(baseline),
            secs(cold) / secs(baseline),
        );
    }
    println!(
        "disk (du -sk): atelier-gen's input cache {:.1} MiB pruned, {:.1} MiB whole (--keep-full-inputs); curl|tar {:.1} MiB; {:.1} MiB apparent",
        mib(kept),
        mib(kept_full),
        mib(unpacked),
        mib(apparent)
    );
    Ok(())
}
