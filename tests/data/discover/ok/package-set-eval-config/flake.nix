# A host made as colmena's hive makes it: nixpkgs' package set imported
# for a system, checked to be an initialized package set (not a path, not
# an uninitialized flake: no `outPath`, no `outputs`), then
# `import (pkgs.path + "/nixos/lib/eval-config.nix") { inherit (pkgs) system; … }`.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../../../..";
  outputs = { nixpkgs, atelier, ... }:
    let
      mkNixpkgs = conf:
        if builtins.typeOf conf == "set" && conf ? outPath then throw "pass an initialized package set, not a path"
        else if builtins.typeOf conf == "set" && conf ? outputs then throw "pass an initialized package set, not a flake"
        else conf;
      pkgs = mkNixpkgs (import nixpkgs { system = "x86_64-linux"; overlays = [ ]; });
      evalConfig = import (pkgs.path + "/nixos/lib/eval-config.nix");
    in
    {
      nixosConfigurations.node = evalConfig {
        inherit (pkgs) system;
        specialArgs = { inherit atelier; name = "node"; };
        modules = [ ./node.nix ];
      };
    };
}
