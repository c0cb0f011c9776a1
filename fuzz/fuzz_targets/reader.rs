//! The reader end to end on arbitrary bytes: parse + evaluate (deep force),
//! then the same bytes as a host module of a small flake through discovery,
//! planning and rendering. Any panic, overflow or abort is a finding; errors
//! (diagnostics) are the expected outcome for most inputs.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

const FLAKE: &str = r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      specialArgs = { inherit atelier; };
      modules = [ atelier.nixosModules.default ./host.nix ];
    };
  };
}
"#;

/// One flake directory for the whole run: `host.nix` is rewritten per input,
/// `other.nix` exists so relative imports have something to find.
fn flake_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::Builder::new()
            .prefix("atelier-fuzz-")
            .tempdir()
            .expect("tempdir")
            .keep();
        std::fs::write(d.join("flake.nix"), FLAKE).unwrap();
        std::fs::write(d.join("other.nix"), "{ x = import ./host.nix; y = 1; }\n").unwrap();
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = flake_dir().clone();
    std::fs::write(dir.join("host.nix"), data).unwrap();
    let text = String::from_utf8(data.to_vec()).ok();
    atelier::nix::with_large_stack(move || {
        if let Some(text) = text {
            let mut ev = atelier::nix::Evaluator::new(&dir);
            ev.set_max_depth(atelier::nix::LARGE_STACK_MAX_DEPTH);
            if let Ok(v) = ev.eval_source("input.nix", &dir, &text) {
                let _ = ev.force_deep(&v);
            }
        }
    });
    let out = atelier::generate::pipeline::process_host(flake_dir(), "box", &[]);
    if let Some(module) = &out.module {
        // Whatever the reader accepted, the generated module must parse.
        let parsed = rnix::Root::parse(module);
        assert!(parsed.errors().is_empty(), "generated module does not parse:\n{module}");
    }
});
