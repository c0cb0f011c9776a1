# flake-parts partitions (DaRacci/nix-config): the hosts are built in a
# partition of their own (`partitionedAttrs.nixosConfigurations = "hosts"`),
# a second evaluation of the top-level modules plus the partition's
# module, given here in two definitions. The partition's `extraInputs` are
# inputs there; `nixosModules` is the top level's, reached through `self`.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    parts.url = "github:hercules-ci/flake-parts";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs:
    inputs.parts.lib.mkFlake { inherit inputs; } {
      systems = [ "x86_64-linux" ];
      imports = [
        inputs.parts.flakeModules.partitions
        ./flake/modules.nix
      ];
      partitionedAttrs.nixosConfigurations = "hosts";
      partitions.hosts = {
        module = ./flake/hosts.nix;
        extraInputs.site = { retention = 9; };
      };
    };
}
