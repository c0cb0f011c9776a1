# A host made by extending another with `extendModules` (nixpkgs'
# eval-config.nix passes lib.evalModules' through): the base's modules,
# then the added ones; special arguments updated, not replaced.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    atelier.url = "path:../../../../..";
  };
  outputs = { nixpkgs, atelier, ... }:
    let
      base = nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        specialArgs = { inherit atelier; role = "base"; };
        modules = [ atelier.nixosModules.default { networking.hostName = "base"; } ];
      };
    in
    {
      nixosConfigurations.base = base;
      nixosConfigurations.notes = base.extendModules {
        specialArgs.role = "notes";
        modules = [ ./notes.nix ];
      };
    };
}
