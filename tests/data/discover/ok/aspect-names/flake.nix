# A host's modules named by aspect (fbosch/nixos' host loader): strings are
# looked up in the flake's own module set, anything else is kept, and the
# list is filtered with `m != null`. One element is a module of an input
# without its source here (nixos-hardware): a module by the flake schema,
# so not a string and not null, not equal to the flake's own modules, and
# the list (deduplicated with `lib.unique`) stays a list.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    nixos-hardware.url = "github:nixos/nixos-hardware/master";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs@{ self, nixpkgs, ... }:
    let
      lib = nixpkgs.lib;
      aspects = {
        notes = ./modules/notes.nix;
        backup = ./modules/backup.nix;
      };
      resolve = name: m:
        if !builtins.isString m then m
        else if builtins.hasAttr m aspects then aspects.${m}
        else if m == "home-only" then null
        else throw "Host `${name}` references unknown module aspect `${m}`";
      # Hosts' module lists merged with `lib.unique (concatLists …)`
      # (robbins/dots' recursiveMerge): equality of an input's module with
      # the flake's own modules decides what stays.
      resolveModules = name: modules: lib.unique (lib.filter (m: m != null) (map (resolve name) modules));
    in
    {
      nixosConfigurations.desk = lib.nixosSystem {
        specialArgs = { inherit inputs; };
        modules = resolveModules "desk" [
          "notes"
          "backup"
          "home-only"
          inputs.nixos-hardware.nixosModules.common-cpu-intel
          "notes"
          inputs.nixos-hardware.nixosModules.common-cpu-intel
          { networking.hostName = "desk"; }
        ];
      };
    };
}
