# flake-parts, hosts set in an imported flake module: names from
# builtins.readDir, lib.mapAttrs over them, withSystem, getSystem, importApply,
# `_module.args`, `inputs.self`.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    parts.url = "github:hercules-ci/flake-parts";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs:
    inputs.parts.lib.mkFlake { inherit inputs; } ({ flake-parts-lib, ... }: {
      systems = [ "x86_64-linux" "aarch64-linux" ];
      imports = [
        ./flake/hosts.nix
        (flake-parts-lib.importApply ./flake/profiles.nix { retention = 7; })
        inputs.parts.flakeModules.easyOverlay
      ];
    });
}
