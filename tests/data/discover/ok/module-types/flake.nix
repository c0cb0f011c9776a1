# A service's paths come from options of type `lines` and `coercedTo str
# (listOf str)`, each defined in two modules: the definitions merge by the
# option's type (joined lines, a string coerced to a list), not as a conflict.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../../../..";
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      modules = [
        atelier.nixosModules.default
        ./notes.nix
        ./extra.nix
        ./host.nix
      ];
    };
  };
}
