# The partition's module: `nixpkgs` (./common's) and `pinned` (this
# directory's flake: its `unstable`, nixpkgs by its flake.lock) are its
# extra inputs.
{ inputs, ... }:
let
  modules = name: [
    inputs.atelier.nixosModules.default
    ./${name}.nix
  ];
in
{
  flake.nixosConfigurations = {
    alpha = inputs.nixpkgs.lib.nixosSystem {
      specialArgs = { inherit (inputs) atelier; };
      modules = modules "alpha";
    };
  } // inputs.pinned.lib.genAttrs [ "beta" ] (name:
    inputs.pinned.lib.nixosSystem {
      modules = modules name;
    });
}
