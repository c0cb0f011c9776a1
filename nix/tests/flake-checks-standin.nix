# Runs nix/tests/flake-checks.nix (checks.<system>.modules) without nixpkgs:
# the shared nixos-eval harness (real NixOS systemd option types and unit
# rendering, from its local cache) stands in for nixpkgs.lib.nixosSystem, and
# its stub packages for pkgs. Used by tests/nix_modules_nixos.rs.
{
  harness, # the nixos-eval directory (eval.nix, harness-module.nix, stub-pkgs.nix)
  nixpkgs, # its cache's nixpkgs tree (lib/ and the nixos/ files)
}:

let
  cache = /. + nixpkgs;
  harnessDir = /. + harness;
  lib = import (cache + "/lib");
  pkgs = import (harnessDir + "/stub-pkgs.nix") { inherit lib; };

  nixosSystem =
    {
      system,
      specialArgs,
      modules,
    }:
    lib.evalModules {
      specialArgs = specialArgs // {
        nixosHarnessNixpkgs = cache;
        modulesPath = cache + "/nixos/modules";
      };
      modules = [
        (cache + "/nixos/modules/misc/assertions.nix")
        (harnessDir + "/harness-module.nix")
        {
          _module.check = true;
          _module.args.pkgs = pkgs;
        }
        # the few other NixOS options flake-checks.nix touches
        (
          { lib, ... }:
          {
            options.boot.isContainer = lib.mkOption { default = false; };
            options.system.stateVersion = lib.mkOption { default = ""; };
            options.system.build.toplevel = lib.mkOption { default.drvPath = "toplevel-stand-in"; };
          }
        )
      ]
      ++ modules;
    };

  atelier = {
    lib.mkService = import ../lib/mkService.nix;
    nixosModules.default =
      { pkgs, ... }:
      {
        imports = [ ../modules ];
        atelier.backup.package = pkgs.writeShellScriptBin "atelier-backup" "exit 0";
      };
  };
in
import ./flake-checks.nix {
  inherit
    lib
    pkgs
    nixosSystem
    atelier
    ;
  system = "x86_64-linux";
}
