# Per-system packages (`legacyPackages`) and an extra module.
{ nixpkgs, atelier, ... }:
{ lib, ... }:
{
  imports = [ atelier.nixosModules.default ];
  layer.system = "x86_64-linux";
  layer.packages = nixpkgs.legacyPackages;
  layer.extra = import ./extra.nix { inherit atelier; };
  atelier.backup = {
    enable = true;
    repositories.main = {
      repository = "/srv/restic/alpha";
      passwordFile = "/run/keys/restic";
    };
  };
}
