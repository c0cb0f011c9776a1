{ atelier, hostName, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "wiki";
      extraConfig = cfg: {
        atelier.services.wiki.data.files = [ "${cfg.dataDir}/pages" ];
      };
    })
  ];
  networking.hostName = hostName;
  atelier.services.wiki.enable = true;
}
