# `self + /modules/x.nix` (srid/nixos-config under nixos-unified): a set
# first in `+` is its `outPath` and the path after it is not copied to the
# store, so the result is a file of the flake, read like `./modules/x.nix`.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../../../..";
  outputs = inputs@{ self, nixpkgs, ... }: {
    nixosConfigurations.desk = nixpkgs.lib.nixosSystem {
      specialArgs.flake = { inherit self inputs; };
      modules = [ ./hosts/desk.nix ];
    };
  };
}
