{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../../../..";
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      specialArgs = { inherit atelier; };
      modules = [ atelier.nixosModules.default ./host.nix ];
    };
  };
}
