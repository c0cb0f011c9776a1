{ inputs, lib }:
{
  box = lib.nixosSystem {
    specialArgs = { inherit (inputs) atelier; };
    modules = [ inputs.atelier.nixosModules.default ../../modules/journal.nix ];
  };
}
