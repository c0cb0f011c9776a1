{ atelier, site, pkgs, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "chat";
      extraConfig = cfg: { atelier.services.chat.data.sqlite = "/${site}/chat.db"; };
    })
  ];
  atelier.services.chat.enable = true;
  environment.systemPackages = [ pkgs.sqlite ];
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/backup";
      passwordFile = "/run/keys/restic";
    };
  };
}
