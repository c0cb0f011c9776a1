# The `specialArgs` module argument (krad246/nix-systems): the module
# system passes the set given to nixosSystem as `specialArgs` too, so
# `lib.attrByPath [ "inputs" "disko" ] pinned specialArgs` is the flake
# input (its modules come from outside the flake, as nixpkgs' do) and
# `specialArgs.dataRoot` is known.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.disko.url = "github:nix-community/disko";
  inputs.atelier.url = "path:../../../../..";
  outputs = inputs@{ nixpkgs, atelier, ... }: {
    nixosConfigurations.fort = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs atelier; dataRoot = "/srv/fort"; };
      modules = [ atelier.nixosModules.default ./hosts/fort.nix ./hosts/disk.nix ];
    };
  };
}
