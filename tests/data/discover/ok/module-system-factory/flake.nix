{
  description = "A flake with its own copy of atelier's mkService factory";
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    atelier.url = "path:../../../../..";
  };
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [
        atelier.nixosModules.default
        ./services
        ./hosts/box.nix
      ];
    };
  };
}
