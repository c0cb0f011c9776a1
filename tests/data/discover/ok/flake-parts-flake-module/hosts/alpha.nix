{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "wiki";
      extraConfig = cfg: {
        atelier.services.wiki.data.files = [ "${cfg.dataDir}/pages" ];
      };
    })
  ];
  networking.hostName = "alpha";
  atelier.services.wiki.enable = true;
}
