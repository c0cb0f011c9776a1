# `lib.modules.importApply file arg`: a module made by a file's function
# applied to a static argument (nixpkgs' lib, also used for clan services).
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    atelier.url = "path:../../../../..";
  };
  outputs = { self, nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit atelier; };
      modules = [
        atelier.nixosModules.default
        (nixpkgs.lib.modules.importApply ./service.nix { name = "ledger"; file = "books.db"; })
        ./box.nix
      ];
    };
  };
}
