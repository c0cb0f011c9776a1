# A flake-parts output made by `mkTransposedPerSystemModule` is perSystem's
# value of each system, which atelier-gen does not read: a host built from
# it is reported as such, not as a missing attribute (oddlama/nix-config's
# `config.pkgs.x86_64-linux`).
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    flake-parts.url = "github:hercules-ci/flake-parts";
  };
  outputs = inputs:
    inputs.flake-parts.lib.mkFlake { inherit inputs; } ({ lib, flake-parts-lib, ... }: {
      systems = [ "x86_64-linux" ];
      imports = [
        (flake-parts-lib.mkTransposedPerSystemModule {
          name = "machines";
          file = ./flake.nix;
          option = lib.mkOption { type = lib.types.unspecified; };
        })
      ];
      perSystem = { ... }: {
        machines.alpha = [ ./host.nix ];
      };
      flake = { config, ... }: {
        nixosConfigurations.alpha = inputs.nixpkgs.lib.nixosSystem {
          modules = config.machines.x86_64-linux.alpha;
        };
      };
    });
}
