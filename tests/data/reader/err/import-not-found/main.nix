(import ./missing.nix).x
