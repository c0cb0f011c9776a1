# Hosts made as a layered framework makes them (divnix/hive's
# `nixosConfigurations` collector, 2024): each host's own module is first
# evaluated with `lib.nixos.evalModules` beside a guard module that
# declares options the layer refuses and reads `options.<path>.isDefined`
# to say which of them the host defines (a failed guard throws); the
# layer's own options hold the package set (`apply` picks `x.${system}`
# when given per-system packages, as `legacyPackages`) and an optional
# extra module, whose `isDefined` decides what the host imports. The host
# is then `import (pkgs.path + "/nixos/lib/eval-config.nix")` of the same
# modules. The hosts get the flake's inputs lifted to their system, as
# std/paisano hands inputs to cells: an input with an attribute named by
# the system gets that attribute's contents merged in (a flake input has
# none: its attributes are its outputs). nixpkgs has no source here: the
# package set is the one atelier knows, which has no attribute named by a
# system either.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.tools.url = "github:example/tools";
  inputs.atelier.url = "path:../../../../..";
  outputs = { nixpkgs, ... } @ inputs:
    let
      inherit (nixpkgs) lib;
      lift = system: lib.mapAttrs (_: input: if input ? ${system} then input // input.${system} else input) inputs;
      layer = import ./layer.nix { inherit lib; };
      hosts = {
        alpha = import ./alpha.nix (lift "x86_64-linux");
        beta = import ./beta.nix (lift "aarch64-linux");
      };
    in
    {
      nixosConfigurations = lib.mapAttrs (_: layer) hosts;
    };
}
