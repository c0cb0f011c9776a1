{ inputs, lib, withSystem, getSystem, profiles, ... }:
let
  dirs = lib.filterAttrs (_: kind: kind == "directory") (builtins.readDir ../hosts);
  mkSystem = name: _:
    withSystem "x86_64-linux" ({ system, pkgs, ... }:
      # `getSystem` gives perSystem's config, whose `allModuleArgs` are
      # the arguments `withSystem` passes.
      assert (getSystem system).allModuleArgs.system == system;
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
