# flake-parts: hosts made from perSystem's `pkgs`, as a framework that sets
# it does (`perSystem = { system, ... }: { _module.args.pkgs = import
# inputs.nixpkgs { inherit system; overlays; }; }`), then colmena-style
# `import (pkgs.path + "/nixos/lib/eval-config.nix")`. One host takes
# `pkgs` through `withSystem`, the other through `getSystem`'s
# `allModuleArgs`. A perSystem module under `mkIf` that reads its own
# `system` is read for its module arguments only; perSystem's other
# values (`packages`, `formatter`) are never read.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    flake-parts.url = "github:hercules-ci/flake-parts";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs:
    inputs.flake-parts.lib.mkFlake { inherit inputs; } {
      systems = [ "x86_64-linux" "aarch64-linux" ];
      imports = [ ./flake/pkgs.nix ./flake/hosts.nix ];
      perSystem = { pkgs, ... }: {
        formatter = pkgs.nixfmt;
      };
    };
}
