{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../../../..";
  outputs = { self, nixpkgs, atelier, ... }@inputs:
    let
      shared = [ ./modules/storage ./modules/backup.nix ];
      mkHost = extra: inputs.nixpkgs.lib.nixosSystem {
        specialArgs = { inherit atelier; };
        modules = [ atelier.nixosModules.default ] ++ shared ++ extra;
      };
    in
    {
      nixosConfigurations.box = mkHost [ ./host.nix ];
    };
}
