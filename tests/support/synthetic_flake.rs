//! The synthetic flake of `atelier-bench plan` (N services in N files, host
//! `bench`), shared by the benchmark (`src/bin/bench/plan.rs`) and the tests
//! (`tests/gen_plan.rs`) through `#[path]`.

use std::fmt::Write as _;
use std::path::Path;

/// Writes the synthetic flake (host `bench`) and `collect.nix`, the same
/// collection in plain Nix.
pub fn write_flake(dir: &Path, n: usize) {
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
