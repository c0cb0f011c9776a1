{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "wiki";
      extraConfig = cfg: {
        atelier.services.wiki.data.sqlite = "${cfg.dataDir}/wiki.db";
      };
    })
  ];
}
