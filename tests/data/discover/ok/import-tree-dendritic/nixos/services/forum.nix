{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "forum";
      extraConfig = cfg: {
        atelier.services.forum.data.sqlite = "${cfg.dataDir}/forum.sqlite";
      };
    })
  ];
  atelier.services.forum.enable = true;
}
