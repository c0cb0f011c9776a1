{
  description = "atelier: declare where a NixOS service's data lives; get verified restic backups, restore and disaster recovery";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f system nixpkgs.legacyPackages.${system});
    in
    {
      overlays.default = final: _prev: { atelier = final.callPackage ./nix/package.nix { }; };

      packages = forAllSystems (
        _system: pkgs: rec {
          atelier = pkgs.callPackage ./nix/package.nix { };
          default = atelier;
        }
      );

      apps = forAllSystems (
        system: _pkgs: {
          atelier-gen = {
            type = "app";
            program = "${self.packages.${system}.default}/bin/atelier-gen";
            meta.description = "Generate (and in CI, check) the per-host backup modules from the flake's sources";
          };
          atelier-backup = {
            type = "app";
            program = "${self.packages.${system}.default}/bin/atelier-backup";
            meta.description = "Backups, status, restore and disaster recovery on a host";
          };
          default = self.apps.${system}.atelier-gen;
        }
      );

      # The options (atelier.backup.*, atelier.generated), the assertions, and
      # this flake's package as the default atelier.backup.package.
      nixosModules.default =
        { lib, pkgs, ... }:
        {
          imports = [ ./nix/modules ];
          atelier.backup.package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        };
      nixosModules.atelier = self.nixosModules.default;

      lib.mkService = import ./nix/lib/mkService.nix;

      checks = forAllSystems (
        system: pkgs: {
          # the module-system tests under the real NixOS (nixosSystem)
          modules = import ./nix/tests/flake-checks.nix {
            inherit lib pkgs system;
            inherit (nixpkgs.lib) nixosSystem;
            atelier = self;
          };
          # boot a machine, back two services up, wipe them, `atelier-backup dr --yes`
          vm = pkgs.testers.runNixOSTest (import ./nix/tests/vm.nix { atelier = self; });
          package = self.packages.${system}.default;
        }
      );

      formatter = forAllSystems (_system: pkgs: pkgs.nixfmt);
    };
}
