# `with types;` (or `with lib.types;`) around option declarations: a name
# `types` does not have (`mkOption`, `mkEnableOption`, `mkIf`) is looked up
# in the outer `with lib;`, as in Nix; a name it has (`str`, `bool`) is the
# type.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    atelier.url = "path:../../../../..";
  };
  outputs = { self, nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit atelier; };
      modules = [ atelier.nixosModules.default ./radio.nix ./box.nix ];
    };
  };
}
