{ atelier, config, pkgs, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: {
        atelier.services.app.data = {
          postgres = "shared";
        };
      };
    })
    (atelier.lib.mkService {
      name = "other";
      extraConfig = cfg: {
        atelier.services.other.data = {
          postgres = [ "other" "shared" ];
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
