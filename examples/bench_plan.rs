//! Benchmark: `atelier-gen plan` on a synthetic flake of 1,000 services in
//! 1,000 files, against `nix-instantiate --eval --strict` computing the same
//! data paths from the same sources in the same run (a small pure-Nix
//! collector that skips the NixOS module system, so a lower bound for Nix).
//!
//! Run: `cargo run --release --example bench_plan [-- SERVICES]`

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use atelier::render::pipeline;

fn write_flake(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir.join("services")).unwrap();
    let mut imports = String::new();
    for i in 0..n {
        let svc = format!(
            r#"{{ atelier, ... }}:
{{
  imports = [
    (atelier.lib.mkService {{
      name = "s{i}";
      extraConfig = cfg: {{
        atelier.services.s{i}.data = {{
          sqlite = "${{cfg.dataDir}}/db.sqlite";
          files = [ "${{cfg.dataDir}}/files" "${{cfg.dataDir}}/media" ];
          exclude = [ "*.tmp" ];
        }};
      }};
    }})
  ];
  atelier.services.s{i}.enable = true;
}}
"#
        );
        std::fs::write(dir.join(format!("services/s{i}.nix")), svc).unwrap();
        let _ = write!(imports, " ./services/s{i}.nix");
    }
    std::fs::write(
        dir.join("host.nix"),
        format!(
            "{{ ... }}: {{\n  imports = [{imports} ];\n  atelier.backup = {{ enable = true; repositories.default = {{ repository = \"/srv/restic\"; passwordFile = \"/run/keys/restic\"; }}; }};\n}}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.bench = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit atelier; };
      modules = [ atelier.nixosModules.default ./host.nix ];
    };
  };
}
"#,
    )
    .unwrap();
    // The same collection in plain Nix: import every file, call extraConfig
    // with the default cfg, and collect the data paths.
    std::fs::write(
        dir.join("collect.nix"),
        format!(
            r#"let
  atelier = {{ lib.mkService = args: {{ inherit args; }}; }};
  files = builtins.genList (i: ./services + "/s${{toString i}}.nix") {n};
  service = f:
    let
      m = import f {{ inherit atelier; }};
      s = (builtins.head m.imports).args;
      cfg = {{ dataDir = "/var/lib/${{s.name}}"; user = s.name; group = s.name; }};
      d = (s.extraConfig cfg).atelier.services.${{s.name}}.data;
    in {{ name = s.name; value = {{ sqlite = [ d.sqlite ]; inherit (d) files; }}; }};
in builtins.listToAttrs (map service files)
"#
        ),
    )
    .unwrap();
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(1000, |a| a.parse().expect("SERVICES is a number"));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_flake(dir, n);
    let generated = [dir.join("generated/bench.nix")];
    const RUNS: usize = 5;

    let mut ours = Vec::new();
    let mut plan = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        let out = pipeline::process_host(dir, "bench", &generated);
        ours.push(t.elapsed());
        assert!(!out.has_errors(), "synthetic flake has errors");
        plan = out.plan;
    }
    let plan = plan.unwrap();
    assert_eq!(plan.manifest.services.len(), n);

    let mut nix = Vec::new();
    let mut nix_json = serde_json::Value::Null;
    for _ in 0..RUNS {
        let t = Instant::now();
        let out = Command::new("nix-instantiate")
            .args(["--eval", "--strict", "--json"])
            .arg(dir.join("collect.nix"))
            .output()
            .expect("nix-instantiate runs");
        nix.push(t.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        nix_json = serde_json::from_slice(&out.stdout).unwrap();
    }
    // Both computed the same data paths.
    for (name, svc) in &plan.manifest.services {
        assert_eq!(
            nix_json[name]["sqlite"],
            serde_json::json!(svc.sqlite),
            "{name}"
        );
        assert_eq!(
            nix_json[name]["files"],
            serde_json::json!(svc.files),
            "{name}"
        );
    }

    // Where the time goes: reading (parse + evaluate) the files alone.
    let d = dir.to_path_buf();
    let t = Instant::now();
    atelier::nix::with_large_stack(move || {
        let mut ev = atelier::nix::Evaluator::new(&d);
        for i in 0..n {
            ev.eval_file(&d.join(format!("services/s{i}.nix"))).unwrap();
        }
    });
    let read = t.elapsed();
    let (a, b) = (median(ours), median(nix));
    println!("services:                         {n} in {n} files");
    println!(
        "atelier-gen plan (+render):       {:.1} ms (median of {RUNS})",
        a.as_secs_f64() * 1e3
    );
    println!(
        "nix-instantiate --eval --strict:  {:.1} ms (median of {RUNS})",
        b.as_secs_f64() * 1e3
    );
    println!(
        "  of which reading the files:     {:.1} ms (one run)",
        read.as_secs_f64() * 1e3
    );
    println!(
        "ratio nix-instantiate / atelier-gen: {:.1}x",
        b.as_secs_f64() / a.as_secs_f64()
    );
}
