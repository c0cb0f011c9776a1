{
  description = "atelier.lib.mkService services whose enable and data depend on the module system";
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    atelier.url = "path:../../../../..";
  };
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      specialArgs = { inherit atelier; };
      modules = [
        atelier.nixosModules.default
        ./site.nix
        ./services.nix
        ./host.nix
      ];
    };
  };
}
