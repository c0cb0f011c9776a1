# specialArgs are passed lazily, as the module system does: an argument no
# module reads is never evaluated (numtide/blueprint passes
# `self = throw "self was renamed to flake"`).
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    atelier.url = "path:../../../../..";
  };
  outputs = { self, nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      specialArgs = {
        inherit atelier;
        flake = self;
        self = throw "self was renamed to flake";
      };
      modules = [ atelier.nixosModules.default ./box.nix ];
    };
  };
}
