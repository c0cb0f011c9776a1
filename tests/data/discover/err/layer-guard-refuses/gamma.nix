{ nixpkgs, atelier }:
{ lib, ... }:
{
  imports = [ atelier.nixosModules.default ];
  layer.system = "x86_64-linux";
  layer.packages = nixpkgs.legacyPackages;
  nixpkgs.overlays = lib.mkIf true [ ];
  atelier.backup.enable = true;
}
