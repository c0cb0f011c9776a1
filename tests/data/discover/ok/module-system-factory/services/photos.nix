# `let cfg` (the nginx one) shadowed by the lambda's own `cfg:`.
{ config, lib, ... }:
let
  mkService = import ../lib/mkService.nix;
  cfg = config.services.nginx;
in
{
  imports = [
    (mkService {
      name = "photos";
      extraConfig = cfg: {
        atelier.services.photos.data.files = [ "${cfg.dataDir}/originals" ];
      };
    })
  ];
  # Only nixpkgs knows this; nothing atelier backs up depends on it.
  users.users.photos.home = cfg.virtualHosts.photos.root or "/srv";
}
