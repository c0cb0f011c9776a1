# `niri` is named but not among the load's inputs, and never used: haumea
# passes each named argument lazily, so this is fine in Nix.
{ inputs, lib, niri, pkgs ? null }:
{
  box = lib.nixosSystem {
    specialArgs = { inherit (inputs) atelier; };
    modules = [ inputs.atelier.nixosModules.default ../../modules/journal.nix ];
  };
}
