# A package set imported for the host's system, and no extra module.
{ nixpkgs, atelier, tools, ... }:
{ ... }:
let
  system = "aarch64-linux";
in
{
  imports = [
    atelier.nixosModules.default
    (atelier.lib.mkService {
      name = "wiki";
      extraConfig = cfg: { atelier.services.wiki.data.sqlite = "${cfg.dataDir}/wiki.db"; };
    })
  ];
  layer.system = system;
  layer.packages = import nixpkgs { inherit system; overlays = [ tools.overlays.default ]; };
  atelier.services.wiki.enable = true;
  atelier.backup = {
    enable = true;
    repositories.main = {
      repository = "/srv/restic/beta";
      passwordFile = "/run/keys/restic";
    };
  };
}
