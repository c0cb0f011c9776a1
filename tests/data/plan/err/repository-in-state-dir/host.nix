{ atelier, config, pkgs, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: {
        atelier.services.app.data = {
          files = [ "/srv/app" ];
        };
      };
    })
  ];
  atelier.services.app.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "local:/var/lib/atelier/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
