{ inputs, lib, withSystem, profiles, ... }:
let
  dirs = lib.filterAttrs (_: kind: kind == "directory") (builtins.readDir ../hosts);
  mkSystem = name: _:
    withSystem "x86_64-linux" ({ system, pkgs, ... }:
      inputs.nixpkgs.lib.nixosSystem {
        inherit system;
        specialArgs = { inherit (inputs) atelier; hostName = name; };
        modules = [
          inputs.atelier.nixosModules.default
          profiles.backup
          ../hosts/${name}
        ];
      });
in
{
  _module.args.hostDirs = dirs;
  flake.nixosConfigurations = lib.mapAttrs mkSystem dirs;
}
