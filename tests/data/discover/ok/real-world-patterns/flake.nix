{
  description = "Patterns seen in real flakes";
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    unstable.url = "github:NixOS/nixpkgs/nixos-unstable";
    atelier.url = "path:../../../../..";
    sops-nix.url = "github:Mic92/sops-nix";
  };
  outputs = inputs@{ self, nixpkgs, ... }:
    let
      inherit (nixpkgs) lib;
      mkHost = name: lib.nixosSystem {
        system = "x86_64-linux";
        specialArgs = { inherit inputs; hostName = name; };
        modules = [
          inputs.sops-nix.nixosModules.sops
          inputs.atelier.nixosModules.default
          self.nixosModules.backup
          ./modules
          (./hosts + "/${name}.nix")
        ];
      };
    in
    {
      nixosConfigurations = lib.genAttrs [ "web" "db" ] mkHost;
      nixosModules.backup = ./modules/backup.nix;
      packages.x86_64-linux.default = nixpkgs.legacyPackages.x86_64-linux.hello;
    };
}
