{ atelier, config, pkgs, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: {
        atelier.services.app.data = {
          files = [ "/srv/app/with space" "/srv/app/quote\"s" "/srv/app/dollar$x" "/srv/app/\${literal}" "/srv/app/back\\slash" "/srv/app/ünïcödé" "/srv/app/new\nline" ];
          exclude = [ "*.[ch]" ];
        };
      };
    })
  ];
  atelier.services.app.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
