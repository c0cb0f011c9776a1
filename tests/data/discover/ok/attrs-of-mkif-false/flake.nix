# Backup jobs kept in an `attrsOf (submodule …)` option, one of them
# defined only under a `mkIf` whose condition is false, then read through
# `attrValues` (after SebastianStork/nixos-config): as in Nix, that entry is
# not in the set. A `lazyAttrsOf (submodule …)` keeps such an entry, as its
# options' defaults.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../../../..";
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      modules = [
        atelier.nixosModules.default
        ./jobs.nix
        ./sync.nix
        ./host.nix
      ];
    };
  };
}
