import ./pkgs/top-level/impure.nix
