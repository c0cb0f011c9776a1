{
  description = "A homelab of two hosts whose services declare their data for atelier";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    atelier.url = "path:../..";
    atelier.inputs.nixpkgs.follows = "nixpkgs";
  };

  outputs = { self, nixpkgs, atelier, ... }:
    let
      # Every host: atelier's options, the shared backup settings, the host
      # itself and the module atelier-gen generated for it.
      common = [
        atelier.nixosModules.default
        ./modules/backup.nix
      ];
    in
    {
      nixosConfigurations.atlas = nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        specialArgs = { inherit atelier; };
        modules = common ++ [
          ./hosts/atlas
          ./generated/atlas.nix
        ];
      };

      nixosConfigurations.juniper = nixpkgs.lib.nixosSystem {
        system = "aarch64-linux";
        specialArgs = { inherit atelier; };
        modules = common ++ [
          ./hosts/juniper
          ./generated/juniper.nix
        ];
      };
    };
}
