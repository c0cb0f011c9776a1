{
  description = "Hand-written modules: options, mkIf gates, priorities, orders";
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    atelier.url = "path:../../../../..";
  };
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      specialArgs = { site = "example.org"; };
      modules = [
        atelier.nixosModules.default
        ./modules/gallery.nix
        ./modules/ledger.nix
        ./modules/site.nix
        ./modules/mail.nix
        ./host.nix
      ];
    };
  };
}
