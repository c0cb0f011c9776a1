{ atelier, config, pkgs, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: {
        atelier.services.app.data = {
          files = [ "/srv/shared" ];
        };
      };
    })
    (atelier.lib.mkService {
      name = "other";
      extraConfig = cfg: {
        atelier.services.other.data = {
          files = [ "/srv/other/../shared/other" ];
        };
      };
    })
  ];
  atelier.services.app.enable = true;
  atelier.services.other.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
